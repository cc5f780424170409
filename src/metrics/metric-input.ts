/**
 * Shapes shared by the metric functions. Classification metrics take class indices (0..C-1, in the
 * model's declared class order; for binary tasks 1 is the positive class) so that labels are
 * mapped once, not per metric. Sample weights are optional everywhere scikit-learn takes them;
 * absent weights count every row as 1.
 */

/** Class index per row, as produced by `encodeLabels`. */
export type ClassIndices = ArrayLike<number>

/** Optional per-row weights (non-negative). */
export type SampleWeight = ArrayLike<number> | undefined

/** Class probabilities: float32 as models emit them, or float64. Row-major [N, C] unless stated. */
export type Probabilities = Float32Array | Float64Array

/** Sum of weights, or the row count without weights. */
export function totalWeight(n: number, weight: SampleWeight): number {
  if (!weight) return n
  let sum = 0
  for (let i = 0; i < n; i++) sum += weight[i]!
  return sum
}

/**
 * The clipping epsilon scikit-learn's log_loss uses: since 1.5 it is `np.finfo(y_pred.dtype).eps`
 * (2.220446049250313e-16 for float64, 1.1920928955078125e-07 for float32); before that a fixed 1e-15.
 */
export function probabilityEpsilon(proba: Probabilities): number {
  return proba instanceof Float32Array ? 2 ** -23 : Number.EPSILON
}
