/**
 * Per-class precision, recall and F1 from a confusion matrix, and which classes scikit-learn
 * averages over: without an explicit `labels` argument, precision_score/recall_score/f1_score
 * (average="macro") use the classes present in y_true or y_pred, so a class the data never mentions
 * does not drag the macro average down. Zero division gives 0 (scikit-learn's "warn" default).
 */

/** Per-class scores; `present[c]` is true when class c occurs in y_true or y_pred. */
export interface PerClassScores {
  precision: Float64Array
  recall: Float64Array
  f1: Float64Array
  present: boolean[]
}

/**
 * Scores of each class from a flat confusion matrix (truth rows, prediction columns). `present`
 * defaults to the classes with a non-zero row or column; pass `classesPresent(...)` when weights
 * can be zero (scikit-learn counts a label as present even at weight 0).
 */
export function perClassScores(counts: Float64Array, classCount: number, present?: readonly boolean[]): PerClassScores {
  const precision = new Float64Array(classCount)
  const recall = new Float64Array(classCount)
  const f1 = new Float64Array(classCount)
  const seen: boolean[] = []
  for (let c = 0; c < classCount; c++) {
    let truth = 0
    let predicted = 0
    let truthRows = 0
    let predictedRows = 0
    for (let j = 0; j < classCount; j++) {
      truth += counts[c * classCount + j]!
      predicted += counts[j * classCount + c]!
      if (counts[c * classCount + j]! !== 0) truthRows++
      if (counts[j * classCount + c]! !== 0) predictedRows++
    }
    const tp = counts[c * classCount + c]!
    precision[c] = predicted === 0 ? 0 : tp / predicted
    recall[c] = truth === 0 ? 0 : tp / truth
    const denominator = truth + predicted
    f1[c] = denominator === 0 ? 0 : (2 * tp) / denominator
    seen.push(truthRows > 0 || predictedRows > 0)
  }
  return { precision, recall, f1, present: present ? [...present] : seen }
}

/** Classes that occur (at any weight) in y_true or y_pred. */
export function classesPresent(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classCount: number): boolean[] {
  const present = new Array<boolean>(classCount).fill(false)
  for (let i = 0; i < yTrue.length; i++) {
    present[yTrue[i]!] = true
    present[yPred[i]!] = true
  }
  return present
}

/** Unweighted mean of `values` over the present classes (NaN when none is present). */
export function macroAverage(values: Float64Array, present: readonly boolean[]): number {
  let sum = 0
  let count = 0
  for (let c = 0; c < values.length; c++) {
    if (present[c]) {
      sum += values[c]!
      count++
    }
  }
  return count === 0 ? Number.NaN : sum / count
}
