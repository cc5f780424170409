/**
 * RMSE = sqrt(Σ w·(ŷ − y)² / Σ w), scikit-learn's root_mean_squared_error. Empty input gives NaN.
 */
import type { SampleWeight } from './metric-input.js'
import { totalWeight } from './metric-input.js'

/** Root mean squared error. */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, weight?: SampleWeight): number {
  let sum = 0
  for (let i = 0; i < yTrue.length; i++) {
    const d = yPred[i]! - yTrue[i]!
    sum += (weight ? weight[i]! : 1) * d * d
  }
  return Math.sqrt(sum / totalWeight(yTrue.length, weight))
}
