/**
 * ROC AUC: the trapezoid area under (FPR, TPR) over the distinct score thresholds, starting at
 * (0, 0). Tied scores form one threshold, so a tie between a positive and a negative counts half,
 * as in scikit-learn's roc_auc_score (binary, average=None, max_fpr=None). When y_true holds only
 * one class the curve is undefined: scikit-learn ≥ 1.6 warns and returns NaN, and so do we.
 */
import type { BinaryCurve } from './binary-curve.js'
import { binaryCurve } from './binary-curve.js'
import type { ClassIndices, SampleWeight } from './metric-input.js'

/** Area under the ROC curve from a precomputed curve; NaN with only one class. */
export function rocAucFromCurve({ tps, fps }: BinaryCurve): number {
  const k = tps.length
  if (k === 0) return Number.NaN
  const positives = tps[k - 1]!
  const negatives = fps[k - 1]!
  if (positives <= 0 || negatives <= 0) return Number.NaN
  let area = 0
  let previousFpr = 0
  let previousTpr = 0
  for (let i = 0; i < k; i++) {
    const fpr = fps[i]! / negatives
    const tpr = tps[i]! / positives
    area += ((fpr - previousFpr) * (tpr + previousTpr)) / 2
    previousFpr = fpr
    previousTpr = tpr
  }
  return area
}

/** ROC AUC of positive-class scores against 0/1 labels. */
export function rocAuc(yTrue: ClassIndices, scores: ArrayLike<number>, weight?: SampleWeight): number {
  return rocAucFromCurve(binaryCurve(yTrue, scores, weight))
}
