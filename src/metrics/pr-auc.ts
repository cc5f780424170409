/**
 * PR AUC as average precision: AP = Σ_k (R_k − R_{k−1}) · P_k over the distinct score thresholds,
 * highest first, with R_0 = 0 — the step-wise sum of scikit-learn's average_precision_score (no
 * trapezoid interpolation, which would be optimistic). Precision at a threshold where nothing is
 * predicted positive cannot occur (each threshold admits a row). With no positives in y_true,
 * scikit-learn sets recall to 1 everywhere and the sum collapses to the first precision, 0; so
 * does this.
 */
import type { BinaryCurve } from './binary-curve.js'
import { binaryCurve } from './binary-curve.js'
import type { ClassIndices, SampleWeight } from './metric-input.js'

/** Average precision from a precomputed curve; 0 when there are no positives. */
export function averagePrecisionFromCurve({ tps, fps }: BinaryCurve): number {
  const k = tps.length
  if (k === 0) return Number.NaN
  const positives = tps[k - 1]!
  if (positives <= 0) return 0
  let sum = 0
  let previousRecall = 0
  for (let i = 0; i < k; i++) {
    const predicted = tps[i]! + fps[i]!
    const precision = predicted === 0 ? 0 : tps[i]! / predicted
    const recall = tps[i]! / positives
    sum += (recall - previousRecall) * precision
    previousRecall = recall
  }
  return sum
}

/** Average precision of positive-class scores against 0/1 labels. */
export function averagePrecision(yTrue: ClassIndices, scores: ArrayLike<number>, weight?: SampleWeight): number {
  return averagePrecisionFromCurve(binaryCurve(yTrue, scores, weight))
}
