/**
 * Macro recall: unweighted mean of per-class recall TP_c / (TP_c + FN_c), over the classes present in y_true or y_pred, as scikit-learn's
 * recall_score(average="macro") without `labels`. A class with zero denominator scores 0 (zero_division="warn").
 */
import { confusionMatrix } from './confusion-matrix.js'
import type { ClassIndices, SampleWeight } from './metric-input.js'
import { classesPresent, macroAverage, perClassScores } from './per-class-scores.js'

/** Macro-averaged recall of class-index predictions. */
export function recallMacro(yTrue: ClassIndices, yPred: ClassIndices, classCount: number, weight?: SampleWeight): number {
  const present = classesPresent(yTrue, yPred, classCount)
  const scores = perClassScores(confusionMatrix(yTrue, yPred, classCount, weight), classCount, present)
  return macroAverage(scores.recall, scores.present)
}
