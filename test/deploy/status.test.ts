import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { after, before, test } from 'node:test'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { deploy, environmentStatus, formatStatus, histogramQuantile, readServer } from '../../src/deploy/index.js'
import { runCli } from '../../src/cli/run-cli.js'
import { createDeployWorld, type Clone, type DeployWorld } from './deploy-fixture.js'

let world: DeployWorld
let a: Clone
let server: Server
let url: string
let closedUrl: string

/** Metrics as modelship serve exports them (same names and labels, made by prom-client). */
async function metricsText(): Promise<string> {
  const registers = [new Registry()]
  const requests = new Counter({ name: 'modelship_serve_requests_total', help: 'h', labelNames: ['route', 'status', 'model', 'version'], registers })
  const duration = new Histogram({ name: 'modelship_serve_request_duration_seconds', help: 'h', labelNames: ['route', 'model', 'version'], buckets: [0.01, 0.05, 0.1, 0.5], registers })
  const weight = new Gauge({ name: 'modelship_serve_version_weight', help: 'h', labelNames: ['model', 'version'], registers })
  const route = '/v2/models/{model}/infer'
  requests.inc({ route, status: '200', model: 'churn', version: 'v1.0.0' }, 98)
  requests.inc({ route, status: '500', model: 'churn', version: 'v1.0.0' }, 2)
  requests.inc({ route, status: '200', model: 'churn', version: 'v1.1.0' }, 10)
  for (let i = 0; i < 100; i++) duration.observe({ route, model: 'churn', version: 'v1.0.0' }, i < 99 ? 0.005 : 0.3)
  for (let i = 0; i < 10; i++) duration.observe({ route, model: 'churn', version: 'v1.1.0' }, 0.02)
  weight.set({ model: 'churn', version: 'v1.0.0' }, 9)
  weight.set({ model: 'churn', version: 'v1.1.0' }, 1)
  return registers[0]!.metrics()
}

before(async () => {
  world = createDeployWorld()
  a = world.clone('a')
  const backend = world.backend(a.dir)
  await deploy({ root: a.dir, backend, env: {}, ref: 'churn@v1.0.0', environment: 'staging', reason: 'first' })
  await deploy({ root: a.dir, backend, env: { GITHUB_RUN_ID: '7', GITHUB_REPOSITORY: 'acme/models' }, ref: 'churn@v1.1.0', environment: 'staging' })
  const metrics = await metricsText()
  server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type })
      res.end(body)
    }
    if (req.url === '/v2/health/live') return send(200, '{"live":true}')
    if (req.url === '/v2/models/churn') return send(200, JSON.stringify({ name: 'churn', versions: ['v1.0.0', 'v1.1.0', 'v0.9.0'], platform: 'onnxruntime_onnx' }))
    if (req.url === '/v2/models/churn/ready') return send(200, '{"ready":true}')
    if (req.url === '/metrics') return send(200, metrics, 'text/plain; version=0.0.4')
    send(404, '{"error":"not found"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // A port nobody listens on: bound, then closed.
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
  await new Promise((resolve) => closed.close(resolve))
})
after(async () => {
  await new Promise((resolve) => server.close(resolve))
  world.remove()
})

test('histogram quantiles interpolate inside the bucket that holds the rank, as Prometheus does', () => {
  const buckets = [
    { le: 0.1, count: 50 },
    { le: 0.2, count: 100 },
    { le: Infinity, count: 100 },
  ]
  assert.equal(histogramQuantile(0.5, buckets), 0.1)
  assert.ok(Math.abs(histogramQuantile(0.75, buckets)! - 0.15) < 1e-12)
  assert.equal(histogramQuantile(0.99, [{ le: 0.1, count: 1 }, { le: Infinity, count: 100 }]), 0.1)
  assert.equal(histogramQuantile(0.99, [{ le: Infinity, count: 0 }]), undefined)
})

test('the server report: loaded versions, weights as shares, error rate and p99 per version', async () => {
  const report = await readServer(url, ['churn', 'house-prices'])
  assert.equal(report.reachable, true)
  if (!report.reachable) return
  assert.deepEqual(report.models, [
    { model: 'churn', loaded: ['v1.0.0', 'v1.1.0', 'v0.9.0'], ready: true },
    { model: 'house-prices', loaded: [], ready: false },
  ])
  const stable = report.versions.find((v) => v.version === 'v1.0.0')!
  assert.equal(stable.requests, 100)
  assert.equal(stable.errors, 2)
  assert.equal(stable.errorRate, 0.02)
  assert.equal(stable.share, 90)
  // 99 of 100 requests are under 10 ms: the 99th is at the top of the first bucket.
  assert.equal(stable.p99Ms, 10)
  const canary = report.versions.find((v) => v.version === 'v1.1.0')!
  assert.equal(canary.share, 10)
  assert.equal(canary.errorRate, 0)
})

test('status shows the desired state beside the server, versions it serves beyond it, and the last changes', async () => {
  const status = await environmentStatus({ root: a.dir, environment: 'staging', server: url })
  const text = formatStatus(status)
  const lines = text.split('\n')
  assert.equal(lines[0], 'Environment staging (deploy/staging.yaml)')
  assert.match(lines[1]!, /^ {2}model +version +desired +loaded +served +ready +requests +errors +p99$/)
  assert.match(lines[2]!, /^ {2}churn +v1\.0\.0 +90% +yes +90% +yes +100 +2% +10 ms$/)
  assert.match(lines[3]!, /^ {2}churn +v1\.1\.0 +10% +yes +10% +yes +10 +0% +50 ms$/)
  assert.match(lines[4]!, /^ {2}churn +v0\.9\.0 +- +yes +- +yes +- +- +-$/)
  assert.match(text, new RegExp(`\\nServer ${url.replace(/\./g, '\\.')}: live\\n`))
  assert.match(text, /\nLast changes of deploy\/staging\.yaml:\n {2}\S+ \S+ {2}[0-9a-f]{7} {2}Deploy Tester {2}deploy churn v1\.1\.0 to staging at 10% {2}\(run: https:\/\/github\.com\/acme\/models\/actions\/runs\/7\)\n {2}\S+ \S+ {2}[0-9a-f]{7} {2}Deploy Tester {2}deploy churn v1\.0\.0 to staging {2}\(reason: first\)\n/)
})

test('a server that cannot be reached is said to be unreachable, never "not deployed"', async () => {
  const status = await environmentStatus({ root: a.dir, environment: 'staging', server: closedUrl })
  assert.deepEqual(status.server, { url: closedUrl, reachable: false, reason: 'ECONNREFUSED' })
  const text = formatStatus(status)
  assert.match(text, /^ {2}churn +v1\.0\.0 +90%$/m)
  assert.match(text, new RegExp(`Server ${closedUrl.replace(/\./g, '\\.')} could not be reached \\(ECONNREFUSED\\): what it serves is unknown\\. The table is what git says staging should serve\\.`))
  assert.doesNotMatch(text, /not deployed/i)
})

test('the CLI: desired state only without a server, exit 1 when the server is unreachable, usage errors', async () => {
  const run = async (...args: string[]) => {
    let out = ''
    let err = ''
    const code = await runCli(['status', ...args], { out: (t) => (out += t), err: (t) => (err += t), cwd: a.dir })
    return { code, out, err }
  }
  const plain = await run('--environment', 'staging')
  assert.equal(plain.code, 0, plain.err)
  assert.match(plain.out, /No server given \(--server URL or MODELSHIP_SERVER_URL\): the desired state only, not what serves\./)
  const down = await run('--environment', 'staging', '--server', closedUrl)
  assert.equal(down.code, 1)
  assert.match(down.out, /could not be reached \(ECONNREFUSED\)/)
  const json = await run('--environment', 'production', '--json')
  assert.equal(json.code, 0)
  assert.deepEqual(JSON.parse(json.out).desired.state, { name: 'production', models: [] })
  const bad = await run('--environment', 'staging', '--server', 'localhost:8080')
  assert.equal(bad.code, 2)
  assert.match(bad.err, /--server 'localhost:8080' is not an http\(s\) URL/)
  const outside = await runCli(['status', '--environment', 'staging', '--path', tmpdir()], { out: () => {}, err: (t) => (bad.err = t), cwd: a.dir })
  assert.equal(outside, 1)
  assert.match(bad.err, /is not a git repository; the desired state and its history live in git: run from a clone/)
  const missing = await run()
  assert.equal(missing.code, 2)
  assert.match(missing.err, /missing --environment/)
})

test('a reconciling server is read from GET /v2/deploy/status: phase, rollout, role, health, error rate, p99 and recent failures', async () => {
  const report = {
    environment: 'staging',
    repository: '/srv/models',
    branch: 'main',
    desiredCommit: 'abcdef0123456789abcdef0123456789abcdef01',
    phase: 'canary',
    lastError: null,
    models: [
      {
        model: 'churn',
        desired: [{ model: 'churn', version: 'v1.0.0', share: 90 }, { model: 'churn', version: 'v1.1.0', share: 10 }],
        versions: [
          { version: 'v1.0.0', share: 90, role: 'serving', health: 'ready', requests: 200, errorRate: 0.005, p99Ms: 12.4 },
          { version: 'v1.1.0', share: 10, role: 'canary', health: 'ready', requests: 20, errorRate: 0, p99Ms: 30.2 },
          { version: 'v0.9.0', share: 0, role: 'standby', health: 'ready', requests: 0, errorRate: 0, p99Ms: null },
        ],
        rollout: { version: 'v1.1.0', phase: 'canary', share: 10, attempt: 1 },
        failures: [{ version: 'v1.2.0', reason: 'canary at 10% breached: error rate 50% over 10 requests', at: '2026-12-02T01:02:03.000Z' }],
      },
    ],
  }
  const asked: string[] = []
  const reconciling = createServer((req, res) => {
    asked.push(req.url!)
    res.writeHead(req.url === '/v2/health/live' || req.url === '/v2/deploy/status' ? 200 : 404, { 'content-type': 'application/json' })
    res.end(req.url === '/v2/deploy/status' ? JSON.stringify(report) : '{"live":true}')
  })
  await new Promise<void>((resolve) => reconciling.listen(0, '127.0.0.1', resolve))
  const reconcilingUrl = `http://127.0.0.1:${(reconciling.address() as AddressInfo).port}`
  try {
    const status = await environmentStatus({ root: a.dir, environment: 'staging', server: reconcilingUrl })
    // One route says it all: neither the model routes nor /metrics are asked.
    assert.deepEqual(asked, ['/v2/health/live', '/v2/deploy/status'])
    const lines = formatStatus(status).split('\n')
    assert.match(lines[2]!, /^ {2}churn +v1\.0\.0 +90% +yes +90% +yes +200 +0\.5% +12 ms$/)
    assert.match(lines[3]!, /^ {2}churn +v1\.1\.0 +10% +yes +10% canary +yes +20 +0% +30 ms$/)
    assert.match(lines[4]!, /^ {2}churn +v0\.9\.0 +- +yes +0% standby +yes +0 +- +-$/)
    const text = lines.join('\n')
    assert.match(text, /\n {2}reconciler: canary; desired state read at abcdef0\n {2}rollout: churn v1\.1\.0 canary at 10% \(attempt 1\)\n {2}recent failures:\n {4}2026-12-02 01:02:03 {2}churn v1\.2\.0: canary at 10% breached: error rate 50% over 10 requests\n/)

    // A server following another environment is said, not taken for this one.
    report.environment = 'production'
    report.lastError = 'churn: could not get churn@v1.1.0 from the registry' as never
    const other = formatStatus(await environmentStatus({ root: a.dir, environment: 'staging', server: reconcilingUrl }))
    assert.match(other, /\n {2}reconciler: canary; desired state read at abcdef0; it follows environment production, not staging\n/)
    assert.match(other, /\n {2}last problem: churn: could not get churn@v1\.1\.0 from the registry\n/)
  } finally {
    await new Promise((resolve) => reconciling.close(resolve))
  }
})

test('a server without /v2/deploy/status, or one answering another shape there, is read from its model routes and /metrics', async () => {
  const status = await environmentStatus({ root: a.dir, environment: 'staging', server: url })
  assert.ok(status.server?.reachable && status.server.reconciler === undefined)
  const odd = createServer((req, res) => {
    if (req.url === '/v2/deploy/status') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end('{"something":"else"}')
    }
    res.writeHead(req.url === '/v2/health/live' ? 200 : 404, { 'content-type': 'application/json' })
    res.end('{}')
  })
  await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve))
  try {
    const read = await environmentStatus({ root: a.dir, environment: 'staging', server: `http://127.0.0.1:${(odd.address() as AddressInfo).port}` })
    assert.ok(read.server?.reachable)
    assert.equal(read.server.reconciler, undefined)
    assert.match(read.server.metricsProblem ?? '', /^GET \/metrics answered 404$/)
  } finally {
    await new Promise((resolve) => odd.close(resolve))
  }
})
