import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { explainModel } from '../../src/explain/explain.js'
import { loadModel, type OnnxModel } from '../../src/onnx/model.js'
import { assertSignature } from '../../src/onnx/signature.js'
import { tableFromColumns } from '../../src/onnx/table.js'
import { createRandom } from '../../src/explain/random.js'
import { featureNames, FIXTURES, golden, rowsTable } from './helpers.js'

const CHURN = ['tenure', 'monthly_charges', 'contract', 'support_calls']

function churnTable(rows: number, seed: number) {
  const random = createRandom(seed)
  const contracts = ['month-to-month', 'one-year', 'two-year']
  return tableFromColumns({
    tenure: Float64Array.from({ length: rows }, () => Math.floor(random() * 72)),
    monthly_charges: Float64Array.from({ length: rows }, () => 18 + random() * 100),
    contract: Array.from({ length: rows }, () => contracts[Math.floor(random() * 3)]!),
    support_calls: Float64Array.from({ length: rows }, () => Math.floor(random() * 5)),
  })
}

describe('explainModel', () => {
  const models: Record<string, OnnxModel> = {}
  before(async () => {
    for (const name of ['churn-classifier', 'nonlinear-classifier-12']) models[name] = await loadModel(`${FIXTURES}/${name}.onnx`)
  })
  after(async () => {
    for (const model of Object.values(models)) await model.release()
  })

  it('uses exact Shapley values up to 10 features: local rows first, global mean |φ| over the sample', async () => {
    const model = models['churn-classifier']!
    const signature = assertSignature(model, { task: 'binary-classification', features: CHURN })
    const data = { background: churnTable(500, 1), rows: churnTable(200, 2) }
    const result = await explainModel(model, signature, data, { backgroundRows: 40, explainRows: 3, globalRows: 20 })
    assert.equal(result.method, 'exact')
    assert.deepEqual(result.outputs, ['P(1)'])
    assert.equal(result.backgroundRows, 40)
    assert.equal(result.globalRows, 20)
    assert.deepEqual(result.local.map((l) => l.row), [0, 1, 2])
    assert.deepEqual(result.features, CHURN)
    for (const local of result.local) {
      const sum = local.attributions.reduce((a, phi) => a + phi[0]!, 0)
      assert.ok(Math.abs(sum - (local.prediction[0]! - result.baseValue[0]!)) < 1e-12)
    }
    for (const global of result.global) assert.ok(global.meanAbs[0]! > 0, global.feature)
    // Background of 40, 20 rows, one run each, plus one run for all 20 × 14 coalitions × 40 rows.
    assert.equal(result.modelRuns, 3)
    // The same options give the same answer.
    assert.deepEqual(await explainModel(model, signature, data, { backgroundRows: 40, explainRows: 3, globalRows: 20 }), result)
  })

  it('uses KernelSHAP above 10 features when asked (auto picks TreeSHAP for this gradient-boosted model)', async () => {
    const g = golden<{ background: number[][]; rows: number[][] }>('kernel-shap-golden.json')
    const features = featureNames(12)
    const model = models['nonlinear-classifier-12']!
    const signature = assertSignature(model, { task: 'binary-classification', features })
    const data = { background: rowsTable(g.background, features), rows: rowsTable(g.rows, features) }
    const auto = await explainModel(model, signature, data, { backgroundRows: 10, explainRows: 2 })
    assert.equal(auto.method, 'tree')
    assert.equal(auto.note, undefined)
    const result = await explainModel(model, signature, data, { method: 'kernel', backgroundRows: 10, explainRows: 2, samples: 300 })
    assert.equal(result.method, 'kernel')
    // The two estimate the same values: KernelSHAP's sampling error is small at 300 coalitions here.
    for (let j = 0; j < 12; j++) assert.ok(Math.abs(auto.local[0]!.attributions[j]![0]! - result.local[0]!.attributions[j]![0]!) < 0.05, `feature ${j}`)
    assert.equal(result.local.length, 2)
    assert.equal(result.globalRows, 3)
    assert.equal(result.global.length, 12)
  })

  it('refuses exact enumeration above 10 features and bad row counts', async () => {
    const features = featureNames(12)
    const model = models['nonlinear-classifier-12']!
    const signature = assertSignature(model, { task: 'binary-classification', features })
    const table = rowsTable([features.map(() => 0)], features)
    await assert.rejects(explainModel(model, signature, { background: table, rows: table }, { method: 'exact' }), {
      name: 'UsageError',
      message: 'explain.method exact enumerates 2^M coalitions and takes at most 10 features; this model has 12; use method: kernel or auto',
    })
    await assert.rejects(explainModel(model, signature, { background: table, rows: table }, { explainRows: 0 }), {
      name: 'UsageError',
      message: 'explain.explain-rows 0 is not a positive whole number; use e.g. 5',
    })
    await assert.rejects(explainModel(model, signature, { background: table, rows: table }, { backgroundRows: 2.5 }), {
      name: 'UsageError',
      message: 'explain.background-rows 2.5 is not a positive whole number; use e.g. 100',
    })
  })
})
