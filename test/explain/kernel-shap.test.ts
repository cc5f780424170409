import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { attributionAt, type Attributions } from '../../src/explain/attributions.js'
import { exactShapley } from '../../src/explain/exact-shapley.js'
import { kernelShap, sampleCoalitions } from '../../src/explain/kernel-shap.js'
import { createRandom } from '../../src/explain/random.js'
import { createValueFunction } from '../../src/explain/value-function.js'
import { loadModel, type OnnxModel } from '../../src/onnx/model.js'
import { assertSignature } from '../../src/onnx/signature.js'
import { featureNames, FIXTURES, golden, rowsTable } from './helpers.js'

const WEIGHTS_14 = [1.0, -0.75, 0.5, 2.0, -1.25, 0.25, 1.5, -0.5, 0.75, -2.0, 1.25, -1.5, 0.5, 0.0]

interface KernelGolden {
  background: number[][]
  rows: number[][]
  expectedValue: number
  predictions: number[]
  shapFullEnumeration: number[][]
  shapDefaultNsamples: number[][]
}

function efficiencyGap(result: Attributions, row: number): number {
  let sum = 0
  for (let j = 0; j < result.features.length; j++) sum += attributionAt(result, row, j)
  return Math.abs(sum - (result.predictions[row]! - result.baseValue[0]!))
}

describe('sampleCoalitions', () => {
  it('enumerates every coalition when the budget allows, with weights summing to 1', () => {
    const sample = sampleCoalitions(5, 1000, createRandom(0))
    assert.equal(sample.count, 2 ** 5 - 2)
    const keys = new Set<string>()
    for (let c = 0; c < sample.count; c++) keys.add(sample.masks.subarray(c * 5, c * 5 + 5).join(''))
    assert.equal(keys.size, 30)
    assert.ok(Math.abs(sample.weights.reduce((a, b) => a + b, 0) - 1) < 1e-12)
    // Shapley kernel: sizes 1 and 4 weigh (M−1)/(C(M,s)·s·(M−s)) relative to sizes 2 and 3.
    const kernel = (s: number) => 4 / ([1, 5, 10, 10, 5][s]! * s * (5 - s))
    const weightOfSize = (s: number) => sample.weights[[...Array(sample.count).keys()].find((c) => sample.masks.subarray(c * 5, c * 5 + 5).reduce((a, b) => a + b, 0) === s)!]!
    assert.ok(Math.abs(weightOfSize(1) / weightOfSize(2) - kernel(1) / kernel(2)) < 1e-12)
  })

  it('samples within the budget, pairs each coalition with its complement and is seeded', () => {
    const a = sampleCoalitions(20, 2 * 20 + 2048, createRandom(7))
    const b = sampleCoalitions(20, 2 * 20 + 2048, createRandom(7))
    const c = sampleCoalitions(20, 2 * 20 + 2048, createRandom(8))
    assert.equal(a.count, 2088)
    assert.deepEqual(a.masks, b.masks)
    assert.notDeepEqual(a.masks, c.masks)
    assert.ok(Math.abs(a.weights.reduce((x, y) => x + y, 0) - 1) < 1e-9)
    const keys = new Set<string>()
    for (let i = 0; i < a.count; i++) keys.add(a.masks.subarray(i * 20, i * 20 + 20).join(''))
    assert.equal(keys.size, a.count, 'no coalition twice')
    // Every coalition of a size other than M/2 comes with its complement, except possibly the last draw
    // when the budget ran out (size M/2 is its own pair size, drawn alone).
    const unpaired = [...keys].filter(
      (key) => [...key].filter((bit) => bit === '1').length !== 10 && !keys.has([...key].map((bit) => (bit === '1' ? '0' : '1')).join('')),
    )
    assert.ok(unpaired.length <= 1, `${unpaired.length} coalitions without their complement`)
  })
})

describe('kernelShap', () => {
  const models: Record<string, OnnxModel> = {}
  before(async () => {
    for (const name of ['linear-regression-14', 'nonlinear-classifier-12', 'churn-classifier']) {
      models[name] = await loadModel(`${FIXTURES}/${name}.onnx`)
    }
  })
  after(async () => {
    for (const model of Object.values(models)) await model.release()
  })

  it('gives φ_i = w_i (x_i − E[x_i]) for a linear model of 14 features from sampled coalitions', async () => {
    const features = featureNames(14)
    const model = models['linear-regression-14']!
    const signature = assertSignature(model, { task: 'regression', features })
    const random = createRandom(3)
    const quarter = () => Math.round((random() * 8 - 4) * 4) / 4
    const background = Array.from({ length: 10 }, () => features.map(quarter))
    const rows = Array.from({ length: 3 }, () => features.map(quarter))
    const backgroundTable = rowsTable(background, features)
    const rowTable = rowsTable(rows, features)
    const result = await kernelShap(await createValueFunction(model, signature, backgroundTable, rowTable), rowTable, backgroundTable)
    const means = features.map((_, j) => background.reduce((sum, row) => sum + row[j]!, 0) / background.length)
    rows.forEach((x, r) => {
      WEIGHTS_14.forEach((w, j) => {
        const expected = w * (x[j]! - means[j]!)
        assert.ok(Math.abs(attributionAt(result, r, j) - expected) < 1e-6, `row ${r} feature ${j}: ${attributionAt(result, r, j)} vs ${expected}`)
      })
      assert.ok(efficiencyGap(result, r) < 1e-9)
    })
  })

  describe('against shap KernelExplainer (gradient boosting, 12 features, 25 background rows)', () => {
    const g = golden<KernelGolden>('kernel-shap-golden.json')
    const features = featureNames(12)
    const background = rowsTable(g.background, features)
    const rows = rowsTable(g.rows, features)

    it('equals shap exactly when every coalition is enumerated', async () => {
      const model = models['nonlinear-classifier-12']!
      const signature = assertSignature(model, { task: 'binary-classification', features })
      const valueFunction = await createValueFunction(model, signature, background, rows)
      assert.ok(Math.abs(valueFunction.baseValue[0]! - g.expectedValue) < 1e-9)
      const result = await kernelShap(valueFunction, rows, background, { samples: 2 ** 12 })
      g.shapFullEnumeration.forEach((phis, r) =>
        phis.forEach((phi, j) => assert.ok(Math.abs(attributionAt(result, r, j) - phi) < 1e-9, `row ${r} feature ${j}`)),
      )
      // …which are the exact Shapley values.
      const exact = await exactShapley(valueFunction)
      result.values.forEach((phi, i) => assert.ok(Math.abs(phi - exact.values[i]!) < 1e-9))
    })

    it('lands within 0.005 of the exact values with the default budget, as shap does', async () => {
      const model = models['nonlinear-classifier-12']!
      const signature = assertSignature(model, { task: 'binary-classification', features })
      const result = await kernelShap(await createValueFunction(model, signature, background, rows), rows, background)
      g.shapFullEnumeration.forEach((phis, r) => {
        phis.forEach((phi, j) => {
          assert.ok(Math.abs(attributionAt(result, r, j) - phi) < 0.005, `ours row ${r} feature ${j}`)
          assert.ok(Math.abs(g.shapDefaultNsamples[r]![j]! - phi) < 0.005, `shap row ${r} feature ${j}`)
        })
        assert.ok(efficiencyGap(result, r) < 1e-12, 'Σφ = f(x) − E[f] holds exactly under sampling')
        assert.ok(Math.abs(result.predictions[r]! - g.predictions[r]!) < 1e-7)
      })
    })
  })

  it('handles a categorical feature, is deterministic per seed, and keeps Σφ = f(x) − E[f]', async () => {
    const g = golden<{ features: string[]; background: Array<Array<number | string>>; rows: Array<Array<number | string>>; shapley: number[][] }>(
      'churn-shapley.json',
    )
    const model = models['churn-classifier']!
    const signature = assertSignature(model, { task: 'binary-classification', features: g.features })
    const background = rowsTable(g.background, g.features)
    const rows = rowsTable(g.rows, g.features)
    const valueFunction = await createValueFunction(model, signature, background, rows)
    // Budget ≥ 2^4 − 2: every coalition, so the brute-force reference is matched.
    const full = await kernelShap(valueFunction, rows, background)
    g.shapley.forEach((phis, r) => phis.forEach((phi, j) => assert.ok(Math.abs(attributionAt(full, r, j) - phi) < 1e-6)))
    // A budget of 5 forces sampling among the 14 coalitions.
    const first = await kernelShap(valueFunction, rows, background, { samples: 5, seed: 11 })
    const again = await kernelShap(valueFunction, rows, background, { samples: 5, seed: 11 })
    assert.deepEqual([...first.values], [...again.values])
    for (let r = 0; r < 3; r++) assert.ok(efficiencyGap(first, r) < 1e-12)
  })

  it('gives 0 to a feature equal to every background value, and all of f(x) − E[f] to a lone varying one', async () => {
    const features = featureNames(14)
    const model = models['linear-regression-14']!
    const signature = assertSignature(model, { task: 'regression', features })
    const background = rowsTable(
      [features.map((_, j) => (j === 0 ? 1 : 2)), features.map((_, j) => (j === 0 ? 3 : 2))],
      features,
    )
    const rows = rowsTable([features.map(() => 2), features.map((_, j) => (j === 0 ? 1 : 2))], features)
    const result = await kernelShap(await createValueFunction(model, signature, background, rows), rows, background)
    // Only f0 varies against the background (values 1 and 3; the others are all 2), so every other φ is 0
    // and φ_0 = f(x) − E[f] = w_0 (x_0 − 2): 0 for row 0 (x_0 = 2), −1 for row 1 (x_0 = 1).
    for (let j = 1; j < 14; j++) {
      assert.equal(attributionAt(result, 0, j), 0)
      assert.equal(attributionAt(result, 1, j), 0)
    }
    assert.ok(Math.abs(attributionAt(result, 1, 0) - 1 * (1 - 2)) < 1e-9)
  })
})
