/**
 * Confusion matrix C[i][j] = Σ w over rows with true class i and predicted class j, as
 * scikit-learn's confusion_matrix(labels=classes, sample_weight=w); rows are truth, columns are
 * predictions, in class-index order. Stored flat, row-major.
 */
import type { ClassIndices, SampleWeight } from './metric-input.js'

/** Flat classCount × classCount matrix, `counts[truth * classCount + predicted]`. */
export function confusionMatrix(yTrue: ClassIndices, yPred: ClassIndices, classCount: number, weight?: SampleWeight): Float64Array {
  const counts = new Float64Array(classCount * classCount)
  const n = yTrue.length
  if (weight) for (let i = 0; i < n; i++) counts[yTrue[i]! * classCount + yPred[i]!]! += weight[i]!
  else for (let i = 0; i < n; i++) counts[yTrue[i]! * classCount + yPred[i]!]!++
  return counts
}

/** The matrix as nested rows, for reports. */
export function confusionRows(counts: Float64Array, classCount: number): number[][] {
  return Array.from({ length: classCount }, (_, i) => Array.from(counts.subarray(i * classCount, (i + 1) * classCount)))
}
