import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ModelStore, ObserverSet, ServeMetrics, startServer, TokenSet, VersionStats, type RunningServer, type ServeObserver } from '../../src/serve/index.js'

const CHURN = 'test/fixtures/onnx/churn-classifier.onnx'
const MATRIX = 'test/fixtures/onnx/linear-regression.onnx'
const TOKEN = 'inference-token-0123456789'
const matrixBody = (rows = 1) => JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 3], data: new Array(rows * 3).fill(1) }] })
const churnBody = JSON.stringify({
  inputs: [
    { name: 'tenure', datatype: 'FP32', shape: [1, 1], data: [3] },
    { name: 'monthly_charges', datatype: 'FP32', shape: [1, 1], data: [70] },
    { name: 'contract', datatype: 'BYTES', shape: [1, 1], data: ['month-to-month'] },
    { name: 'support_calls', datatype: 'FP32', shape: [1, 1], data: [2] },
  ],
})

/** The value of one sample line of Prometheus text, e.g. `name{a="b"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('serve metrics: Prometheus /metrics, Server-Timing, per-version outcomes', () => {
  let store: ModelStore
  let server: RunningServer
  let metrics: ServeMetrics
  let stats: VersionStats
  const seen: Array<{ queueSeconds: number; computeSeconds: number; model: string }> = []
  const infer = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, ...headers }, body })

  before(async () => {
    store = new ModelStore({ intraOpThreads: 1, sessions: 1 })
    await store.load('linear', '1', MATRIX, { batching: { enabled: false } })
    // A long queue delay: a lone request waits for the timer, so its queue time is not zero.
    await store.load('churn', '1', CHURN, { batching: { maxQueueDelayMicros: 5000, maxBatchSize: 64 } })
    metrics = new ServeMetrics(store)
    stats = new VersionStats()
    const timing: ServeObserver = { inference: (info) => seen.push(info) }
    server = await startServer({ store, port: 0, inferenceTokens: new TokenSet([TOKEN]), adminTokens: new TokenSet([]), observer: new ObserverSet([metrics, stats, timing]) })
  })
  after(async () => {
    await server.drain()
    await store.close()
  })

  it('counts requests by route, status, model and version, with latency and batch histograms', async () => {
    assert.equal((await infer('/v2/models/linear/infer', matrixBody(3))).status, 200)
    assert.equal((await infer('/v2/models/linear/versions/1/infer', matrixBody())).status, 200)
    assert.equal((await infer('/v2/models/linear/infer', '{')).status, 400)
    // An unknown model is counted without its name: clients cannot grow the label sets.
    assert.equal((await infer('/v2/models/made-up-name/infer', matrixBody())).status, 404)
    // Open by default, as Triton's and KServe's metrics are: no token.
    const res = await fetch(`${server.url}/metrics`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    assert.equal(sample(text, 'modelship_serve_requests_total{route="/v2/models/{m}/infer",status="200",model="linear",version="1"}'), 1)
    assert.equal(sample(text, 'modelship_serve_requests_total{route="/v2/models/{m}/versions/{v}/infer",status="200",model="linear",version="1"}'), 1)
    assert.equal(sample(text, 'modelship_serve_requests_total{route="/v2/models/{m}/infer",status="400",model="linear",version=""}'), 1)
    assert.equal(sample(text, 'modelship_serve_requests_total{route="/v2/models/{m}/infer",status="404",model="",version=""}'), 1)
    assert.doesNotMatch(text, /made-up-name/)
    assert.equal(sample(text, 'modelship_serve_request_duration_seconds_count{route="/v2/models/{m}/infer",model="linear",version="1"}'), 1)
    assert.equal(sample(text, 'modelship_serve_compute_duration_seconds_count{model="linear",version="1"}'), 2)
    assert.equal(sample(text, 'modelship_serve_queue_duration_seconds_count{model="linear",version="1"}'), 2)
    // One run of 3 rows and one of 1 row: the batch size histogram's sum is 4.
    assert.equal(sample(text, 'modelship_serve_batch_size_sum{model="linear",version="1"}'), 4)
    assert.equal(sample(text, 'modelship_serve_batch_size_bucket{le="2",model="linear",version="1"}'), 1)
    assert.equal(sample(text, 'modelship_serve_loaded_versions{model="churn"}'), 1)
    assert.equal(sample(text, 'modelship_serve_version_weight{model="linear",version="1"}'), 1)
    assert.equal(sample(text, 'modelship_serve_queue_depth'), 0)
    assert.ok(sample(text, 'process_cpu_user_seconds_total') !== undefined, 'process metrics are there')
    assert.ok(sample(text, 'nodejs_heap_size_used_bytes') !== undefined)
  })

  it('says where a request spent its time: queue (batching wait) and compute, in Server-Timing and the observer', async () => {
    seen.length = 0
    const batched = await infer('/v2/models/churn/infer', churnBody)
    assert.equal(batched.status, 200)
    const header = batched.headers.get('server-timing') ?? ''
    const match = /^queue;dur=([\d.]+), compute;dur=([\d.]+)$/.exec(header)
    assert.ok(match, `Server-Timing: ${header}`)
    assert.ok(Number(match[1]) > 0, 'a lone batched request waited for the queue delay')
    assert.ok(Number(match[2]) > 0)
    const alone = await infer('/v2/models/linear/infer', matrixBody())
    assert.match(alone.headers.get('server-timing') ?? '', /^queue;dur=0\.000, compute;dur=[\d.]+$/)
    assert.deepEqual(seen.map((s) => s.model), ['churn', 'linear'])
    assert.ok(seen[0]!.queueSeconds > 0 && seen[0]!.computeSeconds > 0)
    assert.equal(seen[1]!.queueSeconds, 0)
    const mlflow = await infer('/invocations', JSON.stringify({ inputs: [[1, 2, 3]] }), { 'x-model-name': 'linear', 'content-type': 'application/json' })
    assert.match(mlflow.headers.get('server-timing') ?? '', /compute;dur=/)
  })

  it('keeps per-version error rates and p99 for the reconciler, counting 5xx and 408 but not bad input', async () => {
    await store.load('linear', '2', MATRIX, { weight: 0, batching: { enabled: false } })
    const failing = store.versions('linear').find((v) => v.version === '2')!
    failing.run = async () => {
      throw new Error('the session died')
    }
    stats.reset('linear')
    for (let i = 0; i < 3; i++) assert.equal((await infer('/v2/models/linear/versions/2/infer', matrixBody())).status, 500)
    const wrongShape = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] })
    assert.equal((await infer('/v2/models/linear/versions/2/infer', wrongShape)).status, 400)
    assert.equal((await infer('/v2/models/linear/versions/1/infer', matrixBody())).status, 200)
    const canary = stats.snapshot('linear', '2')
    assert.equal(canary.requests, 4)
    assert.equal(canary.errors, 3)
    assert.equal(canary.errorRate, 0.75)
    assert.deepEqual(canary.statuses, { '400': 1, '500': 3 })
    assert.ok(canary.p99Ms !== null && canary.p50Ms !== null && canary.p99Ms >= canary.p50Ms)
    const baseline = stats.snapshot('linear', '1')
    assert.deepEqual([baseline.requests, baseline.errors, baseline.errorRate], [1, 0, 0])
    assert.deepEqual(stats.all().map((o) => `${o.model}@${o.version}`), ['churn@1', 'linear@1', 'linear@2'])
    // Metadata and health routes do not count: only inference.
    await fetch(`${server.url}/v2/models/linear/versions/2`, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(stats.snapshot('linear', '2').requests, 4)
    await store.unload('linear', '2')
    assert.deepEqual(stats.snapshot('nope', '1'), { ...stats.snapshot('nope', '1'), requests: 0, errors: 0, errorRate: 0, p99Ms: null })
  })

  it('lets an observer be added while the server runs, and survives one that throws', async () => {
    const set = new ObserverSet()
    const statuses: number[] = []
    const remove = set.add({ request: (info) => statuses.push(info.status) })
    set.add({
      request: () => {
        throw new Error('a broken observer')
      },
    })
    set.request({ route: '/v2/models/{m}/infer', status: 200, model: 'linear', version: '1', seconds: 0.001 })
    remove()
    set.request({ route: '/v2/models/{m}/infer', status: 500, model: 'linear', version: '1', seconds: 0.001 })
    assert.deepEqual(statuses, [200])
  })

  it('puts /metrics behind an inference token when asked', async () => {
    const guarded = await startServer({ store, port: 0, inferenceTokens: new TokenSet([TOKEN]), adminTokens: new TokenSet([]), observer: new ServeMetrics(store, { processMetrics: false }), metricsAuth: 'token' })
    try {
      assert.equal((await fetch(`${guarded.url}/metrics`)).status, 401)
      const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
      assert.equal(ok.status, 200)
      assert.doesNotMatch(await ok.text(), /process_cpu/)
    } finally {
      await guarded.drain()
    }
  })
})
