/**
 * The report's pictures: ROC and PR curves on the fixed grid and the residuals summary, against
 * scikit-learn's curves and numpy's quantiles (test/fixtures/golden/make_curves.py), hand-checked
 * small cases, and the undefined cases (one class, unusable probabilities, non-finite residuals).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { binaryCurves, CURVE_POINTS, prOnGrid, rocOnGrid } from '../../src/evaluate/curves.js'
import { quantileSorted, residuals, summarizeResiduals } from '../../src/evaluate/residuals.js'
import { binaryCurve } from '../../src/metrics/binary-curve.js'
import { rocAuc } from '../../src/metrics/roc-auc.js'

const golden = JSON.parse(readFileSync('test/fixtures/golden/curves.json', 'utf8')) as {
  points: number
  y: number[]
  scores: number[]
  weight: number[]
  roc: number[]
  pr: number[]
  roc_weighted: number[]
  pr_weighted: number[]
  roc_auc: number
  true: number[]
  predicted: number[]
  quantiles: number[]
  mean: number
  p01: number
  p99: number
}

function closeAll(actual: readonly number[] | null, expected: readonly number[], what: string): void {
  assert.ok(actual, `${what}: no curve`)
  assert.equal(actual.length, expected.length, what)
  actual.forEach((value, i) => assert.ok(Math.abs(value - expected[i]!) < 1e-9, `${what}[${i}]: ${value} vs ${expected[i]}`))
}

/** [rows, 2] probabilities with the positive class (1) in column 1. */
function twoColumns(scores: readonly number[]): Float64Array {
  const out = new Float64Array(scores.length * 2)
  scores.forEach((p, i) => {
    out[2 * i] = 1 - p
    out[2 * i + 1] = p
  })
  return out
}

test('curves on the grid match scikit-learn roc_curve and precision_recall_curve, weighted and not, ties included', () => {
  assert.equal(golden.points, CURVE_POINTS)
  const y = Int32Array.from(golden.y)
  closeAll(rocOnGrid(binaryCurve(y, golden.scores)), golden.roc, 'roc')
  closeAll(prOnGrid(binaryCurve(y, golden.scores)), golden.pr, 'pr')
  closeAll(rocOnGrid(binaryCurve(y, golden.scores, golden.weight)), golden.roc_weighted, 'weighted roc')
  closeAll(prOnGrid(binaryCurve(y, golden.scores, golden.weight)), golden.pr_weighted, 'weighted pr')
  // The same curve the AUC integrates.
  assert.ok(Math.abs(rocAuc(y, golden.scores) - golden.roc_auc) < 1e-12)
})

test('a small case by hand: a vertical ROC step takes its top; PR precision is the best at that recall or more', () => {
  // Thresholds 0.8, 0.4, 0.35, 0.1: ROC (0, .5) (.5, .5) (.5, 1) (1, 1); PR (R .5, P 1) (.5, .5) (1, 2/3) (1, .5).
  const curve = binaryCurve(Int32Array.from([0, 0, 1, 1]), [0.1, 0.4, 0.35, 0.8])
  assert.deepEqual(rocOnGrid(curve, 5), [0.5, 0.5, 1, 1, 1])
  assert.deepEqual(prOnGrid(curve, 5), [1, 1, 1, 2 / 3, 2 / 3])
})

test('binaryCurves: string labels, the positive class by pos-label, null where a curve is undefined or scores unusable', () => {
  const labels = ['stayed', 'stayed', 'churned', 'churned']
  const churned = [0.1, 0.4, 0.35, 0.8]
  // classes [churned, stayed]: the probabilities of 'churned' are column 0.
  const proba = new Float64Array(churned.flatMap((p) => [p, 1 - p]))
  const curves = binaryCurves({ yTrue: labels, probabilities: proba, classes: ['churned', 'stayed'], posLabel: 'churned', points: 5 })
  assert.deepEqual(curves, { roc: [0.5, 0.5, 1, 1, 1], pr: [1, 1, 1, 2 / 3, 2 / 3] })

  // One class only: no negatives (ROC undefined), PR still defined.
  const allPositive = binaryCurves({ yTrue: [1, 1, 1], probabilities: twoColumns([0.2, 0.5, 0.9]), classes: [0, 1], points: 3 })
  assert.deepEqual(allPositive, { roc: null, pr: [1, 1, 1] })
  // No positives: neither curve.
  assert.deepEqual(binaryCurves({ yTrue: [0, 0], probabilities: twoColumns([0.2, 0.5]), classes: [0, 1] }), { roc: null, pr: null })
  // Raw scores (logits) or NaN are not probabilities: no picture, no failure.
  assert.equal(binaryCurves({ yTrue: [0, 1], probabilities: twoColumns([-2, 3]), classes: [0, 1] }), null)
  assert.equal(binaryCurves({ yTrue: [0, 1], probabilities: new Float64Array([0.5, Number.NaN, 0.5, 0.5]), classes: [0, 1] }), null)
  // A probabilities tensor of the wrong width.
  assert.equal(binaryCurves({ yTrue: [0, 1], probabilities: new Float64Array([0.5, 0.5]), classes: [0, 1] }), null)
})

test('residuals: numpy quantiles and mean; bins between the 1st and 99th percentile hold every row, tails in the end bins', () => {
  const r = residuals(golden.true, golden.predicted)
  const summary = summarizeResiduals(r)
  summary.candidate.quantiles.forEach((value, i) => assert.ok(Math.abs(value - golden.quantiles[i]!) < 1e-9, `quantile ${i}: ${value} vs ${golden.quantiles[i]}`))
  assert.ok(Math.abs(summary.candidate.mean - golden.mean) < 1e-9)
  assert.ok(Math.abs(summary.edges[0]! - golden.p01) < 1e-9 && Math.abs(summary.edges.at(-1)! - golden.p99) < 1e-9)
  assert.equal(summary.edges.length, 11)
  assert.equal(summary.candidate.counts.reduce((a, b) => a + b, 0), golden.true.length)
  // The wild residual (+90) is past the 99th percentile: counted in the last bin.
  assert.ok(summary.candidate.counts.at(-1)! >= 1)
  assert.equal(summary.champion, null)
})

test('residuals: the champion shares the candidate bins; constant residuals get a unit-wide range; non-finite ones are refused', () => {
  const both = summarizeResiduals(Float64Array.from([-1, 0, 1, 2]), Float64Array.from([-3, 0, 0, 3]), 4)
  assert.equal(both.edges.length, 5)
  assert.equal(both.candidate.counts.reduce((a, b) => a + b, 0), 4)
  assert.equal(both.champion!.counts.reduce((a, b) => a + b, 0), 4)
  assert.equal(both.champion!.counts[0], 1)
  assert.equal(both.champion!.counts[3], 1)

  const constant = summarizeResiduals(Float64Array.from([2, 2, 2]))
  assert.deepEqual([constant.edges[0], constant.edges.at(-1)], [1.5, 2.5])
  assert.equal(constant.candidate.counts.reduce((a, b) => a + b, 0), 3)

  assert.throws(() => summarizeResiduals(Float64Array.from([1, Number.POSITIVE_INFINITY])), /residual Infinity at row 2 is not finite/)
  assert.throws(() => summarizeResiduals(new Float64Array(0)), /no rows/)
  assert.throws(() => residuals([1, 2], [1]), /1 predictions for 2 rows/)
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75)
  assert.ok(Number.isNaN(quantileSorted([], 0.5)))
})
