/**
 * Micro F1: TP, FP and FN pooled over all classes, then 2·TP / (2·TP + FP + FN). For single-label
 * multiclass data every wrong row is one FP and one FN, so it equals accuracy — as scikit-learn's
 * f1_score(average="micro") does when all classes are counted. Empty input gives 0.
 */
import type { ClassIndices, SampleWeight } from './metric-input.js'

/** Micro-averaged F1 of class-index predictions. */
export function f1Micro(yTrue: ClassIndices, yPred: ClassIndices, weight?: SampleWeight): number {
  let correct = 0
  let wrong = 0
  for (let i = 0; i < yTrue.length; i++) {
    const w = weight ? weight[i]! : 1
    if (yTrue[i] === yPred[i]) correct += w
    else wrong += w
  }
  const denominator = 2 * correct + 2 * wrong
  return denominator === 0 ? 0 : (2 * correct) / denominator
}
