/**
 * Accuracy = Σw·[ŷ = y] / Σw, for binary and multiclass labels alike. Matches scikit-learn's
 * accuracy_score (normalize=True). An empty input gives NaN.
 */
import type { ClassIndices, SampleWeight } from './metric-input.js'
import { totalWeight } from './metric-input.js'

/** Share of rows (weighted) whose predicted class equals the true class. */
export function accuracy(yTrue: ClassIndices, yPred: ClassIndices, weight?: SampleWeight): number {
  const n = yTrue.length
  let correct = 0
  if (weight) {
    for (let i = 0; i < n; i++) if (yTrue[i] === yPred[i]) correct += weight[i]!
  } else {
    for (let i = 0; i < n; i++) if (yTrue[i] === yPred[i]) correct++
  }
  return correct / totalWeight(n, weight)
}
