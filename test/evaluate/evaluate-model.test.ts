import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import { DataError, ModelError, UsageError } from '../../src/errors.js'
import { evaluateModel, evaluationJsonSchema } from '../../src/evaluate/index.js'
import { churnSpec, EXPECTED, FIXTURES, near, ROOT, specOf } from './helpers.js'

const candidate = EXPECTED['churn-candidate.onnx']!['reference-metrics']
const champion = EXPECTED['churn-champion.onnx']!['reference-metrics']
const base = { repoRoot: ROOT, pathsRelativeTo: ROOT, candidatePath: join(ROOT, FIXTURES.candidate) }

test('churn: candidate and champion metrics and fairness match scikit-learn and Fairlearn, in every data format', async () => {
  for (const test of ['test/fixtures/data/churn-test.csv', 'test/fixtures/data/churn-test.parquet', 'test/fixtures/data/churn-test.arrow']) {
    const result = await evaluateModel({ ...base, spec: churnSpec({}, { test }), championPath: join(ROOT, FIXTURES.champion), explain: false })
    for (const name of ['roc_auc', 'accuracy', 'log_loss']) {
      assert.ok(near(result.candidate.metrics[name], candidate[name]!), `${test} candidate ${name}: ${result.candidate.metrics[name]} vs ${candidate[name]}`)
      assert.ok(near(result.champion!.metrics[name], champion[name]!), `${test} champion ${name}: ${result.champion!.metrics[name]} vs ${champion[name]}`)
    }
    const gender = result.fairness!.features[0]!
    assert.equal(gender.feature, 'gender')
    assert.deepEqual(gender.groups.map((g) => [g.group, g.count]), [['female', 200], ['male', 200]])
    assert.ok(near(gender.metrics.demographic_parity_difference, candidate.demographic_parity_difference!))
    assert.ok(near(gender.metrics.equalized_odds_difference, candidate.equalized_odds_difference!))
    assert.ok(near(gender.champion!.demographic_parity_difference, champion.demographic_parity_difference!))
    assert.ok(near(gender.champion!.equalized_odds_difference, champion.equalized_odds_difference!))
    assert.equal(result.data.test.rows, 400)
    assert.equal(result.data.test.path, test)
    // The report's curves: both models on the grid, ROC ending at (1, 1), PR at the positive share.
    assert.equal(result.curves!.points, 21)
    for (const curves of [result.curves!.candidate!, result.curves!.champion!]) {
      assert.equal(curves.roc!.length, 21)
      assert.equal(curves.roc!.at(-1), 1)
      assert.equal(curves.pr!.length, 21)
    }
    assert.equal(result.residuals, undefined)
  }
})

test('churn: min-absolute-change -0.005 on roc_auc fails the candidate, -0.01 passes it (fixtures README)', async () => {
  const strict = await evaluateModel({ ...base, spec: churnSpec(), championPath: join(ROOT, FIXTURES.champion), explain: false })
  assert.equal(strict.passed, false)
  assert.equal(strict.verdict, 'failed')
  assert.deepEqual(strict.summary, { checks: 4, passed: 3, failed: 1, skipped: 0 })
  assert.deepEqual(
    strict.gates.map((g) => [g.check, g.status]),
    [
      ['threshold', 'passed'],
      ['min-absolute-change', 'failed'],
    ],
  )
  assert.equal(strict.gates[1]!.reason, 'roc_auc 0.8267 vs champion 0.8351: improvement -0.0084 < required -0.005 (greater is better)')
  assert.ok(near(strict.gates[1]!.delta, candidate.roc_auc! - champion.roc_auc!))

  const lenient = await evaluateModel({
    ...base,
    spec: churnSpec({ gates: [{ metric: 'roc_auc', threshold: 0.8, 'min-absolute-change': -0.01 }] }),
    championPath: join(ROOT, FIXTURES.champion),
    explain: false,
  })
  assert.equal(lenient.passed, true)
  assert.deepEqual(lenient.summary, { checks: 4, passed: 4, failed: 0, skipped: 0 })
  assert.deepEqual(lenient.fairness!.gates.map((g) => g.reason), [
    "demographic_parity_difference for 'gender' = 0.05 ≤ max 0.25",
    "equalized_odds_difference for 'gender' = 0.2333 ≤ max 0.25",
  ])
})

test('a fairness bound the candidate breaks fails the evaluation', async () => {
  const result = await evaluateModel({ ...base, spec: churnSpec({ gates: [], fairness: { metrics: ['equalized_odds_difference'], max: 0.2 } }), explain: false })
  assert.equal(result.passed, false)
  assert.deepEqual(result.summary, { checks: 1, passed: 0, failed: 1, skipped: 0 })
  assert.equal(result.fairness!.gates[0]!.reason, "equalized_odds_difference for 'gender' = 0.2333 > max 0.2")
})

test('without a champion only absolute thresholds count: change checks are skipped', async () => {
  const result = await evaluateModel({ ...base, spec: churnSpec(), explain: false })
  assert.equal(result.champion, null)
  assert.equal(result.passed, true)
  assert.deepEqual(result.summary, { checks: 4, passed: 3, failed: 0, skipped: 1 })
  assert.deepEqual(result.gates.map((g) => [g.check, g.status, g.reason]), [
    ['threshold', 'passed', 'roc_auc 0.8267 ≥ threshold 0.8 (greater is better)'],
    ['min-absolute-change', 'skipped', 'skipped (no champion)'],
  ])
  assert.deepEqual(result.metrics.map((m) => [m.name, m.champion, m.delta]), [
    ['roc_auc', null, null],
    ['accuracy', null, null],
    ['log_loss', null, null],
  ])
  assert.equal(result.fairness!.features[0]!.champion, null)
})

test('scoring in several batches gives the same numbers as one batch', async () => {
  const whole = await evaluateModel({ ...base, spec: churnSpec(), championPath: join(ROOT, FIXTURES.champion), explain: false })
  // 100 rows a batch: 4 session.run calls per model, the predictions joined across batches.
  const batched = await evaluateModel({ ...base, spec: churnSpec(), championPath: join(ROOT, FIXTURES.champion), explain: false, batchRows: 100 })
  assert.deepEqual(batched.candidate.metrics, whole.candidate.metrics)
  assert.deepEqual(batched.champion!.metrics, whole.champion!.metrics)
  assert.deepEqual(batched.fairness, whole.fairness)
  assert.deepEqual(batched.candidate.confusionMatrix, { classes: ['0', '1'], counts: [[250, 24], [70, 56]] })
})

test('explanations: exact Shapley values that add up to f(x) − E[f], features ranked by mean |φ|', async () => {
  const spec = churnSpec({ explain: { method: 'auto', 'background-rows': 30, 'explain-rows': 3 } })
  const result = await evaluateModel({ ...base, spec })
  const explanations = result.explanations!
  assert.equal(explanations.method, 'exact')
  assert.deepEqual(explanations.features, ['tenure', 'monthly_charges', 'contract', 'support_calls'])
  assert.deepEqual(explanations.outputs, ['P(1)'])
  assert.equal(explanations.backgroundRows, 30)
  assert.equal(explanations.local.length, 3)
  assert.deepEqual(explanations.local.map((row) => row.row), [0, 1, 2])
  const firstRows = EXPECTED['churn-candidate.onnx'] as unknown as { 'first-5-rows': { outputs: { probabilities: number[][] } } }
  explanations.local.forEach((row, i) => {
    assert.ok(near(row.prediction[0], firstRows['first-5-rows'].outputs.probabilities[i]![1]!, 1e-7))
    const sum = row.attributions.reduce((total, phi) => total + phi[0]!, 0)
    assert.ok(near(sum, row.prediction[0]! - explanations.baseValue![0]!, 1e-9), `row ${i}: Σφ ${sum}`)
  })
  const importance = explanations.global.map((entry) => entry.importance[0]!)
  assert.deepEqual([...importance].sort((a, b) => b - a), importance)
  assert.equal(explanations.global.length, 4)
})

test('explanations by permutation importance score the first gate metric', async () => {
  const result = await evaluateModel({ ...base, spec: churnSpec({ explain: { method: 'permutation' } }) })
  const explanations = result.explanations!
  assert.equal(explanations.method, 'permutation')
  assert.deepEqual(explanations.outputs, ['roc_auc'])
  assert.equal(explanations.local.length, 0)
  assert.equal(explanations.baseValue, null)
  assert.deepEqual(new Set(explanations.global.map((entry) => entry.feature)), new Set(['tenure', 'monthly_charges', 'contract', 'support_calls']))
})

test('house prices (regression, mixed inputs): rmse, mae and r2 match scikit-learn; explanations of the value', async () => {
  const expected = EXPECTED['house-prices.onnx']!['reference-metrics']
  const spec = specOf({
    name: 'house-prices',
    task: 'regression',
    data: {
      train: 'example-repo/data/house-prices/train.parquet',
      test: 'test/fixtures/data/house-prices-test.parquet',
      target: 'price',
      features: ['sqft', 'bedrooms', 'age', 'distance_km', 'neighborhood'],
    },
    evaluate: { metrics: ['rmse', 'mae', 'r2'], gates: [{ metric: 'r2', threshold: 0.9 }, { metric: 'rmse', threshold: 40000 }], explain: { 'background-rows': 20, 'explain-rows': 2 } },
  })
  const result = await evaluateModel({ ...base, spec, candidatePath: join(ROOT, FIXTURES.housePrices) })
  for (const name of ['rmse', 'mae', 'r2']) assert.ok(near(result.candidate.metrics[name], expected[name]!, 1e-6), `${name} ${result.candidate.metrics[name]} vs ${expected[name]}`)
  assert.deepEqual(result.gates.map((g) => [g.metric, g.status]), [['r2', 'passed'], ['rmse', 'failed']])
  assert.equal(result.gates[1]!.reason, 'rmse 46710.9635 > threshold 40000 (lower is better)')
  assert.equal(result.candidate.confusionMatrix, null)
  assert.equal(result.candidate.classes, null)
  assert.deepEqual(result.explanations!.outputs, ['value'])
  assert.equal(result.fairness, null)
  // Residuals of the candidate alone (no champion): every test row in the histogram.
  assert.equal(result.curves, undefined)
  assert.equal(result.residuals!.champion, null)
  assert.equal(result.residuals!.candidate.counts.reduce((a, b) => a + b, 0), result.data.test.rows)
  assert.equal(result.residuals!.candidate.quantiles.length, 7)
})

test('iris (multiclass, one float matrix input, string labels): accuracy and log_loss match scikit-learn', async () => {
  const expected = EXPECTED['iris-multiclass.onnx']!['reference-metrics']
  const spec = specOf({
    name: 'iris',
    task: 'multiclass-classification',
    data: { train: 'test/fixtures/data/iris.csv', test: 'test/fixtures/data/iris.csv', target: 'species', features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] },
    evaluate: { metrics: ['accuracy', 'log_loss', 'f1_macro'], gates: [{ metric: 'accuracy', threshold: 0.95 }], explain: { 'background-rows': 10, 'explain-rows': 2 } },
  })
  const result = await evaluateModel({ ...base, spec, candidatePath: join(ROOT, FIXTURES.iris) })
  assert.ok(near(result.candidate.metrics.accuracy, expected.accuracy!))
  assert.ok(near(result.candidate.metrics.log_loss, expected.log_loss!, 1e-9))
  assert.deepEqual(result.candidate.classes, ['setosa', 'versicolor', 'virginica'])
  assert.equal(result.passed, true)
  assert.deepEqual(result.explanations!.outputs, ['P(setosa)', 'P(versicolor)', 'P(virginica)'])
})

test('evaluation.json matches the generated JSON Schema', async () => {
  const result = await evaluateModel({ ...base, spec: churnSpec(), championPath: join(ROOT, FIXTURES.champion) })
  const schema = JSON.parse(evaluationJsonSchema())
  assert.equal(schema.$id, 'https://modelship.dev/schemas/evaluation.schema.json')
  const ajv = new Ajv.default({ strict: false })
  addFormats.default(ajv)
  const validate = ajv.compile(schema)
  assert.ok(validate(JSON.parse(JSON.stringify(result))), JSON.stringify(validate.errors))
  assert.equal(readFileSync(join(ROOT, 'schemas/evaluation.schema.json'), 'utf8'), evaluationJsonSchema(), 'schemas/evaluation.schema.json is stale: run npm run generate')
})

test('bad input: each a clear error naming the file and the fix', async () => {
  const missing = churnSpec({}, { test: 'data/missing.csv' })
  await assert.rejects(evaluateModel({ ...base, spec: missing }), {
    name: 'DataError',
    message:
      'data/missing.csv: file not found. Fix: check the path in the model spec (paths are relative to the repository root) and that the file is committed or fetched.',
  })
  await assert.rejects(evaluateModel({ ...base, spec: churnSpec({}, { target: 'churn' }) }), (error: unknown) => {
    assert.ok(error instanceof DataError)
    assert.match(error.message, /^test\/fixtures\/data\/churn-test\.csv: column 'churn' \(did you mean 'churned'\?\) not found; the file has 7 columns: .* Fix: correct the name in the model spec or add the column to the file\.$/)
    return true
  })
  await assert.rejects(evaluateModel({ ...base, spec: churnSpec(), candidatePath: join(ROOT, FIXTURES.notAModel) }), (error: unknown) => {
    assert.ok(error instanceof ModelError)
    assert.match(error.message, /not-a-model\.onnx is not an ONNX model/)
    return true
  })
  await assert.rejects(evaluateModel({ ...base, spec: churnSpec(), candidatePath: join(ROOT, FIXTURES.wrongInputs) }), (error: unknown) => {
    assert.ok(error instanceof ModelError)
    assert.match(error.message, /wrong-inputs\.onnx does not fit the spec \(binary-classification, features tenure, monthly_charges, contract, support_calls\)/)
    assert.match(error.message, /the model has no input for features 'tenure', 'contract'/)
    return true
  })
  await assert.rejects(evaluateModel({ ...base, spec: churnSpec(), championPath: join(ROOT, FIXTURES.wrongInputs) }), (error: unknown) => {
    assert.ok(error instanceof ModelError)
    assert.match(error.message, /^champion .*wrong-inputs\.onnx: .*wrong-inputs\.onnx does not fit the spec/)
    return true
  })
  await assert.rejects(evaluateModel({ ...base, spec: churnSpec(), candidatePath: join(ROOT, 'test/fixtures/models/none.onnx') }), {
    name: 'ModelError',
    message: `model ${join(ROOT, 'test/fixtures/models/none.onnx')} does not exist. Fix: pass the model.onnx the training wrote, or the run folder holding it.`,
  })
  await assert.rejects(evaluateModel({ ...base, spec: churnSpec(), candidatePath: join(ROOT, 'test/fixtures/data') }), {
    name: 'ModelError',
    message: `${join(ROOT, 'test/fixtures/data')} is a folder without a model.onnx. Fix: pass the run folder the training wrote (it holds model.onnx and run.json), or the .onnx file itself.`,
  })
})

test('fairness on a multiclass model is refused with the fix', async () => {
  const spec = specOf({
    name: 'iris',
    task: 'multiclass-classification',
    data: { train: 'test/fixtures/data/iris.csv', test: 'test/fixtures/data/iris.csv', target: 'species', features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], 'sensitive-features': ['sepal_width'] },
    evaluate: { metrics: ['accuracy'], fairness: {} },
  })
  await assert.rejects(evaluateModel({ ...base, spec, candidatePath: join(ROOT, FIXTURES.iris) }), (error: unknown) => {
    assert.ok(error instanceof UsageError)
    assert.equal(
      error.message,
      'iris: evaluate.fairness compares selection and error rates of a binary classifier, but task is multiclass-classification. Fix: remove evaluate.fairness from the spec, or evaluate a binary classifier.',
    )
    return true
  })
})
