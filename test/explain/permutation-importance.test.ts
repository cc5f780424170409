import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { permutationImportance } from '../../src/explain/permutation-importance.js'
import { createRandom } from '../../src/explain/random.js'
import { loadModel, type OnnxModel } from '../../src/onnx/model.js'
import type { PredictResult } from '../../src/onnx/predict.js'
import { assertSignature } from '../../src/onnx/signature.js'
import { featureNames, FIXTURES, rowsTable } from './helpers.js'

const WEIGHTS_14 = [1.0, -0.75, 0.5, 2.0, -1.25, 0.25, 1.5, -0.5, 0.75, -2.0, 1.25, -1.5, 0.5, 0.0]

describe('permutationImportance', () => {
  let model: OnnxModel
  before(async () => {
    model = await loadModel(`${FIXTURES}/linear-regression-14.onnx`)
  })
  after(async () => {
    await model.release()
  })

  const features = featureNames(14)
  const random = createRandom(5)
  const rows = Array.from({ length: 300 }, () => features.map(() => random() * 2 - 1))
  // The target is the model's own function plus noise; the last weight is 0, so f13 is irrelevant.
  const target = rows.map((x) => x.reduce((sum, v, j) => sum + WEIGHTS_14[j]! * v, 0.5) + 0.1 * (random() - 0.5))
  const mse = (prediction: PredictResult) => {
    let sum = 0
    prediction.values!.forEach((v: number, i: number) => (sum += (v - target[i]!) ** 2))
    return sum / target.length
  }

  it('ranks the irrelevant feature last, with an importance of exactly 0', async () => {
    const signature = assertSignature(model, { task: 'regression', features })
    const result = await permutationImportance(model, signature, rowsTable(rows, features), { score: mse, greaterIsBetter: false, repeats: 3, seed: 1 })
    const ranking = [...result.importances].sort((a, b) => b.mean - a.mean).map((i) => i.feature)
    assert.equal(ranking.at(-1), 'f13')
    assert.deepEqual(result.importances[13]!.drops, [0, 0, 0])
    // The largest |weight| features (f3 and f9, |w| = 2) lead.
    assert.deepEqual(new Set(ranking.slice(0, 2)), new Set(['f3', 'f9']))
    assert.ok(result.baselineScore < 0.01)
    assert.equal(result.importances[3]!.drops.length, 3)
  })

  it('is the same for a loss and its negation as a greater-is-better score, and the same per seed', async () => {
    const signature = assertSignature(model, { task: 'regression', features })
    const table = rowsTable(rows, features)
    const loss = await permutationImportance(model, signature, table, { score: mse, greaterIsBetter: false, repeats: 2, seed: 4 })
    const gain = await permutationImportance(model, signature, table, { score: (p) => -mse(p), greaterIsBetter: true, repeats: 2, seed: 4 })
    assert.deepEqual(loss.importances.map((i) => i.mean), gain.importances.map((i) => i.mean))
    const other = await permutationImportance(model, signature, table, { score: mse, greaterIsBetter: false, repeats: 2, seed: 5 })
    assert.notDeepEqual(loss.importances[0]!.drops, other.importances[0]!.drops)
    const mean = loss.importances[0]!.mean
    const drops = loss.importances[0]!.drops
    assert.ok(Math.abs(loss.importances[0]!.std - Math.sqrt(drops.reduce((a, d) => a + (d - mean) ** 2, 0) / 2)) < 1e-15)
  })

  it('refuses a repeat count that is not a positive whole number', async () => {
    const signature = assertSignature(model, { task: 'regression', features })
    await assert.rejects(permutationImportance(model, signature, rowsTable(rows, features), { score: mse, greaterIsBetter: false, repeats: 0 }), {
      name: 'UsageError',
      message: 'permutation importance repeats 0 is not a positive whole number; use e.g. 5',
    })
  })
})
