/**
 * MAPE = Σ w·|ŷ − y| / max(|y|, eps) / Σ w, as a fraction (0.25 means 25 %), scikit-learn's
 * mean_absolute_percentage_error with eps = np.finfo(np.float64).eps = 2.22e-16. So a zero in
 * y_true does not divide by zero but makes the value enormous (|ŷ| / 2.22e-16): MAPE is the wrong
 * metric for targets that can be 0, and the huge number says so.
 */
import type { SampleWeight } from './metric-input.js'
import { totalWeight } from './metric-input.js'

/** Mean absolute percentage error, as a fraction. */
export function mape(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, weight?: SampleWeight): number {
  let sum = 0
  for (let i = 0; i < yTrue.length; i++) {
    const scale = Math.max(Math.abs(yTrue[i]!), Number.EPSILON)
    sum += ((weight ? weight[i]! : 1) * Math.abs(yPred[i]! - yTrue[i]!)) / scale
  }
  return sum / totalWeight(yTrue.length, weight)
}
