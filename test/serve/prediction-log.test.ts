import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tableFromIPC } from 'apache-arrow'
import { PredictionLog, serve, ServeConfigSchema, unitHash, type ServeHandle } from '../../src/serve/index.js'

const CHURN = 'test/fixtures/onnx/churn-classifier.onnx'
const MATRIX = 'test/fixtures/onnx/linear-regression.onnx'

// Response bodies are read as the loosely typed JSON a client sees.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  try {
    return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath: string; name: string }>)
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort()
  } catch {
    return []
  }
}

/** A prediction of the linear model, as the server hands it to the log. */
function linearRecord(rows: number, id = '', fetches = ['variable']) {
  const input = Float32Array.from({ length: rows * 3 }, (_, i) => i)
  const variable = Float32Array.from({ length: rows }, (_, i) => i / 2)
  return {
    model: 'linear',
    version: '1',
    id,
    timestamp: Date.UTC(2026, 0, 2, 3, 4, 5),
    request: { feeds: { input: { type: 'float32' as const, dims: [rows, 3], data: input } }, fetches },
    outputs: { variable: { type: 'float32', dims: [rows, 1], data: variable } },
  }
}

describe('prediction log: sampled predictions to rotating Arrow IPC files', () => {
  let cwd: string
  let handle: ServeHandle
  const logLines: string[] = []

  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'modelship-predlog-'))
    // A run folder as `modelship train` leaves it: run.json names the model, whose spec names the features.
    mkdirSync(join(cwd, 'models/linear'), { recursive: true })
    writeFileSync(join(cwd, 'models/linear/model.yaml'), 'name: linear\ndata:\n  features: [sqft, rooms, age]\n')
    const run = join(cwd, '.modelship/outputs/linear')
    mkdirSync(run, { recursive: true })
    copyFileSync(MATRIX, join(run, 'model.onnx'))
    writeFileSync(join(run, 'run.json'), JSON.stringify({ model: 'linear' }))
    const config = ServeConfigSchema.parse({
      port: 0,
      'prediction-log': { dir: 'predictions', 'max-age': '1h' },
      models: [{ source: '.modelship/outputs/linear' }, { name: 'churn', source: join(process.cwd(), CHURN), batching: { enabled: false } }],
    })
    handle = await serve({ config, cwd, env: {}, registry: () => assert.fail('no registry source here'), log: (line) => logLines.push(line) })
  })
  after(async () => {
    await handle.drain()
    rmSync(cwd, { recursive: true, force: true })
  })

  it('writes .partial files while serving and renames them to .arrow on drain, in the documented format', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${handle.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    const meta: Json = await (await fetch(`${handle.url}/v2/models/linear`)).json()
    assert.deepEqual(meta.parameters, { features: ['sqft', 'rooms', 'age'] })
    const v2: Json = await (await post('/v2/models/linear/infer', { id: 'r-1', inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }] })).json()
    // MLflow frames with the spec's column names may come in any order.
    const mlflow: Json = await (await post('/invocations', { dataframe_split: { columns: ['age', 'sqft', 'rooms'], data: [[3, 1, 2]] } }, { 'x-model-name': 'linear' })).json()
    assert.equal(mlflow.predictions[0], v2.outputs[0].data[0])
    const churn = {
      inputs: [
        { name: 'tenure', datatype: 'FP32', shape: [1, 1], data: [3] },
        { name: 'monthly_charges', datatype: 'FP32', shape: [1, 1], data: [70] },
        { name: 'contract', datatype: 'BYTES', shape: [1, 1], data: ['month-to-month'] },
        { name: 'support_calls', datatype: 'FP32', shape: [1, 1], data: [2] },
      ],
    }
    const churnAnswer: Json = await (await post('/v2/models/churn/infer', churn, { 'x-request-id': 'c-7' })).json()

    await handle.predictionLog!.flush()
    const dir = join(cwd, 'predictions')
    const open = filesUnder(dir)
    assert.equal(open.length, 2)
    for (const f of open) assert.match(f, /^(linear\/1|churn\/1)\/predictions-\d{8}T\d{6}Z-\d{6}\.arrow\.partial$/)

    await handle.drain()
    const closed = filesUnder(dir)
    assert.deepEqual(closed, open.map((f) => f.replace(/\.partial$/, '')))
    const linear = tableFromIPC(readFileSync(join(dir, closed.find((f) => f.startsWith('linear/'))!)))
    assert.equal(linear.schema.metadata.get('modelship.prediction-log'), '1')
    assert.deepEqual(
      linear.schema.fields.map((f) => `${f.name}:${String(f.type)}${f.nullable ? '?' : ''}`),
      ['request_id:Utf8?', 'timestamp:Timestamp<MILLISECOND, UTC>', 'model:Utf8', 'version:Utf8', 'sqft:Float64', 'rooms:Float64', 'age:Float64', 'output.variable:Float64'],
    )
    const rows = linear.toArray().map((r) => r.toJSON())
    assert.equal(rows.length, 3)
    assert.deepEqual(rows.map((r) => [r.request_id, r.model, r.version, r.sqft, r.rooms, r.age]), [
      ['r-1', 'linear', '1', 1, 2, 3],
      ['r-1', 'linear', '1', 4, 5, 6],
      [null, 'linear', '1', 1, 2, 3],
    ])
    assert.ok(Math.abs(rows[0].timestamp - Date.now()) < 24 * 3600 * 1000, 'a timestamp of today')
    assert.ok(Math.abs(rows[2]['output.variable'] - mlflow.predictions[0]) < 1e-6)

    const churnTable = tableFromIPC(readFileSync(join(dir, closed.find((f) => f.startsWith('churn/'))!)))
    assert.deepEqual(
      churnTable.schema.fields.map((f) => `${f.name}:${String(f.type)}`).slice(4),
      ['tenure:Float64', 'monthly_charges:Float64', 'contract:Utf8', 'support_calls:Float64', 'output.label:Float64', 'output.probabilities[0]:Float64', 'output.probabilities[1]:Float64'],
    )
    const row = churnTable.get(0)!.toJSON()
    assert.equal(row.request_id, 'c-7')
    assert.equal(row.contract, 'month-to-month')
    assert.ok(Math.abs(row['output.probabilities[1]'] - churnAnswer.outputs[1].data[1]) < 1e-6)
    const metrics = await handle.metrics.metrics()
    assert.match(metrics.body, /modelship_serve_prediction_log_rows_total\{model="linear",version="1"\} 3/)
  })
})

describe('prediction log: sampling, bounds, drops and failures', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelship-predlog-unit-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('samples the same request id the same way, apart from the traffic split', async () => {
    const log = new PredictionLog({ dir: join(dir, 'sample'), sample: 0.5 })
    const ids = Array.from({ length: 400 }, (_, i) => `user-${i}`)
    const first = ids.map((id) => log.sampled(id))
    assert.deepEqual(ids.map((id) => log.sampled(id)), first)
    const kept = first.filter(Boolean).length
    assert.ok(kept > 100 && kept < 300, `${kept} of 400 kept at 0.5`)
    // Salted: the requests a 50 % canary gets (unitHash < 0.5) are not simply the sampled ones.
    const sameAsSplit = ids.filter((id, i) => first[i] === unitHash(id) < 0.5).length
    assert.ok(sameAsSplit < 300, `${sameAsSplit} of 400 agree with the traffic split`)
    const none = new PredictionLog({ dir: join(dir, 'none'), sample: 0 })
    none.prediction(linearRecord(2, 'x'))
    assert.equal(none.bufferedRows, 0)
    await Promise.all([log.close(), none.close()])
    assert.deepEqual(filesUnder(join(dir, 'none')), [])
  })

  it('rotates before a file passes max-bytes, and once it is max-age old even when idle', async () => {
    let now = Date.UTC(2026, 0, 2, 3, 4, 5)
    const log = new PredictionLog({ dir: join(dir, 'rotate'), maxBytes: 4096, maxAgeMs: 60_000, now: () => now })
    for (let i = 0; i < 12; i++) {
      log.prediction(linearRecord(20))
      await log.flush()
    }
    const bySize = filesUnder(join(dir, 'rotate'))
    const closed = bySize.filter((f) => f.endsWith('.arrow'))
    assert.ok(closed.length >= 2, `rotated into ${bySize.join(', ')}`)
    assert.equal(bySize.filter((f) => f.endsWith('.partial')).length, 1)
    let rows = 0
    for (const f of closed) {
      const bytes = readFileSync(join(dir, 'rotate', f))
      assert.ok(bytes.length <= 4096, `${f} is ${bytes.length} bytes`)
      rows += tableFromIPC(bytes).numRows
    }
    now += 60_000
    await log.flush()
    const aged = filesUnder(join(dir, 'rotate'))
    assert.equal(aged.filter((f) => f.endsWith('.partial')).length, 0, 'the idle file was closed by age')
    for (const f of aged.filter((x) => !closed.includes(x))) rows += tableFromIPC(readFileSync(join(dir, 'rotate', f))).numRows
    assert.equal(rows, 12 * 20)
    for (const f of aged) assert.match(f, /^linear\/1\/predictions-20260102T0304(05|06)Z-\d{6}\.arrow$/)
    await log.close()
  })

  it('drops what does not fit the buffer, counted, and never blocks the caller', async () => {
    const dropped: string[] = []
    const written: number[] = []
    const log = new PredictionLog({ dir: join(dir, 'full'), maxBufferedRows: 3, onDropped: (m, v, rows, reason) => dropped.push(`${m}@${v} ${rows} ${reason}`), onWritten: (_m, _v, rows) => written.push(rows) })
    log.prediction(linearRecord(2))
    log.prediction(linearRecord(2))
    log.prediction(linearRecord(1))
    assert.deepEqual(dropped, ['linear@1 2 buffer-full'])
    assert.equal(log.bufferedRows, 3)
    await log.close()
    assert.deepEqual(written, [3])
    log.prediction(linearRecord(1))
    assert.deepEqual(dropped, ['linear@1 2 buffer-full', 'linear@1 1 closed'])
  })

  it('starts a new file when a request asks for other outputs', async () => {
    const log = new PredictionLog({ dir: join(dir, 'layout') })
    log.prediction(linearRecord(1))
    log.prediction(linearRecord(1, '', []))
    await log.close()
    const files = filesUnder(join(dir, 'layout'))
    assert.equal(files.length, 2)
    const columns = files.map((f) => tableFromIPC(readFileSync(join(dir, 'layout', f))).schema.fields.at(-1)!.name).sort()
    assert.deepEqual(columns, ['input[2]', 'output.variable'])
  })

  it('counts a file that fails mid-way as dropped, earlier rows included, and starts a new one', async () => {
    const dropped: string[] = []
    const written: number[] = []
    const log = new PredictionLog({ dir: join(dir, 'midway'), onDropped: (_m, _v, rows, reason) => dropped.push(`${rows} ${reason}`), onWritten: (_m, _v, rows) => written.push(rows), warn: () => undefined })
    log.prediction(linearRecord(2))
    await log.flush()
    // The disk fills up under the open file (reached through the log's one open handle).
    const open = [...(log as unknown as { streams: Map<string, { file: { handle: { writev: unknown } } }> }).streams.values()][0]!.file
    open.handle.writev = async () => {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })
    }
    log.prediction(linearRecord(3))
    await log.flush()
    log.prediction(linearRecord(1))
    await log.close()
    assert.deepEqual(written, [2, 1])
    assert.deepEqual(dropped, ['3 write-failed', '2 write-failed'])
    const files = filesUnder(join(dir, 'midway'))
    assert.equal(files.length, 1)
    assert.equal(tableFromIPC(readFileSync(join(dir, 'midway', files[0]!))).numRows, 1)
  })

  it('says once that it cannot write, counts the rows dropped, and keeps going', async () => {
    const blocked = join(dir, 'not-a-folder')
    writeFileSync(blocked, 'a file where the log folder should be')
    const dropped: string[] = []
    const warnings: string[] = []
    const log = new PredictionLog({ dir: blocked, onDropped: (_m, _v, rows, reason) => dropped.push(`${rows} ${reason}`), warn: (line) => warnings.push(line) })
    log.prediction(linearRecord(2))
    await log.flush()
    log.prediction(linearRecord(1))
    await log.close()
    assert.deepEqual(dropped, ['2 write-failed', '1 write-failed'])
    assert.equal(warnings.length, 1)
    assert.match(warnings[0]!, new RegExp(`^warning: the prediction log could not write linear version 1 under ${blocked} \\((ENOTDIR|EEXIST)\\); rows are dropped and counted in modelship_serve_prediction_log_dropped_total`))
  })
})
