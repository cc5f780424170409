/**
 * Binary recall = TP / (TP + FN) for the positive class (1). Matches scikit-learn's recall_score
 * with zero_division="warn": no true positives in y_true gives 0.
 */
import type { BinaryConfusion } from './binary-confusion.js'
import { binaryConfusion } from './binary-confusion.js'
import type { ClassIndices, SampleWeight } from './metric-input.js'

/** Recall from confusion counts; 0 when y_true holds no positives. */
export function recallFromConfusion({ tp, fn }: BinaryConfusion): number {
  return tp + fn === 0 ? 0 : tp / (tp + fn)
}

/** Recall of 0/1 predictions. */
export function recall(yTrue: ClassIndices, yPred: ClassIndices, weight?: SampleWeight): number {
  return recallFromConfusion(binaryConfusion(yTrue, yPred, weight))
}
