import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import type { Column, DataTable } from '../../src/data/table.js'
import { loadModel, type OnnxModel } from '../../src/onnx/model.js'
import { predict } from '../../src/onnx/predict.js'
import { assertSignature } from '../../src/onnx/signature.js'
import { tableFromColumns } from '../../src/onnx/table.js'

const FIXTURES = 'test/fixtures/onnx'
const CHURN = ['tenure', 'monthly_charges', 'contract', 'support_calls']

function matrixTable(rows: number[][], names: string[]) {
  return tableFromColumns(Object.fromEntries(names.map((name, j) => [name, Float64Array.from(rows, (row) => row[j]!)])))
}

describe('predict', () => {
  const models: Record<string, OnnxModel> = {}
  before(async () => {
    for (const name of ['churn-classifier', 'linear-regression', 'linear-per-feature', 'multiclass-strings', 'mlp-strings']) {
      models[name] = await loadModel(`${FIXTURES}/${name}.onnx`)
    }
  })
  after(async () => {
    for (const model of Object.values(models)) await model.release()
  })

  it('gives the linear model its exact values, across batches of every size', async () => {
    const model = models['linear-regression']!
    const signature = assertSignature(model, { task: 'regression', features: ['a', 'b', 'c'] })
    const rows = Array.from({ length: 7 }, (_, i) => [i * 0.25, 3 - i, i % 3])
    const expected = rows.map(([a, b, c]) => 2 * a! - 1.5 * b! + 0.5 * c! + 1)
    for (const batchRows of [1, 3, 7, 100]) {
      const result = await predict(model, signature, matrixTable(rows, ['a', 'b', 'c']), { batchRows })
      assert.deepEqual([...result.values!], expected, `batchRows ${batchRows}`)
      assert.equal(result.rowCount, 7)
      assert.equal(result.probabilities, undefined)
    }
  })

  it('casts columns to float32, float64 and int64 inputs', async () => {
    const model = models['linear-per-feature']!
    const signature = assertSignature(model, { task: 'regression', features: ['x0', 'x1', 'x2'] })
    const table = tableFromColumns({ x0: Float64Array.of(1, 2), x1: Float64Array.of(0.5, -1), x2: Float64Array.of(4, 2.9) })
    const result = await predict(model, signature, table, { batchRows: 1 })
    // x2 is int64: 2.9 is truncated to 2, as a cast to an integer column would.
    assert.deepEqual([...result.values!], [2 * 1 - 1.5 * 0.5 + 0.5 * 4 + 1, 2 * 2 - 1.5 * -1 + 0.5 * 2 + 1])
  })

  it('refuses a null in a column fed to an int64 input', async () => {
    const model = models['linear-per-feature']!
    const signature = assertSignature(model, { task: 'regression', features: ['x0', 'x1', 'x2'] })
    const table = tableFromColumns({ x0: Float64Array.of(1, 2), x1: Float64Array.of(0, 0), x2: Float64Array.of(4, NaN) })
    await assert.rejects(predict(model, signature, table), {
      name: 'DataError',
      message: "column 'x2' row 1 is null but the model input 'x2' is int64, which has no null; impute the column before scoring or export the input as float",
    })
  })

  it('matches onnxruntime in Python on the churn classifier, categorical input included', async () => {
    const golden = JSON.parse(readFileSync(`${FIXTURES}/churn-shapley.json`, 'utf8')) as { rows: Array<[number, number, string, number]>; predictions: number[] }
    const model = models['churn-classifier']!
    const signature = assertSignature(model, { task: 'binary-classification', features: CHURN })
    const table = tableFromColumns({
      tenure: Float64Array.from(golden.rows, (r) => r[0]),
      monthly_charges: Float64Array.from(golden.rows, (r) => r[1]),
      contract: golden.rows.map((r) => r[2]),
      support_calls: Float64Array.from(golden.rows, (r) => r[3]),
    })
    const result = await predict(model, signature, table, { batchRows: 2 })
    assert.deepEqual(result.classes, ['0', '1'])
    assert.equal(result.probabilities!.length, 6)
    golden.predictions.forEach((p, i) => {
      assert.ok(Math.abs(result.probabilities![i * 2 + 1]! - p) < 1e-6, `row ${i}: ${result.probabilities![i * 2 + 1]} vs ${p}`)
      assert.ok(Math.abs(result.probabilities![i * 2]! + result.probabilities![i * 2 + 1]! - 1) < 1e-6)
      assert.equal(result.labelIndices![i], p > 0.5 ? 1 : 0)
      assert.equal(result.labels![i], BigInt(p > 0.5 ? 1 : 0))
    })
  })

  it('scores a null category as an unseen one', async () => {
    const model = models['churn-classifier']!
    const signature = assertSignature(model, { task: 'binary-classification', features: CHURN })
    const columns = { tenure: Float64Array.of(10, 10), monthly_charges: Float64Array.of(70, 70), support_calls: Float64Array.of(1, 1) }
    const nulls = await predict(model, signature, tableFromColumns({ ...columns, contract: [null, undefined] }))
    const unseen = await predict(model, signature, tableFromColumns({ ...columns, contract: ['', 'no-such-contract'] }))
    assert.deepEqual([...nulls.probabilities!], [...unseen.probabilities!])
  })

  it('names string classes in probability-column order and indexes the labels', async () => {
    const golden = JSON.parse(readFileSync(`${FIXTURES}/multiclass-strings.json`, 'utf8')) as {
      classes: string[]
      rows: number[][]
      labels: string[]
      probabilities: number[][]
    }
    for (const name of ['multiclass-strings', 'mlp-strings']) {
      const model = models[name]!
      const signature = assertSignature(model, { task: 'multiclass-classification', features: ['a', 'b', 'c', 'd'] })
      const result = await predict(model, signature, matrixTable(golden.rows, ['a', 'b', 'c', 'd']), { batchRows: 4 })
      assert.deepEqual(result.classes, golden.classes)
      if (name === 'multiclass-strings') {
        assert.deepEqual(result.labels, golden.labels)
        golden.probabilities.flat().forEach((p, i) => assert.ok(Math.abs(result.probabilities![i]! - p) < 1e-6))
      }
      const labels = result.labels as string[]
      labels.forEach((label, i) => assert.equal(result.classes![result.labelIndices![i]!], label))
    }
  })

  it('infers class names from the label output when the file declares none', async () => {
    const golden = JSON.parse(readFileSync(`${FIXTURES}/multiclass-strings.json`, 'utf8')) as { rows: number[][]; labels: string[] }
    const declared = models['multiclass-strings']!
    const model: OnnxModel = { ...declared, info: { ...declared.info, classLabels: undefined } }
    const signature = assertSignature(model, { task: 'multiclass-classification', features: ['a', 'b', 'c', 'd'] })
    const result = await predict(model, signature, matrixTable(golden.rows, ['a', 'b', 'c', 'd']))
    const seen = new Set(golden.labels)
    // Classes no row predicts cannot be named from the labels; they are marked '?<column>'.
    assert.deepEqual(
      result.classes,
      ['setosa', 'versicolor', 'virginica'].map((name, j) => (seen.has(name) ? name : `?${j}`)),
    )
  })

  it("accepts src/data's DataTable (dictionary-encoded categories) and scores it like plain columns", async () => {
    const model = models['churn-classifier']!
    const signature = assertSignature(model, { task: 'binary-classification', features: CHURN })
    const numeric = { tenure: Float64Array.of(1, 40, 7), monthly_charges: Float64Array.of(99, 20, 55), support_calls: Float64Array.of(4, 0, 1) }
    const plain = await predict(model, signature, tableFromColumns({ ...numeric, contract: ['one-year', null, 'month-to-month'] }))
    const dataTable: DataTable = {
      rowCount: 3,
      columns: new Map<string, Column>([
        ...Object.entries(numeric).map(([name, values]): [string, Column] => [name, { kind: 'numeric', values }]),
        ['contract', { kind: 'categorical', codes: Int32Array.of(1, -1, 0), categories: ['month-to-month', 'one-year'] }],
      ]),
    }
    const encoded = await predict(model, signature, dataTable)
    assert.deepEqual([...encoded.probabilities!], [...plain.probabilities!])
  })

  it('returns empty results for an empty table', async () => {
    const model = models['churn-classifier']!
    const signature = assertSignature(model, { task: 'binary-classification', features: CHURN })
    const empty = tableFromColumns({ tenure: new Float64Array(0), monthly_charges: new Float64Array(0), contract: [], support_calls: new Float64Array(0) })
    const result = await predict(model, signature, empty)
    assert.equal(result.rowCount, 0)
    assert.deepEqual([...result.probabilities!], [])
    assert.deepEqual(result.classes, ['0', '1'])
  })

  it('names a missing column, a string column for a numeric input, and a bad batch size', async () => {
    const model = models['churn-classifier']!
    const signature = assertSignature(model, { task: 'binary-classification', features: CHURN })
    const columns = { tenure: Float64Array.of(1), monthly_charges: Float64Array.of(1), contract: ['one-year'] }
    await assert.rejects(predict(model, signature, tableFromColumns(columns)), {
      name: 'DataError',
      message: "the data has no column 'support_calls' (columns: 'tenure', 'monthly_charges', 'contract'); add the column or remove 'support_calls' from data.features",
    })
    await assert.rejects(predict(model, signature, tableFromColumns({ ...columns, support_calls: ['3'] })), {
      name: 'DataError',
      message: "column 'support_calls' holds strings but model input 'support_calls' is numeric; encode the column as numbers or give the model a string input for it",
    })
    await assert.rejects(predict(model, signature, tableFromColumns({ ...columns, support_calls: Float64Array.of(1) }), { batchRows: 0 }), {
      name: 'UsageError',
      message: 'batch size 0 is not a positive whole number of rows; use e.g. 65536',
    })
  })

  it('refuses columns of different lengths', () => {
    assert.throws(() => tableFromColumns({ a: Float64Array.of(1, 2), b: ['x'] }), {
      name: 'DataError',
      message: "column 'b' has 1 rows but column 'a' has 2; every column of a table needs the same number of rows",
    })
  })
})

describe('predict, float64 classifier', () => {
  // test/fixtures/golden/make_retention.py: logistic regression exported with float64 input and probabilities.
  const golden = JSON.parse(readFileSync('test/fixtures/golden/retention.json', 'utf8')) as { classes: string[]; probabilities: number[][] }
  const lines = readFileSync('test/fixtures/golden/retention-test.csv', 'utf8').trimEnd().split('\n').slice(1)
  const column = (j: number) => Float64Array.from(lines, (line) => Number(line.split(',')[j]))

  it("keeps the model's float64 probabilities unrounded, across batch sizes, identical to onnxruntime in Python", async () => {
    const model = await loadModel('test/fixtures/golden/retention-float64.onnx')
    try {
      const signature = assertSignature(model, { task: 'binary-classification', features: ['x1', 'x2'] })
      const table = tableFromColumns({ x1: column(0), x2: column(1) })
      for (const batchRows of [7, 65_536]) {
        const result = await predict(model, signature, table, { batchRows })
        assert.ok(result.probabilities instanceof Float64Array, 'probabilities are float64')
        assert.deepEqual(result.classes, golden.classes)
        assert.deepEqual(
          Array.from({ length: result.rowCount }, (_, i) => [result.probabilities![2 * i]!, result.probabilities![2 * i + 1]!]),
          golden.probabilities,
          `batchRows ${batchRows}`,
        )
      }
    } finally {
      await model.release()
    }
  })
})
