/**
 * Binary precision = TP / (TP + FP) for the positive class (1). Matches scikit-learn's
 * precision_score with its default zero_division="warn": no predicted positives gives 0.
 */
import type { BinaryConfusion } from './binary-confusion.js'
import { binaryConfusion } from './binary-confusion.js'
import type { ClassIndices, SampleWeight } from './metric-input.js'

/** Precision from confusion counts; 0 when nothing is predicted positive. */
export function precisionFromConfusion({ tp, fp }: BinaryConfusion): number {
  return tp + fp === 0 ? 0 : tp / (tp + fp)
}

/** Precision of 0/1 predictions. */
export function precision(yTrue: ClassIndices, yPred: ClassIndices, weight?: SampleWeight): number {
  return precisionFromConfusion(binaryConfusion(yTrue, yPred, weight))
}
