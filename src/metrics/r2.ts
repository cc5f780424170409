/**
 * R² = 1 − Σ w·(y − ŷ)² / Σ w·(y − ȳ)², ȳ the weighted mean of y: scikit-learn's r2_score with
 * force_finite=True, so a constant y_true gives 1 when the predictions are exact and 0 otherwise
 * (instead of NaN or −∞). Can be negative: a model worse than predicting the mean.
 */
import type { SampleWeight } from './metric-input.js'
import { totalWeight } from './metric-input.js'

/** Coefficient of determination. */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, weight?: SampleWeight): number {
  const n = yTrue.length
  let weightedSum = 0
  for (let i = 0; i < n; i++) weightedSum += (weight ? weight[i]! : 1) * yTrue[i]!
  const mean = weightedSum / totalWeight(n, weight)
  let residual = 0
  let total = 0
  for (let i = 0; i < n; i++) {
    const w = weight ? weight[i]! : 1
    const e = yTrue[i]! - yPred[i]!
    const d = yTrue[i]! - mean
    residual += w * e * e
    total += w * d * d
  }
  if (total === 0) return residual === 0 ? 1 : 0
  return 1 - residual / total
}
