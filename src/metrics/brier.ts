/**
 * Brier score = Σ w·(p − y)² / Σ w for the positive-class probability p and y ∈ {0, 1}: scikit-learn's
 * brier_score_loss for binary targets (its `scale_by_half="auto"` keeps this classic form for binary).
 * 0 is perfect, 1 is confidently wrong everywhere.
 */
import type { ClassIndices, Probabilities, SampleWeight } from './metric-input.js'
import { totalWeight } from './metric-input.js'

/** Mean squared error of positive-class probabilities against 0/1 labels. */
export function brier(yTrue: ClassIndices, p: Probabilities, weight?: SampleWeight): number {
  const n = yTrue.length
  let sum = 0
  for (let i = 0; i < n; i++) {
    const d = p[i]! - yTrue[i]!
    sum += (weight ? weight[i]! : 1) * d * d
  }
  return sum / totalWeight(n, weight)
}
