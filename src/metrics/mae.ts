/**
 * MAE = Σ w·|ŷ − y| / Σ w, scikit-learn's mean_absolute_error. Empty input gives NaN.
 */
import type { SampleWeight } from './metric-input.js'
import { totalWeight } from './metric-input.js'

/** Mean absolute error. */
export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, weight?: SampleWeight): number {
  let sum = 0
  for (let i = 0; i < yTrue.length; i++) sum += (weight ? weight[i]! : 1) * Math.abs(yPred[i]! - yTrue[i]!)
  return sum / totalWeight(yTrue.length, weight)
}
