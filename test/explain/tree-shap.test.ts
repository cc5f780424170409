import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, describe, it } from 'node:test'
import { attributionAt, type Attributions } from '../../src/explain/attributions.js'
import { readTreeModel, treeShap, UnsupportedTreeModel } from '../../src/explain/tree-shap.js'
import { loadModel, type OnnxModel } from '../../src/onnx/model.js'
import { assertSignature } from '../../src/onnx/signature.js'
import type { Task } from '../../src/metrics/catalog.js'
import { rowsTable } from './helpers.js'

// Golden values from test/fixtures/tree-shap/make_tree_shap.py: shap's interventional TreeExplainer
// on the scikit-learn models the .onnx files were exported from.
const DIR = 'test/fixtures/tree-shap'
interface Expected {
  expected: number[]
  attributions: number[][][]
}
const golden = JSON.parse(readFileSync(`${DIR}/tree-shap.json`, 'utf8')) as {
  versions: Record<string, string>
  features: string[]
  background: number[][]
  explained: number[][]
  models: Record<string, { raw: Expected; probability?: Expected }>
}
const background = rowsTable(golden.background, golden.features)
const explained = rowsTable(golden.explained, golden.features)

const loaded: OnnxModel[] = []
after(async () => {
  for (const model of loaded) await model.release()
})

async function explain(name: string, task: Task, positiveClass?: string): Promise<Attributions> {
  const model = await loadModel(`${DIR}/${name}.onnx`)
  loaded.push(model)
  const signature = assertSignature(model, { task, features: golden.features })
  const trees = await readTreeModel(model, signature, positiveClass)
  return treeShap(model, signature, trees, background, explained, positiveClass)
}

function assertMatches(result: Attributions, expected: Expected, output: number, k = 0): void {
  const M = golden.features.length
  let worst = 0
  for (let r = 0; r < result.rowCount; r++) {
    for (let j = 0; j < M; j++) worst = Math.max(worst, Math.abs(attributionAt(result, r, j, k) - expected.attributions[r]![j]![output]!))
  }
  assert.ok(worst < 1e-6, `largest difference from shap ${worst}`)
  assert.ok(Math.abs(result.baseValue[k]! - expected.expected[output]!) < 1e-6, `base value ${result.baseValue[k]} vs shap ${expected.expected[output]}`)
}

function assertAdditive(result: Attributions): void {
  const M = result.features.length
  const K = result.outputNames.length
  for (let r = 0; r < result.rowCount; r++) {
    for (let k = 0; k < K; k++) {
      let sum = 0
      for (let j = 0; j < M; j++) sum += attributionAt(result, r, j, k)
      const gap = Math.abs(sum - (result.predictions[r * K + k]! - result.baseValue[k]!))
      assert.ok(gap < 1e-12, `row ${r} output ${k}: Σφ misses f(x) − E[f] by ${gap}`)
    }
  }
}

describe('TreeSHAP on ONNX tree ensembles equals shap TreeExplainer (interventional)', () => {
  it('a random-forest regressor', async () => {
    const result = await explain('random-forest-regressor', 'regression')
    assert.deepEqual(result.outputNames, ['value'])
    assertMatches(result, golden.models['random-forest-regressor']!.raw, 0)
    assertAdditive(result)
  })

  it('a gradient-boosting regressor', async () => {
    const result = await explain('gradient-boosting-regressor', 'regression')
    assertMatches(result, golden.models['gradient-boosting-regressor']!.raw, 0)
    assertAdditive(result)
  })

  it('a random-forest classifier, P(1) and, with pos-label 0, P(0)', async () => {
    const positive = await explain('random-forest-classifier', 'binary-classification')
    assert.deepEqual(positive.outputNames, ['P(1)'])
    assertMatches(positive, golden.models['random-forest-classifier']!.raw, 1)
    assertAdditive(positive)
    const negative = await explain('random-forest-classifier', 'binary-classification', '0')
    assert.deepEqual(negative.outputNames, ['P(0)'])
    assertMatches(negative, golden.models['random-forest-classifier']!.raw, 0)
  })

  it('a multiclass random forest, every class probability', async () => {
    const result = await explain('random-forest-multiclass', 'multiclass-classification')
    assert.deepEqual(result.outputNames, ['P(0)', 'P(1)', 'P(2)'])
    for (let k = 0; k < 3; k++) assertMatches(result, golden.models['random-forest-multiclass']!.raw, k, k)
    assertAdditive(result)
  })

  it("a gradient-boosting classifier's probability, as shap's model_output='probability'", async () => {
    const result = await explain('gradient-boosting-classifier', 'binary-classification')
    assertMatches(result, golden.models['gradient-boosting-classifier']!.probability!, 0)
    assertAdditive(result)
  })

  it('refuses a model that is not a tree ensemble, with the reason', async () => {
    const model = await loadModel('test/fixtures/onnx/linear-regression.onnx')
    loaded.push(model)
    const signature = assertSignature(model, { task: 'regression', features: model.inputs[0]!.shape[1] === 3 ? ['x0', 'x1', 'x2'] : ['x0'] })
    await assert.rejects(readTreeModel(model, signature), (error: unknown) => error instanceof UnsupportedTreeModel && /no TreeEnsemble/.test((error as Error).message))
  })
})

describe('explainModel and TreeSHAP', () => {
  it("'tree' on a model without trees is a usage error with the fix; 'auto' then says nothing", async () => {
    const { explainModel } = await import('../../src/explain/explain.js')
    const model = await loadModel(`${DIR}/../onnx/nonlinear-regressor-6.onnx`)
    loaded.push(model)
    const features = Array.from({ length: 6 }, (_, i) => `f${i}`)
    const signature = assertSignature(model, { task: 'regression', features })
    const table = rowsTable([features.map(() => 0), features.map(() => 1)], features)
    const auto = await explainModel(model, signature, { background: table, rows: table }, { backgroundRows: 2, explainRows: 1 })
    assert.equal(auto.method, 'tree', 'a random forest regressor')
    const linear = await loadModel('test/fixtures/onnx/linear-regression-14.onnx')
    loaded.push(linear)
    const linearFeatures = Array.from({ length: 14 }, (_, i) => `f${i}`)
    const linearSignature = assertSignature(linear, { task: 'regression', features: linearFeatures })
    const linearTable = rowsTable([linearFeatures.map(() => 0), linearFeatures.map(() => 1)], linearFeatures)
    await assert.rejects(explainModel(linear, linearSignature, { background: linearTable, rows: linearTable }, { method: 'tree' }), {
      name: 'UsageError',
      message: /explain\.method tree cannot explain .*linear-regression-14\.onnx: the graph has no TreeEnsembleClassifier or TreeEnsembleRegressor node; use method: auto \(or kernel\)/,
    })
    const fallback = await explainModel(linear, linearSignature, { background: linearTable, rows: linearTable }, { backgroundRows: 2, explainRows: 1, samples: 100 })
    assert.equal(fallback.method, 'kernel')
    assert.equal(fallback.note, undefined)
  })
})
