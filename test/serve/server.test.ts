import assert from 'node:assert/strict'
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ModelError } from '../../src/errors.js'
import { ModelStore, startServer, TokenSet, type RunningServer } from '../../src/serve/index.js'

// Response bodies are read as the loosely typed JSON a client sees.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any
const readJson = async (res: Response | Promise<Response>): Promise<Json> => (await res).json()

const CHURN = 'test/fixtures/onnx/churn-classifier.onnx'
const MATRIX = 'test/fixtures/onnx/linear-regression.onnx'
const TOKEN = 'inference-token-0123456789'
const ADMIN = 'admin-token-0123456789abcdef'

function churnBody(rows = 1, extra: Record<string, unknown> = {}) {
  const col = (datatype: string, value: unknown) => ({ datatype, shape: [rows, 1], data: Array.from({ length: rows }, () => value) })
  return {
    ...extra,
    inputs: [
      { name: 'tenure', ...col('FP32', 3) },
      { name: 'monthly_charges', ...col('FP32', 70) },
      { name: 'contract', ...col('BYTES', 'month-to-month') },
      { name: 'support_calls', ...col('FP32', 2) },
    ],
  }
}

describe('modelship serve: V2 and MLflow over HTTP', () => {
  let store: ModelStore
  let server: RunningServer
  let dir: string
  const auth = { authorization: `Bearer ${TOKEN}` }
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelship-serve-'))
    store = new ModelStore({ intraOpThreads: 1, sessions: 1 })
    await store.load('churn', '1', CHURN)
    await store.load('linear', '1', MATRIX)
    server = await startServer({ store, port: 0, inferenceTokens: new TokenSet([TOKEN, 'second-token-for-rotation']), adminTokens: new TokenSet([ADMIN]), maxBodyBytes: 64 * 1024 })
  })
  after(async () => {
    await server.drain()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('answers health without a token and metadata with one', async () => {
    assert.equal((await fetch(`${server.url}/v2/health/live`)).status, 200)
    assert.equal((await fetch(`${server.url}/v2/health/ready`)).status, 200)
    assert.equal((await fetch(`${server.url}/ping`)).status, 200)
    const meta = await readJson(fetch(`${server.url}/v2/models/churn`, { headers: auth }))
    assert.deepEqual(meta.inputs[2], { name: 'contract', datatype: 'BYTES', shape: [-1, 1] })
    assert.deepEqual(meta.outputs[1], { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] })
    assert.equal((await fetch(`${server.url}/v2/models/churn/versions/1/ready`, { headers: auth })).status, 200)
    const v2 = await readJson(fetch(`${server.url}/v2`))
    assert.equal(v2.name, 'modelship')
  })

  it('infers with id and requested outputs', async () => {
    const res = await post('/v2/models/churn/infer', churnBody(2, { id: 'req-1', outputs: [{ name: 'probabilities' }] }))
    assert.equal(res.status, 200)
    const body = await readJson(res)
    assert.equal(body.id, 'req-1')
    assert.equal(body.model_version, '1')
    assert.deepEqual(body.outputs.map((o: { name: string; shape: number[] }) => [o.name, o.shape]), [['probabilities', [2, 2]]])
    assert.ok(Math.abs(body.outputs[0].data[0] + body.outputs[0].data[1] - 1) < 1e-5)
  })

  it('refuses a missing or wrong token, and accepts a rotated one', async () => {
    const none = await fetch(`${server.url}/v2/models/churn/infer`, { method: 'POST', body: JSON.stringify(churnBody()) })
    assert.equal(none.status, 401)
    assert.deepEqual(await readJson(none), { error: 'missing or wrong bearer token' })
    assert.equal((await post('/v2/models/churn/infer', churnBody(), { authorization: 'Bearer wrong-token-0123456789' })).status, 401)
    assert.equal((await post('/v2/models/churn/infer', churnBody(), { authorization: 'Bearer second-token-for-rotation' })).status, 200)
  })

  const bad: Array<[string, string, unknown, number, RegExp]> = [
    ['malformed JSON', '/v2/models/churn/infer', '{"inputs": [', 400, /not valid JSON/],
    ['a wrong datatype', '/v2/models/churn/infer', { inputs: churnBody().inputs.map((i) => (i.name === 'tenure' ? { ...i, datatype: 'INT64' } : i)) }, 400, /input 'tenure': datatype "INT64" does not fit the model; expected datatype FP32 and shape \[-1, 1\]/],
    ['a wrong shape', '/v2/models/churn/infer', { inputs: churnBody().inputs.map((i) => (i.name === 'tenure' ? { ...i, shape: [1, 2] } : i)) }, 400, /input 'tenure': shape \[1, 2\] does not fit the model/],
    ['too few values', '/v2/models/churn/infer', { inputs: churnBody().inputs.map((i) => (i.name === 'tenure' ? { ...i, shape: [2, 1] } : i)) }, 400, /1 values do not fill shape \[2, 1\]/],
    ['a string for a number', '/v2/models/churn/infer', { inputs: churnBody().inputs.map((i) => (i.name === 'tenure' ? { ...i, data: ['x'] } : i)) }, 400, /element 0 is "x"; expected a number \(FP32\)/],
    ['a missing input', '/v2/models/churn/infer', { inputs: churnBody().inputs.slice(1) }, 400, /missing input 'tenure' \(datatype FP32 and shape \[-1, 1\]\)/],
    ['an unknown input', '/v2/models/churn/infer', { inputs: [...churnBody().inputs, { name: 'age', datatype: 'FP32', shape: [1, 1], data: [1] }] }, 400, /input 'age' is not an input of model 'churn'/],
    ['an unknown output', '/v2/models/churn/infer', churnBody(1, { outputs: [{ name: 'score' }] }), 400, /outputs\[0\] "score" is not an output/],
    ['an unknown model', '/v2/models/nope/infer', churnBody(), 404, /model 'nope' is not loaded; loaded models: churn, linear/],
    ['an unknown version', '/v2/models/churn/versions/9/infer', churnBody(), 404, /no loaded version '9'; loaded versions: 1/],
    ['a body that is not an object', '/v2/models/churn/infer', '[1,2]', 400, /must be a JSON object/],
    ['an MLflow body without a format', '/invocations', { rows: [] }, 400, /"rows" is not a format of the MLflow scoring protocol; use one of "dataframe_split"/],
    ['an MLflow body with two formats', '/invocations', { instances: [], inputs: [] }, 400, /must have exactly one of "dataframe_split".*; got "instances", "inputs"/],
    ['an MLflow frame without a column', '/invocations', { dataframe_records: [{ tenure: 1 }] }, 400, /no columns 'monthly_charges', 'contract', 'support_calls'/],
  ]
  for (const [what, path, body, status, message] of bad) {
    it(`answers ${status} with the V2 error shape for ${what}`, async () => {
      const res = await post(path, body, path === '/invocations' ? { 'x-model-name': 'churn' } : {})
      assert.equal(res.status, status)
      const json = await readJson(res)
      assert.deepEqual(Object.keys(json), ['error'])
      assert.match(json.error, message)
    })
  }

  it('answers 413 for a body over the limit, declared or not', async () => {
    const big = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [30000, 3], data: new Array(90000).fill(1.5) }] })
    const res = await post('/v2/models/linear/infer', big)
    assert.equal(res.status, 413)
    assert.match((await readJson(res)).error, /larger than 65536 bytes/)
    // Chunked: no Content-Length, so the limit is found while the body streams in.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big))
        controller.close()
      },
    })
    const chunked = await fetch(`${server.url}/v2/models/linear/infer`, { method: 'POST', headers: auth, body: stream, duplex: 'half' } as RequestInit)
    assert.equal(chunked.status, 413)
  })

  it('serves the MLflow formats as mlflow models serve answers them', async () => {
    const record = { tenure: 3, monthly_charges: 70, contract: 'month-to-month', support_calls: 2 }
    const viaRecords = await readJson(post('/invocations', { dataframe_records: [record] }, { 'x-model-name': 'churn' }))
    const viaSplit = await readJson(post('/invocations', { dataframe_split: { columns: Object.keys(record), data: [Object.values(record)] } }, { 'x-model-name': 'churn' }))
    const viaInstances = await readJson(post('/invocations', { instances: [record] }, { 'x-model-name': 'churn' }))
    const viaInputs = await readJson(post('/invocations', { inputs: { tenure: [3], monthly_charges: [70], contract: ['month-to-month'], support_calls: [2] } }, { 'x-model-name': 'churn' }))
    const csv = await fetch(`${server.url}/invocations`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv', 'x-model-name': 'churn' }, body: `${Object.keys(record).join(',')}\n3,70,month-to-month,2\n` })
    const viaCsv = await readJson(csv)
    assert.deepEqual(Object.keys(viaRecords.predictions), ['label', 'probabilities'])
    for (const other of [viaSplit, viaInstances, viaInputs, viaCsv]) assert.deepEqual(other, viaRecords)
    const matrix = await readJson(post('/invocations', { dataframe_split: { columns: ['a', 'b', 'c'], data: [[1, 2, 3]] } }, { 'x-model-name': 'linear' }))
    assert.equal(matrix.predictions.length, 1)
    assert.equal((await post('/invocations', { instances: [record] })).status, 400)
    assert.equal((await post('/invocations', 'x', { 'x-model-name': 'churn', 'content-type': 'text/plain' })).status, 415)
  })

  it('speaks the binary tensor extension both ways', async () => {
    const data = Buffer.from(new Float32Array([1, 2, 3, 4, 5, 6]).buffer)
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 3], parameters: { binary_data_size: data.length } }], parameters: { binary_data_output: true } }))
    const res = await fetch(`${server.url}/v2/models/linear/infer`, { method: 'POST', headers: { ...auth, 'Inference-Header-Content-Length': String(header.length) }, body: Buffer.concat([header, data]) })
    assert.equal(res.status, 200)
    const raw = Buffer.from(await res.arrayBuffer())
    const length = Number(res.headers.get('inference-header-content-length'))
    const meta = JSON.parse(raw.subarray(0, length).toString())
    assert.deepEqual(meta.outputs[0].parameters, { binary_data_size: 8 })
    const values = new Float32Array(raw.subarray(length).buffer.slice(raw.byteOffset + length))
    const json = await readJson(post('/v2/models/linear/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }] }))
    assert.deepEqual([...values], json.outputs[0].data)
  })

  it('refuses NaN sent as binary to a model served without it', async () => {
    const data = Buffer.from(new Float32Array([1, Number.NaN, 3]).buffer)
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], parameters: { binary_data_size: data.length } }] }))
    const res = await fetch(`${server.url}/v2/models/linear/infer`, { method: 'POST', headers: { ...auth, 'Inference-Header-Content-Length': String(header.length) }, body: Buffer.concat([header, data]) })
    assert.equal(res.status, 400)
    assert.match((await readJson(res)).error, /element 1 is NaN; expected a finite number/)
  })

  it('keeps the repository routes behind the admin token, and keeps serving when a load fails', async () => {
    assert.equal((await post('/v2/repository/index', {})).status, 401)
    const index = await readJson(post('/v2/repository/index', {}, { authorization: `Bearer ${ADMIN}` }))
    assert.deepEqual(index.map((e: { name: string }) => e.name), ['churn', 'linear'])
    const broken = join(dir, 'broken.onnx')
    await writeFile(broken, 'not a model')
    await assert.rejects(store.load('churn', '2', broken), ModelError)
    assert.deepEqual(store.versions('churn').map((v) => v.version), ['1'])
    assert.equal((await post('/v2/models/churn/infer', churnBody())).status, 200)
    const after = await readJson(post('/v2/repository/index', {}, { authorization: `Bearer ${ADMIN}` }))
    assert.equal(after.find((e: { state: string }) => e.state === 'UNAVAILABLE').name, 'churn')
    assert.equal((await post('/v2/repository/models/nope/unload', {}, { authorization: `Bearer ${ADMIN}` })).status, 404)
  })

  it('pins a version by route or header and splits traffic by weight, the same for the same request id', async () => {
    const copy = join(dir, 'churn-2.onnx')
    await copyFile(CHURN, copy)
    await store.load('churn', '2', copy)
    assert.equal(store.versions('churn').find((v) => v.version === '2')!.weight, 0)
    const pinned = await readJson(post('/v2/models/churn/infer', churnBody(), { 'x-model-version': '2' }))
    assert.equal(pinned.model_version, '2')
    store.setWeights('churn', { '1': 1, '2': 1 })
    const seen = new Map<string, string>()
    for (let i = 0; i < 40; i++) {
      const body = await readJson(post('/v2/models/churn/infer', churnBody(1, { id: `user-${i}` })))
      seen.set(`user-${i}`, body.model_version)
      const again = await readJson(post('/v2/models/churn/infer', churnBody(1, { id: `user-${i}` })))
      assert.equal(again.model_version, body.model_version)
    }
    const versions = new Set(seen.values())
    assert.deepEqual([...versions].sort(), ['1', '2'])
    await store.unload('churn', '2')
    store.setWeights('churn', { '1': 1 })
  })

  it('swaps in a new version under load with zero failed requests', async () => {
    const copy = join(dir, 'churn-3.onnx')
    await copyFile(CHURN, copy)
    let stop = false
    const statuses: number[] = []
    const client = async () => {
      while (!stop) statuses.push((await post('/v2/models/churn/infer', churnBody())).status)
    }
    const clients = Array.from({ length: 8 }, client)
    // Wait for traffic to flow before the swap (a signal, not a sleep).
    while (statuses.length < 20) await new Promise((resolve) => setImmediate(resolve))
    await store.swap('churn', '3', copy)
    const before = statuses.length
    while (statuses.length < before + 20) await new Promise((resolve) => setImmediate(resolve))
    stop = true
    await Promise.all(clients)
    assert.deepEqual(new Set(statuses), new Set([200]))
    assert.deepEqual(store.versions('churn').map((v) => v.version), ['3'])
  })
})
