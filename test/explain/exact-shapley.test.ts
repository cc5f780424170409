import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { attributionAt } from '../../src/explain/attributions.js'
import { exactShapley } from '../../src/explain/exact-shapley.js'
import { createValueFunction } from '../../src/explain/value-function.js'
import { loadModel, type OnnxModel } from '../../src/onnx/model.js'
import { assertSignature } from '../../src/onnx/signature.js'
import { featureNames, FIXTURES, golden, rowsTable } from './helpers.js'

const WEIGHTS = [2, -1.5, 0.5]

describe('exactShapley', () => {
  const models: Record<string, OnnxModel> = {}
  before(async () => {
    for (const name of ['linear-regression', 'linear-per-feature', 'nonlinear-regressor-6', 'churn-classifier', 'multiclass-strings']) {
      models[name] = await loadModel(`${FIXTURES}/${name}.onnx`)
    }
  })
  after(async () => {
    for (const model of Object.values(models)) await model.release()
  })

  for (const [name, features] of [
    ['linear-regression', ['a', 'b', 'c']],
    ['linear-per-feature', ['x0', 'x1', 'x2']],
  ] as const) {
    it(`gives φ_i = w_i (x_i − E[x_i]) for a linear model (${name})`, async () => {
      const model = models[name]!
      const signature = assertSignature(model, { task: 'regression', features })
      const background = [
        [0, 1, 2],
        [1.5, -2, 4],
        [-0.75, 0.5, 1],
        [3, 2.25, -3],
      ]
      const rows = [
        [1, 1, 1],
        [-2.5, 4, 7],
        [0.25, -0.5, 0],
      ]
      const valueFunction = await createValueFunction(model, signature, rowsTable(background, features), rowsTable(rows, features))
      const result = await exactShapley(valueFunction)
      const means = WEIGHTS.map((_, j) => background.reduce((sum, row) => sum + row[j]!, 0) / background.length)
      rows.forEach((x, r) => {
        WEIGHTS.forEach((w, j) => {
          const expected = w * (x[j]! - means[j]!)
          const actual = attributionAt(result, r, j)
          assert.ok(Math.abs(actual - expected) <= 1e-6, `row ${r} feature ${j}: ${actual} vs ${expected}`)
        })
      })
      // One session.run for the background, one for the rows, one for every coalition of every row.
      assert.equal(result.modelRuns, 1)
      assert.equal(valueFunction.runs, 3)
    })
  }

  it('matches shap KernelExplainer with every coalition enumerated (a random forest, 6 features)', async () => {
    const g = golden<{ background: number[][]; rows: number[][]; expectedValue: number; shapFullEnumeration: number[][] }>('exact-shapley-golden.json')
    const features = featureNames(6)
    const model = models['nonlinear-regressor-6']!
    const signature = assertSignature(model, { task: 'regression', features })
    const result = await exactShapley(await createValueFunction(model, signature, rowsTable(g.background, features), rowsTable(g.rows, features)))
    assert.ok(Math.abs(result.baseValue[0]! - g.expectedValue) < 1e-9)
    g.shapFullEnumeration.forEach((phis, r) =>
      phis.forEach((phi, j) => assert.ok(Math.abs(attributionAt(result, r, j) - phi) < 1e-9, `row ${r} feature ${j}`)),
    )
  })

  it('explains a categorical (string) feature, matching a brute-force reference, with Σφ = f(x) − E[f]', async () => {
    const g = golden<{
      features: string[]
      background: Array<Array<number | string>>
      rows: Array<Array<number | string>>
      baseValue: number
      predictions: number[]
      shapley: number[][]
    }>('churn-shapley.json')
    const model = models['churn-classifier']!
    const signature = assertSignature(model, { task: 'binary-classification', features: g.features })
    const result = await exactShapley(await createValueFunction(model, signature, rowsTable(g.background, g.features), rowsTable(g.rows, g.features)))
    assert.deepEqual(result.outputNames, ['P(1)'])
    assert.ok(Math.abs(result.baseValue[0]! - g.baseValue) < 1e-7)
    g.shapley.forEach((phis, r) => {
      phis.forEach((phi, j) => assert.ok(Math.abs(attributionAt(result, r, j) - phi) < 1e-6, `row ${r} feature ${g.features[j]}`))
      const sum = phis.reduce((a, _, j) => a + attributionAt(result, r, j), 0)
      assert.ok(Math.abs(sum - (result.predictions[r]! - result.baseValue[0]!)) < 1e-12)
      assert.ok(Math.abs(result.predictions[r]! - g.predictions[r]!) < 1e-7)
    })
    // The contract feature does move this model's output: its attribution is not zero.
    assert.ok(Math.abs(attributionAt(result, 0, 2)) > 1e-3)
  })

  it('explains every class of a multiclass model, each adding up to its probability', async () => {
    const model = models['multiclass-strings']!
    const features = ['a', 'b', 'c', 'd']
    const signature = assertSignature(model, { task: 'multiclass-classification', features })
    const background = [
      [0, 0, 0, 0],
      [1, -1, 0.5, 2],
      [-1, 2, 1, -0.5],
    ]
    const result = await exactShapley(await createValueFunction(model, signature, rowsTable(background, features), rowsTable([[0.5, 0.2, -1, 1]], features)))
    assert.deepEqual(result.outputNames, ['P(setosa)', 'P(versicolor)', 'P(virginica)'])
    for (let k = 0; k < 3; k++) {
      const sum = features.reduce((a, _, j) => a + attributionAt(result, 0, j, k), 0)
      assert.ok(Math.abs(sum - (result.predictions[k]! - result.baseValue[k]!)) < 1e-12)
    }
    // Probabilities sum to 1, so each feature's attributions over the classes sum to 0.
    features.forEach((_, j) => assert.ok(Math.abs([0, 1, 2].reduce((a, k) => a + attributionAt(result, 0, j, k), 0)) < 1e-6))
  })

  it('batches coalitions into as few runs as the row cap allows', async () => {
    const model = models['linear-regression']!
    const features = ['a', 'b', 'c']
    const signature = assertSignature(model, { task: 'regression', features })
    const background = rowsTable([[0, 0, 0], [1, 1, 1]], features)
    const rows = rowsTable([[1, 2, 3], [4, 5, 6]], features)
    // 6 coalitions × 2 background rows = 12 synthetic rows per explained row; 24 in all.
    const capped = await exactShapley(await createValueFunction(model, signature, background, rows, { maxRowsPerRun: 10 }))
    assert.equal(capped.modelRuns, 3)
    const uncapped = await exactShapley(await createValueFunction(model, signature, background, rows))
    assert.deepEqual([...capped.values], [...uncapped.values])
  })

  it('refuses an empty background', async () => {
    const model = models['linear-regression']!
    const features = ['a', 'b', 'c']
    const signature = assertSignature(model, { task: 'regression', features })
    await assert.rejects(createValueFunction(model, signature, rowsTable([], features), rowsTable([[1, 2, 3]], features)), {
      name: 'DataError',
      message: 'the background data has no rows; explanations need background rows (explain.background-rows, from the training data)',
    })
  })
})
