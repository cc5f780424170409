/**
 * Binary confusion counts: tn, fp, fn, tp with the positive class = 1, weighted when weights are
 * given (as scikit-learn's confusion_matrix(sample_weight=...)). One pass; the threshold metrics
 * (accuracy, precision, recall, f1) all derive from it.
 */
import type { ClassIndices, SampleWeight } from './metric-input.js'

/** Weighted binary confusion counts (plain counts without weights). */
export interface BinaryConfusion {
  tn: number
  fp: number
  fn: number
  tp: number
}

/** Confusion counts of 0/1 labels against 0/1 predictions. */
export function binaryConfusion(yTrue: ClassIndices, yPred: ClassIndices, weight?: SampleWeight): BinaryConfusion {
  // cells[2 * truth + prediction]: 0 tn, 1 fp, 2 fn, 3 tp.
  const cells = [0, 0, 0, 0]
  const n = yTrue.length
  if (weight) for (let i = 0; i < n; i++) cells[2 * yTrue[i]! + yPred[i]!]! += weight[i]!
  else for (let i = 0; i < n; i++) cells[2 * yTrue[i]! + yPred[i]!]!++
  return { tn: cells[0]!, fp: cells[1]!, fn: cells[2]!, tp: cells[3]! }
}
