/**
 * One entry for evaluation: computes the named metrics of a task from true labels, predicted
 * labels and (for probability metrics) class probabilities. Labels are encoded once, the binary
 * confusion counts and the score curve are computed once and shared, so asking for all eight
 * binary metrics costs about one sort plus a few linear passes.
 */
import { closestName } from '../data/suggest.js'
import { ModelError, UsageError } from '../errors.js'
import { accuracy } from './accuracy.js'
import { binaryConfusion } from './binary-confusion.js'
import type { BinaryCurve } from './binary-curve.js'
import { binaryCurve } from './binary-curve.js'
import { brier } from './brier.js'
import type { Task } from './catalog.js'
import { metricNames } from './catalog.js'
import { confusionMatrix, confusionRows } from './confusion-matrix.js'
import type { Label, LabelSource } from './encode-labels.js'
import { encodeLabels } from './encode-labels.js'
import { f1FromConfusion } from './f1.js'
import { f1Micro } from './f1-micro.js'
import { binaryLogLoss, multiclassLogLoss } from './log-loss.js'
import { mae } from './mae.js'
import { mape } from './mape.js'
import type { Probabilities } from './metric-input.js'
import { classesPresent, macroAverage, perClassScores } from './per-class-scores.js'
import { averagePrecisionFromCurve } from './pr-auc.js'
import { positiveClassIndex, toPositiveIndicator } from './positive-class.js'
import { precisionFromConfusion } from './precision.js'
import { r2 } from './r2.js'
import { recallFromConfusion } from './recall.js'
import { rmse } from './rmse.js'
import { rocAucFromCurve } from './roc-auc.js'

/** Inputs of a classification task. */
export interface ClassificationInput {
  /** True labels (target column). */
  yTrue: LabelSource
  /** Predicted labels (the model's label output). */
  yPred: LabelSource
  /** Probabilities, row-major [N, C] in `classes` order; binary also accepts [N] for the positive class. */
  proba?: Probabilities
  /** The model's classes in its declared order; for binary tasks classes[1] is the positive class unless `posLabel` names one. */
  classes: readonly Label[]
  /** Binary: the positive class (spec `evaluate.pos-label`); default classes[1]. */
  posLabel?: Label
  /** Weight per row (spec `data.sample-weight`), as scikit-learn's `sample_weight`; default 1 each. */
  sampleWeight?: ArrayLike<number>
}

/** Inputs of a regression task. */
export interface RegressionInput {
  yTrue: ArrayLike<number>
  yPred: ArrayLike<number>
  sampleWeight?: ArrayLike<number>
}

/** Metric values by name, plus the confusion matrix of a classification task. */
export interface MetricsResult {
  values: Record<string, number>
  /** Rows are true classes, columns predicted classes (weighted counts), in `classes` order. */
  confusionMatrix?: { classes: string[]; counts: number[][] }
}

const NEEDS_PROBA = new Set(['roc_auc', 'pr_auc', 'log_loss', 'brier'])

/** Computes `names` (catalog.ts names of `task`) for one set of predictions. */
export function computeMetrics(task: Task, input: ClassificationInput | RegressionInput, names: readonly string[]): MetricsResult {
  const known = metricNames(task)
  for (const name of names) {
    if (!known.includes(name)) {
      const near = closestName(name, known)
      throw new UsageError(
        `'${name}' is not a metric of ${task}${near ? `; did you mean '${near}'?` : '.'} Metrics of ${task}: ${known.join(', ')}.`,
      )
    }
  }
  if (task === 'regression') return { values: regressionMetrics(input as RegressionInput, names) }
  const classification = input as ClassificationInput
  if (!('classes' in classification) || !Array.isArray(classification.classes)) throw new Error(`computeMetrics: ${task} needs classes`)
  return task === 'binary-classification' ? binaryMetrics(classification, names) : multiclassMetrics(classification, names)
}

function regressionMetrics({ yTrue, yPred, sampleWeight }: RegressionInput, names: readonly string[]): Record<string, number> {
  checkLength('predictions', yPred.length, yTrue.length)
  for (let i = 0; i < yPred.length; i++) {
    if (Number.isNaN(yPred[i]!)) throw new ModelError(`the model predicted NaN at row ${i + 1}. Fix: check the model's inputs for that row and its export.`)
  }
  const values: Record<string, number> = {}
  for (const name of names) {
    if (name === 'rmse') values[name] = rmse(yTrue, yPred, sampleWeight)
    else if (name === 'mae') values[name] = mae(yTrue, yPred, sampleWeight)
    else if (name === 'r2') values[name] = r2(yTrue, yPred, sampleWeight)
    else if (name === 'mape') values[name] = mape(yTrue, yPred, sampleWeight)
  }
  return values
}

function binaryMetrics(input: ClassificationInput, names: readonly string[]): MetricsResult {
  const { classes, sampleWeight: weight } = input
  if (classes.length !== 2) {
    throw new ModelError(`a binary classifier must declare 2 classes, but this one declares ${classes.length} (${classes.join(', ')}). Fix: set task to multiclass-classification or re-export the model.`)
  }
  const positiveIndex = positiveClassIndex(classes, input.posLabel)
  const yTrue = toPositiveIndicator(encodeLabels(input.yTrue, classes, 'target'), positiveIndex)
  const yPred = toPositiveIndicator(encodeLabels(input.yPred, classes, 'prediction'), positiveIndex)
  checkLength('predicted labels', yPred.length, yTrue.length)
  const positive = names.some((name) => NEEDS_PROBA.has(name)) ? positiveProbabilities(input, yTrue.length, names, positiveIndex) : undefined
  const confusion = binaryConfusion(yTrue, yPred, weight)
  let curve: BinaryCurve | undefined
  const scoreCurve = (): BinaryCurve => (curve ??= binaryCurve(yTrue, positive!, weight))
  const values: Record<string, number> = {}
  for (const name of names) {
    switch (name) {
      case 'accuracy':
        values[name] = accuracy(yTrue, yPred, weight)
        break
      case 'precision':
        values[name] = precisionFromConfusion(confusion)
        break
      case 'recall':
        values[name] = recallFromConfusion(confusion)
        break
      case 'f1':
        values[name] = f1FromConfusion(confusion)
        break
      case 'roc_auc':
        values[name] = rocAucFromCurve(scoreCurve())
        break
      case 'pr_auc':
        values[name] = averagePrecisionFromCurve(scoreCurve())
        break
      case 'log_loss':
        values[name] = binaryLogLoss(yTrue, positive!, weight)
        break
      case 'brier':
        values[name] = brier(yTrue, positive!, weight)
        break
    }
  }
  const counts = [
    [confusion.tn, confusion.fp],
    [confusion.fn, confusion.tp],
  ]
  // Rows and columns are [negative, positive], whichever order the model declares them in.
  return { values, confusionMatrix: { classes: [classes[1 - positiveIndex]!, classes[positiveIndex]!].map(String), counts } }
}

function multiclassMetrics(input: ClassificationInput, names: readonly string[]): MetricsResult {
  const { classes, sampleWeight: weight } = input
  const classCount = classes.length
  const yTrue = encodeLabels(input.yTrue, classes, 'target')
  const yPred = encodeLabels(input.yPred, classes, 'prediction')
  checkLength('predicted labels', yPred.length, yTrue.length)
  const counts = confusionMatrix(yTrue, yPred, classCount, weight)
  const scores = perClassScores(counts, classCount, classesPresent(yTrue, yPred, classCount))
  const values: Record<string, number> = {}
  for (const name of names) {
    switch (name) {
      case 'accuracy':
        values[name] = accuracy(yTrue, yPred, weight)
        break
      case 'f1_macro':
        values[name] = macroAverage(scores.f1, scores.present)
        break
      case 'f1_micro':
        values[name] = f1Micro(yTrue, yPred, weight)
        break
      case 'precision_macro':
        values[name] = macroAverage(scores.precision, scores.present)
        break
      case 'recall_macro':
        values[name] = macroAverage(scores.recall, scores.present)
        break
      case 'log_loss': {
        const proba = requireProbabilities(input, name)
        checkLength('probabilities', proba.length, yTrue.length * classCount, `${yTrue.length} rows × ${classCount} classes`)
        checkProbabilities(proba, classCount)
        values[name] = multiclassLogLoss(yTrue, proba, classCount, weight)
        break
      }
    }
  }
  return { values, confusionMatrix: { classes: classes.map(String), counts: confusionRows(counts, classCount) } }
}

function requireProbabilities(input: ClassificationInput, metric: string): Probabilities {
  if (!input.proba) {
    throw new ModelError(
      `metric '${metric}' needs class probabilities, but the model has no probabilities output. ` +
        `Fix: export it with a probabilities output (skl2onnx: options={'zipmap': False}) or drop '${metric}' from evaluate.metrics.`,
    )
  }
  return input.proba
}

/** The positive-class column of binary probabilities, keeping the float width (it sets log_loss's eps). */
function positiveProbabilities(input: ClassificationInput, rows: number, names: readonly string[], column: number): Probabilities {
  const proba = requireProbabilities(input, names.find((name) => NEEDS_PROBA.has(name))!)
  let positive: Probabilities
  if (proba.length === rows) positive = proba
  else if (proba.length === 2 * rows) {
    positive = proba instanceof Float32Array ? new Float32Array(rows) : new Float64Array(rows)
    for (let i = 0; i < rows; i++) positive[i] = proba[2 * i + column]!
  } else {
    checkLength('probabilities', proba.length, 2 * rows, `${rows} rows × 2 classes`)
    positive = proba
  }
  checkProbabilities(positive, 1)
  return positive
}

function checkProbabilities(proba: Probabilities, width: number): void {
  for (let i = 0; i < proba.length; i++) {
    const p = proba[i]!
    if (!(p >= 0 && p <= 1)) {
      throw new ModelError(
        `the model returned probability ${p} at row ${Math.floor(i / width) + 1}; probabilities must lie in [0, 1]. ` +
          `Fix: check the model's inputs for that row, and that its probabilities output is not raw scores (logits).`,
      )
    }
  }
}

function checkLength(what: string, actual: number, expected: number, shape = `${expected} rows`): void {
  if (actual !== expected) {
    throw new ModelError(`the model returned ${actual} ${what} for ${shape}. Fix: check the model's output shape (one prediction per input row).`)
  }
}
