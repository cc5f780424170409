/**
 * Per-group rates of a binary classifier, as Fairlearn's MetricFrame computes them with
 * `selection_rate`, `true_positive_rate`, `false_positive_rate` and scikit-learn's `accuracy_score`
 * (checked against Fairlearn 0.15, fairlearn/metrics/_base_metrics.py):
 *
 * - selection rate = Σw·[ŷ = 1] / Σw
 * - TPR = Σw·[ŷ = 1, y = 1] / Σw·[y = 1]; a group with no positives gets 0, not NaN: Fairlearn reads
 *   it from confusion_matrix(normalize="true"), which turns 0/0 into 0
 * - FPR = Σw·[ŷ = 1, y = 0] / Σw·[y = 0]; likewise 0 for a group with no negatives
 * - accuracy = Σw·[ŷ = y] / Σw
 * - count = rows in the group, unweighted (Fairlearn's `count`)
 * - a group whose weights sum to 0 is empty: every rate is NaN (Fairlearn's selection rate is 0/0
 *   there, and scikit-learn refuses all-zero weights), so the disparity metrics skip it
 *   (disparity.ts) instead of counting its 0/0 TPR and FPR as 0; it is still listed with its count
 *
 * One pass over the rows fills a 4-cell weighted confusion table per group.
 */

/** Rates of one group (or of all rows, for `overall`). */
export interface GroupRates {
  count: number
  /** Σw over the group's rows (= count when unweighted); 0 marks an empty group. */
  weight: number
  selectionRate: number
  truePositiveRate: number
  falsePositiveRate: number
  accuracy: number
}

/** Per-group rates from 0/1 labels and predictions and a group index per row (0..groupCount-1). */
export function groupRates(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, groups: ArrayLike<number>, groupCount: number, weight?: ArrayLike<number>): GroupRates[] {
  // cells[4 * g + 2 * truth + prediction]: tn, fp, fn, tp per group.
  const cells = new Float64Array(4 * groupCount)
  const counts = new Float64Array(groupCount)
  const n = yTrue.length
  for (let i = 0; i < n; i++) {
    const g = groups[i]!
    cells[4 * g + 2 * yTrue[i]! + yPred[i]!]! += weight ? weight[i]! : 1
    counts[g]!++
  }
  return Array.from({ length: groupCount }, (_, g) => ratesFromCells(cells.subarray(4 * g, 4 * g + 4), counts[g]!))
}

/** Rates over all rows (Fairlearn's MetricFrame.overall). */
export function overallRates(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, weight?: ArrayLike<number>): GroupRates {
  return groupRates(yTrue, yPred, new Uint8Array(yTrue.length), 1, weight)[0]!
}

function ratesFromCells(cells: Float64Array, count: number): GroupRates {
  const [tn, fp, fn, tp] = [cells[0]!, cells[1]!, cells[2]!, cells[3]!]
  const total = tn + fp + fn + tp
  if (total === 0) return { count, weight: 0, selectionRate: NaN, truePositiveRate: NaN, falsePositiveRate: NaN, accuracy: NaN }
  return {
    count,
    weight: total,
    selectionRate: (tp + fp) / total,
    truePositiveRate: tp + fn === 0 ? 0 : tp / (tp + fn),
    falsePositiveRate: fp + tn === 0 ? 0 : fp / (fp + tn),
    accuracy: (tp + tn) / total,
  }
}
