/**
 * A float64 classifier with named classes {churned, stayed}, a weight column and a region whose
 * weights are all 0, against scikit-learn's and Fairlearn's values (test/fixtures/golden/make_retention.py).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { DataError, UsageError } from '../../src/errors.js'
import { evaluateModel } from '../../src/evaluate/index.js'
import type { EvaluationResult } from '../../src/evaluate/evaluation-schema.js'
import { renderReport } from '../../src/report/render-report.js'
import { renderEvaluationText } from '../../src/report/render-text.js'
import { ROOT, specOf } from './helpers.js'

const GOLDEN = 'test/fixtures/golden'
type Rates = { group: string; count: number; selection_rate: number | 'NaN'; true_positive_rate: number | 'NaN'; false_positive_rate: number | 'NaN'; accuracy: number | 'NaN' }
const golden = JSON.parse(readFileSync(join(ROOT, GOLDEN, 'retention.json'), 'utf8')) as {
  classes: string[]
  probabilities: number[][]
  metrics: Record<string, Record<'unweighted' | 'weighted' | 'float32', Record<string, number>>>
  fairness: Record<string, Record<'unweighted' | 'weighted', { groups: Rates[]; metrics: Record<string, number>; fairlearn: Record<string, number> }>>
}
const METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc', 'log_loss', 'brier']
const candidatePath = join(ROOT, GOLDEN, 'retention-float64.onnx')
const dirs: string[] = []
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

function retentionSpec(options: { posLabel?: string | number; weight?: string; test?: string; task?: string } = {}) {
  return specOf({
    name: 'retention',
    task: options.task ?? 'binary-classification',
    data: {
      train: `${GOLDEN}/retention-train.csv`,
      test: options.test ?? `${GOLDEN}/retention-test.csv`,
      target: 'status',
      features: ['x1', 'x2'],
      'sensitive-features': ['region'],
      ...(options.weight === undefined ? {} : { 'sample-weight': options.weight }),
    },
    evaluate: {
      metrics: METRICS,
      fairness: { metrics: ['demographic_parity_difference', 'equalized_odds_difference'], max: 1 },
      explain: { method: 'exact', 'background-rows': 20, 'explain-rows': 3 },
      ...(options.posLabel === undefined ? {} : { 'pos-label': options.posLabel }),
    },
  })
}

const evaluate = (spec: ReturnType<typeof retentionSpec>, repoRoot = ROOT) => evaluateModel({ repoRoot, pathsRelativeTo: repoRoot, candidatePath, spec })

function assertMetrics(result: EvaluationResult, expected: Record<string, number>) {
  for (const name of METRICS) {
    const actual = result.candidate.metrics[name]!
    assert.ok(Math.abs(actual - expected[name]!) <= 1e-12, `${name}: ${actual} vs scikit-learn ${expected[name]}`)
  }
}

function assertFairness(result: EvaluationResult, expected: { groups: Rates[]; metrics: Record<string, number>; fairlearn: Record<string, number> }) {
  const feature = result.fairness!.features[0]!
  assert.deepEqual(feature.groups.map((group) => group.group), expected.groups.map((group) => group.group))
  feature.groups.forEach((group, g) => {
    const want = expected.groups[g]!
    assert.equal(group.count, want.count)
    const pairs: Array<[number | null, number | 'NaN']> = [
      [group.selectionRate, want.selection_rate],
      [group.truePositiveRate, want.true_positive_rate],
      [group.falsePositiveRate, want.false_positive_rate],
      [group.accuracy, want.accuracy],
    ]
    for (const [actual, reference] of pairs) {
      if (reference === 'NaN') assert.equal(actual, null, `group ${group.group}`)
      else assert.ok(actual !== null && Math.abs(actual - reference) <= 1e-12, `group ${group.group}: ${actual} vs Fairlearn ${reference}`)
    }
  })
  // Fairlearn's own disparity functions where they run (equalized odds raises on an empty weighted group).
  for (const [name, value] of Object.entries({ ...expected.metrics, ...expected.fairlearn })) {
    const actual = feature.metrics[name as keyof typeof feature.metrics]
    assert.ok(actual !== null && Math.abs(actual - value) <= 1e-12, `${name}: ${actual} vs ${value}`)
  }
}

test('float64 probabilities keep their width: metrics match scikit-learn to 1e-12, closer than float32 rounding gets', async () => {
  const result = await evaluate(retentionSpec())
  assertMetrics(result, golden.metrics.stayed!.unweighted)
  // The float32-narrowed log_loss is off by more than the tolerance, so the check above can tell.
  const narrowedGap = Math.abs(golden.metrics.stayed!.float32.log_loss! - golden.metrics.stayed!.unweighted.log_loss!)
  assert.ok(narrowedGap > 1e-9, `float32 gap ${narrowedGap}`)
  assert.deepEqual(result.positiveClass, { label: 'stayed', rule: 'second-class' })
  assert.deepEqual(result.candidate.classes, ['churned', 'stayed'])
  assert.deepEqual(result.explanations!.outputs, ['P(stayed)'])
  result.explanations!.local.forEach((row, i) => assert.equal(row.prediction[0], golden.probabilities[i]![1]))
  assertFairness(result, golden.fairness.stayed!.unweighted)
  assert.match(renderReport(result), /Positive class: `stayed`, the second of the model's classes \(`churned`, `stayed`\); set evaluate\.pos-label to choose another\./)
})

test('pos-label churned: metrics, confusion matrix, fairness and explanations are about churned', async () => {
  const result = await evaluate(retentionSpec({ posLabel: 'churned' }))
  assertMetrics(result, golden.metrics.churned!.unweighted)
  assert.deepEqual(result.positiveClass, { label: 'churned', rule: 'pos-label' })
  assert.deepEqual(result.candidate.confusionMatrix!.classes, ['stayed', 'churned'])
  assert.deepEqual(result.explanations!.outputs, ['P(churned)'])
  result.explanations!.local.forEach((row, i) => {
    assert.equal(row.prediction[0], golden.probabilities[i]![0])
    const sum = row.attributions.reduce((total, phi) => total + phi[0]!, 0)
    assert.ok(Math.abs(sum - (row.prediction[0]! - result.explanations!.baseValue![0]!)) <= 1e-9)
  })
  assertFairness(result, golden.fairness.churned!.unweighted)
  const report = renderReport(result)
  assert.match(report, /Positive class: `churned` \(evaluate\.pos-label\)\./)
  assert.match(renderEvaluationText(result), /\npositive class churned \(evaluate\.pos-label\)\n/)
  assert.match(report, /P\(churned\)/)
})

test('sample-weight: weighted metrics and fairness match scikit-learn and Fairlearn; the all-zero-weight group is listed as empty', async () => {
  for (const pos of ['churned', 'stayed']) {
    const result = await evaluate(retentionSpec({ posLabel: pos, weight: 'weight' }))
    assertMetrics(result, golden.metrics[pos]!.weighted)
    assertFairness(result, golden.fairness[pos]!.weighted)
    assert.equal(result.data.sampleWeight, 'weight')
    assert.equal(result.fairness!.features[0]!.groups.find((group) => group.group === 'Z')!.weight, 0)
    const report = renderReport(result)
    assert.match(report, /Metrics and fairness are weighted by column `weight` \(data\.sample-weight\)\./)
    assert.match(renderEvaluationText(result), /\nweighted by column weight \(data\.sample-weight\)\n/)
    assert.match(report, /\| Z \(empty: weights 0\) \| 34 \| — \| — \| — \| — \|/)
  }
})

function testWith(edit: (lines: string[]) => string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-weights-'))
  dirs.push(dir)
  const lines = readFileSync(join(ROOT, GOLDEN, 'retention-test.csv'), 'utf8').trimEnd().split('\n')
  writeFileSync(join(dir, 'test.csv'), `${edit(lines).join('\n')}\n`)
  return dir
}
const setWeight = (line: string, value: string) => line.split(',').map((cell, i) => (i === 3 ? value : cell)).join(',')

test('bad pos-label and weights: each a clear error with the fix', async () => {
  await assert.rejects(evaluate(retentionSpec({ posLabel: 'churn' })), {
    name: 'UsageError',
    message: "evaluate.pos-label 'churn' is not a class of the model; its classes are 'churned', 'stayed'. Fix: set evaluate.pos-label to one of them (the text of the label, as in the target column).",
  })
  await assert.rejects(
    evaluateModel({
      repoRoot: ROOT,
      candidatePath: join(ROOT, 'test/fixtures/models/house-prices.onnx'),
      spec: specOf({
        name: 'house-prices',
        task: 'regression',
        data: { train: 'x.csv', test: 'y.csv', target: 'price', features: ['a'] },
        evaluate: { 'pos-label': 1 },
      }),
    }),
    (error: unknown) => {
      assert.ok(error instanceof UsageError)
      assert.equal(error.message, 'house-prices: evaluate.pos-label names the positive class of a binary classifier, but task is regression. Fix: remove evaluate.pos-label from the spec.')
      return true
    },
  )
  const negative = testWith((lines) => lines.map((line, i) => (i === 5 ? setWeight(line, '-1.5') : line)))
  await assert.rejects(evaluate(retentionSpec({ weight: 'weight', test: 'test.csv' }), negative), (error: unknown) => {
    assert.ok(error instanceof DataError)
    assert.equal(
      error.message,
      "test.csv: weight column 'weight' (data.sample-weight) is -1.5 at row 5; expected a finite number ≥ 0 on every row. Fix: fill or correct the weights (0 leaves a row out of the weighted metrics).",
    )
    return true
  })
  const empty = testWith((lines) => lines.map((line, i) => (i === 2 ? setWeight(line, '') : line)))
  await assert.rejects(evaluate(retentionSpec({ weight: 'weight', test: 'test.csv' }), empty), {
    name: 'DataError',
    message: "test.csv: weight column 'weight' (data.sample-weight) is empty or NaN at row 2; expected a finite number ≥ 0 on every row. Fix: fill or correct the weights (0 leaves a row out of the weighted metrics).",
  })
  await assert.rejects(evaluate(retentionSpec({ weight: 'region' })), (error: unknown) => {
    assert.ok(error instanceof DataError, String(error))
    assert.match(error.message, /^test\/fixtures\/golden\/retention-test\.csv: column 'region' must be numeric, but row 1 \(line 2\) holds 'A'\./)
    return true
  })
  await assert.rejects(evaluate(retentionSpec({ weight: 'wieght' })), (error: unknown) => {
    assert.ok(error instanceof DataError, String(error))
    assert.match(error.message, /column 'wieght' \(did you mean 'weight'\?\) not found/)
    return true
  })
})

test('sample-weight on a regressor: weighted rmse, mae, r2 and mape match scikit-learn', async () => {
  const golden = JSON.parse(readFileSync(join(ROOT, GOLDEN, 'house-prices-weighted.json'), 'utf8')) as { expected: Record<string, number>; unweighted: Record<string, number> }
  const spec = specOf({
    name: 'house-prices',
    task: 'regression',
    data: {
      train: 'example-repo/data/house-prices/train.parquet',
      test: `${GOLDEN}/house-prices-weighted.csv`,
      target: 'price',
      features: ['sqft', 'bedrooms', 'age', 'distance_km', 'neighborhood'],
      'sample-weight': 'weight',
    },
    evaluate: { metrics: ['rmse', 'mae', 'r2', 'mape'], explain: { method: 'permutation' } },
  })
  const result = await evaluateModel({ repoRoot: ROOT, candidatePath: join(ROOT, 'test/fixtures/models/house-prices.onnx'), spec })
  for (const [name, value] of Object.entries(golden.expected)) {
    const actual = result.candidate.metrics[name]!
    assert.ok(Math.abs(actual - value) <= 1e-9 * Math.max(1, Math.abs(value)), `${name}: ${actual} vs scikit-learn ${value}`)
  }
  assert.notEqual(result.candidate.metrics.rmse, golden.unweighted.rmse)
  assert.equal(result.positiveClass, null)
})
