/**
 * Binary F1 = 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall, for the positive
 * class (1). Matches scikit-learn's f1_score: when TP + FP + FN = 0 (no positives anywhere) it
 * gives 0 (zero_division="warn"), and a zero precision or recall gives 0.
 */
import type { BinaryConfusion } from './binary-confusion.js'
import { binaryConfusion } from './binary-confusion.js'
import type { ClassIndices, SampleWeight } from './metric-input.js'

/** F1 from confusion counts; 0 when TP + FP + FN = 0. */
export function f1FromConfusion({ tp, fp, fn }: BinaryConfusion): number {
  const denominator = 2 * tp + fp + fn
  return denominator === 0 ? 0 : (2 * tp) / denominator
}

/** F1 of 0/1 predictions. */
export function f1(yTrue: ClassIndices, yPred: ClassIndices, weight?: SampleWeight): number {
  return f1FromConfusion(binaryConfusion(yTrue, yPred, weight))
}
