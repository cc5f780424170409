/**
 * ROC and precision-recall curves of a binary classifier, resampled on a fixed grid so the report can
 * chart them: Mermaid's `xychart-beta` spreads a line's values evenly over a numeric x-axis, so a
 * curve must be given as y values at evenly spaced x. A fixed count also bounds the comment's size
 * whatever the row count (a million distinct scores are a million curve points).
 *
 * - ROC: the true positive rate at false positive rates 0, 1/(n−1), …, 1, linearly interpolated
 *   between the curve's points (the same straight segments the trapezoid ROC AUC integrates; tied
 *   scores form one diagonal step). Where the curve rises vertically at a grid rate, the top is taken.
 * - PR: interpolated precision at recalls 0, 1/(n−1), …, 1: the highest precision at any threshold
 *   whose recall is at least r (the PASCAL VOC convention), so the line never zigzags between grid points.
 *
 * Both use the weighted curve of `binaryCurve` (scikit-learn's `_binary_clf_curve`). With one class
 * in the data the curve is undefined (no positives or no negatives): null, as roc_auc is NaN then.
 */
import { binaryCurve, type BinaryCurve } from '../metrics/binary-curve.js'
import { encodeLabels, type LabelSource } from '../metrics/encode-labels.js'
import { positiveClassIndex, toPositiveIndicator } from '../metrics/positive-class.js'
import type { Label } from '../metrics/encode-labels.js'

/** Grid points per curve: every 5% of the x-axis. */
export const CURVE_POINTS = 21

/** One model's curves on the grid; either is null where it is undefined. */
export interface ModelCurves {
  /** True positive rate at false positive rate i/(points−1). */
  roc: number[] | null
  /** Interpolated precision at recall i/(points−1). */
  pr: number[] | null
}

/** TPR on the FPR grid from a cumulative curve; null without positives or negatives. */
export function rocOnGrid({ tps, fps }: BinaryCurve, points = CURVE_POINTS): number[] | null {
  const k = tps.length
  const positives = k === 0 ? 0 : tps[k - 1]!
  const negatives = k === 0 ? 0 : fps[k - 1]!
  if (!(positives > 0 && negatives > 0)) return null
  // The curve's points, from (0, 0); fpr and tpr never decrease along it.
  const fpr = [0]
  const tpr = [0]
  for (let i = 0; i < k; i++) {
    fpr.push(fps[i]! / negatives)
    tpr.push(tps[i]! / positives)
  }
  const out: number[] = []
  let j = 0
  for (let g = 0; g < points; g++) {
    const x = g / (points - 1)
    // The last point at or left of x holds the highest TPR there.
    while (j + 1 < fpr.length && fpr[j + 1]! <= x) j++
    const next = j + 1 < fpr.length ? j + 1 : j
    const span = fpr[next]! - fpr[j]!
    out.push(span > 0 ? tpr[j]! + ((x - fpr[j]!) / span) * (tpr[next]! - tpr[j]!) : tpr[j]!)
  }
  return out
}

/** Interpolated precision on the recall grid; null without positives. */
export function prOnGrid({ tps, fps }: BinaryCurve, points = CURVE_POINTS): number[] | null {
  const k = tps.length
  const positives = k === 0 ? 0 : tps[k - 1]!
  if (!(positives > 0)) return null
  const out = new Array<number>(points).fill(0)
  // Walk thresholds from the lowest score (recall 1) up, carrying the best precision seen so far,
  // which is the best at any recall ≥ the current one; each grid recall takes the carry at its first threshold.
  let best = 0
  let g = points - 1
  for (let i = k - 1; i >= 0; i--) {
    const predicted = tps[i]! + fps[i]!
    const precision = predicted > 0 ? tps[i]! / predicted : 0
    best = Math.max(best, precision)
    const recall = tps[i]! / positives
    const previousRecall = i > 0 ? tps[i - 1]! / positives : 0
    // Grid recalls in (previousRecall, recall] first reach recall ≥ r at this threshold.
    // (The slack keeps weighted sums that miss a grid recall by rounding on the side they mean.)
    while (g >= 0 && g / (points - 1) > previousRecall + 1e-12 && g / (points - 1) <= recall + 1e-12) out[g--] = best
  }
  // Recalls at or under the first threshold's recall (recall 0 included) take the overall best.
  while (g >= 0) out[g--] = best
  return out
}

/** Options of `binaryCurves`. */
export interface BinaryCurvesInput {
  yTrue: LabelSource
  /** Row-major [rows, 2] probabilities in `classes` order. */
  probabilities: Float32Array | Float64Array
  classes: readonly Label[]
  posLabel?: Label | undefined
  weight?: ArrayLike<number> | undefined
  points?: number
}

/**
 * Both curves of one model. Null when its probabilities are not usable as scores (not 2 columns, or a
 * value outside [0, 1]): a picture is not worth failing an evaluation for, and the probability
 * metrics already refuse such a model when the spec asks for them.
 */
export function binaryCurves(input: BinaryCurvesInput): ModelCurves | null {
  const { probabilities, classes } = input
  if (classes.length !== 2) return null
  const positive = positiveClassIndex(classes, input.posLabel)
  const yTrue = toPositiveIndicator(encodeLabels(input.yTrue, classes, 'target'), positive)
  const rows = yTrue.length
  if (probabilities.length !== 2 * rows || rows === 0) return null
  const scores = new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    const p = probabilities[2 * i + positive]!
    if (!(p >= 0 && p <= 1)) return null
    scores[i] = p
  }
  const curve = binaryCurve(yTrue, scores, input.weight)
  return { roc: rocOnGrid(curve, input.points), pr: prOnGrid(curve, input.points) }
}
