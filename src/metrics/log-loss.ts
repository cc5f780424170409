/**
 * Log loss (cross-entropy) = −Σ_i w_i · log(clip(p_i[y_i])) / Σ_i w_i, natural log.
 *
 * Clipping follows scikit-learn's log_loss (≥ 1.5): probabilities are clipped to [eps, 1 − eps]
 * with eps = np.finfo(dtype).eps of the probability array — 2.22e-16 for float64 and 1.19e-7 for
 * float32, which is what ONNX models emit; so a confident wrong float32 prediction costs
 * −log(1.19e-7) ≈ 15.9, not 36. (scikit-learn < 1.5 used a fixed eps=1e-15.) For binary input the
 * negative-class probability is 1 − p computed before clipping, as scikit-learn does. Rows are not
 * re-normalised to sum to 1 (scikit-learn only warns). We compute in float64 throughout; scikit-
 * learn computes float32 input in float32, so results agree to about 1e-7 relative there.
 */
import type { ClassIndices, Probabilities, SampleWeight } from './metric-input.js'
import { probabilityEpsilon, totalWeight } from './metric-input.js'

/** Binary log loss of positive-class probabilities `p` against 0/1 labels. */
export function binaryLogLoss(yTrue: ClassIndices, p: Probabilities, weight?: SampleWeight): number {
  const eps = probabilityEpsilon(p)
  const high = 1 - eps
  const n = yTrue.length
  let sum = 0
  for (let i = 0; i < n; i++) {
    let q = yTrue[i] === 1 ? p[i]! : 1 - p[i]!
    if (q < eps) q = eps
    else if (q > high) q = high
    sum -= (weight ? weight[i]! : 1) * Math.log(q)
  }
  return sum / totalWeight(n, weight)
}

/** Multiclass log loss; `proba` is row-major [N, classCount], column j = class j. */
export function multiclassLogLoss(yTrue: ClassIndices, proba: Probabilities, classCount: number, weight?: SampleWeight): number {
  const eps = probabilityEpsilon(proba)
  const high = 1 - eps
  const n = yTrue.length
  let sum = 0
  for (let i = 0; i < n; i++) {
    let q = proba[i * classCount + yTrue[i]!]!
    if (q < eps) q = eps
    else if (q > high) q = high
    sum -= (weight ? weight[i]! : 1) * Math.log(q)
  }
  return sum / totalWeight(n, weight)
}
