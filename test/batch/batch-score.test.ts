import assert from 'node:assert/strict'
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { tableFromIPC } from 'apache-arrow'
import { readBatches, readTable } from '../../src/data/read-table.js'
import { ModelError, UsageError } from '../../src/errors.js'
import { sha256File } from '../../src/fs/sha256.js'
import { loadModel } from '../../src/onnx/model.js'
import { predict } from '../../src/onnx/predict.js'
import { assertSignature } from '../../src/onnx/signature.js'
import { batchScore, createProgress, describeInputs, parseErrorThreshold } from '../../src/batch/index.js'
import { CHURN, FOREST, FOREST_FEATURES, featureValue, scoreForest, tempDir, writeForestData } from './helpers.js'

/** The forest model's predictions for a data file, read and scored in one piece. */
async function expected(path: string): Promise<Float32Array> {
  const model = await loadModel(FOREST)
  try {
    const signature = assertSignature(model, { task: 'regression', features: FOREST_FEATURES })
    return (await predict(model, signature, await readTable(path, { columns: [...FOREST_FEATURES] }))).values as Float32Array
  } finally {
    await model.release()
  }
}

/** Equal up to float32 rounding: a tree ensemble's sum depends on how onnxruntime splits it over threads. */
function close(actual: number | undefined, want: number, message: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${message}: ${actual} is not ${want}`)
}

/** Every result row of an output file, as `file:row -> prediction`. */
async function resultsOf(path: string): Promise<Map<string, number>> {
  const rows = new Map<string, number>()
  for await (const batch of readBatches(path)) {
    const files = batch.columns.get('source_file')!
    const ids = batch.columns.get('row_id')!
    const values = batch.columns.get('prediction')!
    assert.equal(files.kind, 'categorical')
    assert.equal(ids.kind, 'numeric')
    assert.equal(values.kind, 'numeric')
    for (let i = 0; i < batch.rowCount; i++) {
      const key = `${files.categories[files.codes[i]!]}:${ids.values[i]}`
      assert.ok(!rows.has(key), `${key} appears twice`)
      rows.set(key, values.values[i]!)
    }
  }
  return rows
}

describe('batchScore', () => {
  let dir: string
  let remove: () => Promise<void>
  before(async () => {
    ;({ dir, remove } = await tempDir('score'))
    await writeForestData(join(dir, 'a.arrow'), 1234, 1)
    await writeForestData(join(dir, 'b.parquet'), 2000, 2)
    await writeForestData(join(dir, 'c.csv'), 777, 3)
  })
  after(() => remove())

  test('scores Arrow, Parquet and CSV inputs on two workers: every row once, with its file and row id, as predict scores it', async () => {
    const result = await scoreForest(dir, ['a.arrow', 'b.parquet', 'c.csv'], { outputDir: join(dir, 'all') })
    assert.equal(result.failed, false)
    const rows = await resultsOf(join(dir, 'all', 'predictions.arrow'))
    assert.equal(rows.size, 1234 + 2000 + 777)
    for (const [file, count] of [['a.arrow', 1234], ['b.parquet', 2000], ['c.csv', 777]] as const) {
      const want = await expected(join(dir, file))
      for (let i = 0; i < count; i++) close(rows.get(`${file}:${i}`), want[i]!, `${file} row ${i}`)
    }
    // Results are in input order, then row order.
    const table = tableFromIPC(await readFile(join(dir, 'all', 'predictions.arrow')))
    assert.deepEqual(table.schema.fields.map((f) => `${f.name}:${f.type}`), ['source_file:Dictionary<Int32, Utf8>', 'row_id:Int64', 'prediction:Float32'])
    assert.equal(table.get(0)!.source_file, 'a.arrow')
    assert.equal(table.get(1234)!.source_file, 'b.parquet')
    assert.equal(table.get(1234)!.row_id, 0n)
  })

  test('many small batches on two workers: results sent with outcomes and parts read back interleave into plan order', async () => {
    // 1234 rows in batches of 16: 78 batches in 4 segments, so the second worker's batches arrive far
    // ahead of the cursor (read back from their parts) while the first's are appended from memory.
    const result = await scoreForest(dir, ['a.arrow', 'c.csv'], { outputDir: join(dir, 'small'), batchRows: 16, workers: 2 })
    assert.equal(result.failed, false)
    const table = tableFromIPC(await readFile(join(dir, 'small', 'predictions.arrow')))
    assert.equal(table.numRows, 1234 + 777)
    const want = [...(await expected(join(dir, 'a.arrow'))), ...(await expected(join(dir, 'c.csv')))]
    for (let i = 0; i < table.numRows; i++) {
      const row = table.get(i)!
      assert.equal(row.source_file, i < 1234 ? 'a.arrow' : 'c.csv')
      assert.equal(row.row_id, BigInt(i < 1234 ? i : i - 1234))
      close(row.prediction as number, want[i]!, `row ${i}`)
    }
  })

  test('writes a manifest: inputs with sha256 and ranges, the output with its sha256, counts, model; the state folder is gone', async () => {
    const { manifest, manifestPath } = await scoreForest(dir, ['b.parquet', 'c.csv'], { outputDir: join(dir, 'manifest'), workers: 1 })
    assert.equal(manifestPath, join(dir, 'manifest', 'manifest.json'))
    assert.deepEqual(JSON.parse(await readFile(manifestPath, 'utf8')), manifest)
    assert.equal(manifest.status, 'completed')
    assert.deepEqual(manifest.model, { name: 'forest', version: 'v0.0.1', source: 'forest@v0.0.1', sha256: await sha256File(FOREST) })
    assert.deepEqual(
      manifest.inputs.map(({ path, format, rows, ranges }) => ({ path, format, rows, ranges })),
      [
        { path: 'b.parquet', format: 'parquet', rows: 2000, ranges: [{ start: 0, end: 2000 }] },
        { path: 'c.csv', format: 'csv', rows: 777, ranges: [{ start: 0, end: 777 }] },
      ],
    )
    assert.equal(manifest.inputs[0]!.sha256, await sha256File(join(dir, 'b.parquet')))
    assert.deepEqual(manifest.outputs, [{ path: 'predictions.arrow', format: 'arrow', sha256: await sha256File(join(dir, 'manifest', 'predictions.arrow')), rows: 2777 }])
    assert.deepEqual(manifest.counts, { rows: 2777, scored: 2777, failed: 0, batches: 4 + 2, retries: 0 })
    assert.deepEqual(await readdir(join(dir, 'manifest')), ['manifest.json', 'predictions.arrow'])
  })

  test('Parquet and CSV outputs hold the same rows as Arrow', async () => {
    const arrow = await resultsOf((await scoreForest(dir, ['c.csv', 'b.parquet'], { outputDir: join(dir, 'fa') }), join(dir, 'fa', 'predictions.arrow')))
    for (const format of ['parquet', 'csv'] as const) {
      await scoreForest(dir, ['c.csv', 'b.parquet'], { outputDir: join(dir, `f-${format}`), format, workers: 1 })
      const other = await resultsOf(join(dir, `f-${format}`, `predictions.${format}`))
      assert.equal(other.size, arrow.size)
      for (const [key, value] of arrow) close(other.get(key), value, `${format} ${key}`)
    }
  })

  test('running again over a completed output is a no-op that says so', async () => {
    const out = join(dir, 'again')
    await scoreForest(dir, ['c.csv'], { outputDir: out, workers: 1 })
    const before = (await stat(join(out, 'predictions.arrow'))).mtimeMs
    const again = await scoreForest(dir, ['c.csv'], { outputDir: out, workers: 1 })
    assert.equal(again.alreadyDone, true)
    assert.match(again.log, /already holds this run, completed: nothing to do/)
    assert.equal((await stat(join(out, 'predictions.arrow'))).mtimeMs, before)
  })

  test('an unfinished run of other inputs in the output folder is refused, unless --restart', async () => {
    const out = join(dir, 'other')
    // Leave an unfinished run behind: its plan, no manifest.
    await mkdir(join(out, '.batch-state'), { recursive: true })
    await writeFile(join(out, '.batch-state', 'plan.json'), JSON.stringify({ plan: 'someone else' }))
    await assert.rejects(scoreForest(dir, ['b.parquet'], { outputDir: out }), (error: unknown) => {
      assert.ok(error instanceof UsageError)
      assert.match(error.message, /holds an unfinished run of other inputs, model or options .*; pass --restart to discard it, or write to another --output folder/)
      return true
    })
    const restarted = await scoreForest(dir, ['b.parquet'], { outputDir: out, restart: true, workers: 1 })
    assert.equal(restarted.manifest.counts.scored, 2000)
  })

  test('a classifier writes its label and one probability column a class, as predict gives them', async () => {
    const data = 'test/fixtures/data/churn-test.parquet'
    const features = ['tenure', 'monthly_charges', 'contract', 'support_calls']
    const out = join(dir, 'churn')
    const result = await batchScore({
      model: { path: CHURN, name: 'churn', version: '1', source: CHURN },
      task: 'binary-classification',
      features,
      inputs: await describeInputs([data], process.cwd()),
      outputDir: out,
      format: 'arrow',
      workers: 1,
      batchRows: 7,
      progress: createProgress({ mode: 'none', write: () => {} }),
    })
    assert.deepEqual(result.manifest.columns.map((c) => `${c.name}:${c.type}`), ['source_file:file', 'row_id:int64', 'label:int64', 'probability_0:float32', 'probability_1:float32'])
    const model = await loadModel(CHURN)
    const want = await predict(model, assertSignature(model, { task: 'binary-classification', features }), await readTable(data, { columns: features }))
    await model.release()
    const table = tableFromIPC(await readFile(join(out, 'predictions.arrow')))
    assert.equal(table.numRows, want.rowCount)
    for (let i = 0; i < want.rowCount; i++) {
      const row = table.get(i)!
      assert.equal(row.row_id, BigInt(i))
      assert.equal(row.label, (want.labels as BigInt64Array)[i])
      close(row.probability_1, want.probabilities![2 * i + 1]!, `row ${i}`)
    }
  })
})

describe('bad input', () => {
  let dir: string
  let remove: () => Promise<void>
  before(async () => {
    ;({ dir, remove } = await tempDir('bad'))
    await writeForestData(join(dir, 'good.parquet'), 1000)
    const header = [...FOREST_FEATURES, 'extra'].join(',')
    const row = (i: number) => FOREST_FEATURES.map((_, j) => featureValue(0, i, j)).join(',') + ',x'
    const lines = Array.from({ length: 40 }, (_, i) => row(i))
    lines[3] = lines[3]!.replace(/^[^,]+/, 'abc') // text in f0
    lines[7] = lines[7]!.replace(/,[^,]+,/, ',,') // f1 empty (null)
    lines[8] = lines[8]!.replace(/,[^,]+,/, ',,')
    await writeFile(join(dir, 'cells.csv'), [header, ...lines].join('\n') + '\n')
    await writeFile(join(dir, 'missing.csv'), ['f0,f1,f2,f3,f4', '1,2,3,4,5', '1,2,3,4,5'].join('\n') + '\n')
    await writeFile(join(dir, 'strings.csv'), [FOREST_FEATURES.join(','), 'a,b,c,d,e,f', 'g,h,i,j,k,l'].join('\n') + '\n')
    await copyFile('test/fixtures/data/corrupt.parquet', join(dir, 'corrupt.parquet'))
    await copyFile('test/fixtures/data/empty.csv', join(dir, 'empty.csv'))
    await copyFile('test/fixtures/data/header-only.csv', join(dir, 'header-only.csv'))
  })
  after(() => remove())

  test('failed rows are counted and reported with their file and rows; the rest is scored; an extra column is ignored', async () => {
    const result = await scoreForest(dir, ['good.parquet', 'cells.csv', 'missing.csv', 'strings.csv'], { outputDir: join(dir, 'cells'), errorThreshold: { rows: 10 }, maxRetries: 1, batchRows: 16, workers: 1 })
    const { manifest } = result
    assert.equal(result.failed, false)
    assert.deepEqual(manifest.counts, { rows: 1044, scored: 1037, failed: 7, batches: 63 + 3 + 1 + 1, retries: 1 })
    assert.deepEqual(manifest.failures, [
      { file: 'cells.csv', start: 3, end: 4, reason: "text in numeric feature 'f0'" },
      { file: 'cells.csv', start: 7, end: 9, reason: "null in feature 'f1'" },
      { file: 'missing.csv', start: 0, end: 2, reason: manifest.failures[2]!.reason },
      { file: 'strings.csv', start: 0, end: 2, reason: "text in numeric feature 'f0'" },
    ])
    assert.match(manifest.failures[2]!.reason, /^missing\.csv: .*'f5'/)
    const rows = await resultsOf(join(dir, 'cells', 'predictions.arrow'))
    assert.equal(rows.size, 1037)
    assert.ok(rows.has('cells.csv:2') && rows.has('cells.csv:4') && !rows.has('cells.csv:3') && !rows.has('cells.csv:8'))
  })

  test('past the error threshold the run fails with the report and writes no result', async () => {
    const result = await scoreForest(dir, ['cells.csv'], { outputDir: join(dir, 'threshold'), errorThreshold: parseErrorThreshold('2'), batchRows: 4, workers: 1 })
    assert.equal(result.failed, true)
    assert.equal(result.manifest.status, 'failed')
    assert.deepEqual(result.manifest.outputs, [])
    assert.ok(result.manifest.counts.failed > 2)
    assert.deepEqual(result.manifest.failures[0], { file: 'cells.csv', start: 3, end: 4, reason: "text in numeric feature 'f0'" })
    assert.ok(!(await readdir(join(dir, 'threshold'))).includes('predictions.arrow'))
  })

  test('a share threshold counts against the shard\'s rows', async () => {
    const pass = await scoreForest(dir, ['cells.csv'], { outputDir: join(dir, 'share-pass'), errorThreshold: parseErrorThreshold('10%'), workers: 1 })
    assert.equal(pass.failed, false) // 3 of 40 rows
    const fail = await scoreForest(dir, ['cells.csv'], { outputDir: join(dir, 'share-fail'), errorThreshold: parseErrorThreshold('5%'), workers: 1 })
    assert.equal(fail.failed, true)
  })

  test('corrupt and empty files are reported by name and fail the run; a header-only file has no rows to score', async () => {
    const result = await scoreForest(dir, ['corrupt.parquet', 'empty.csv', 'good.parquet', 'header-only.csv'], { outputDir: join(dir, 'files'), errorThreshold: { rows: 1_000_000 }, workers: 1 })
    assert.equal(result.failed, true)
    const reasons = result.manifest.failures.map((f) => `${f.file}: ${f.reason}`)
    assert.equal(reasons.length, 2)
    assert.match(reasons[0]!, /^corrupt\.parquet: corrupt\.parquet: .*Parquet/)
    assert.match(reasons[1]!, /^empty\.csv: empty\.csv: the file is empty \(0 bytes\)/)
    assert.equal(result.manifest.counts.scored, 1000)
    assert.deepEqual(result.manifest.inputs.map((i) => i.rows), [null, null, 1000, 0])
  })

  test('a model whose signature does not fit fails at once, listing every mismatch, before anything is written', async () => {
    const out = join(dir, 'mismatch')
    await assert.rejects(scoreForest(dir, ['good.parquet'], { outputDir: out, task: 'binary-classification', features: ['f0', 'f1', 'f2'] }), (error: unknown) => {
      assert.ok(error instanceof ModelError)
      assert.match(error.message, /does not fit the spec \(binary-classification, features f0, f1, f2\): \d problems/)
      assert.match(error.message, /has 6 columns but data\.features lists 3/)
      assert.match(error.message, /needs a probabilities output/)
      return true
    })
    await assert.rejects(stat(out), { code: 'ENOENT' })
  })

  test('bad options are usage errors', async () => {
    assert.throws(() => parseErrorThreshold('ten'), /--error-threshold 'ten' is neither a row count \(e\.g\. 100\) nor a share of the rows \(e\.g\. 2\.5%\)/)
    assert.throws(() => parseErrorThreshold('150%'), UsageError)
    assert.deepEqual(parseErrorThreshold('2.5%'), { share: 0.025 })
    await assert.rejects(scoreForest(dir, ['good.parquet'], { shardIndex: 2, shardCount: 2 }), /--shard-index 2 is not between 0 and 1/)
  })
})
