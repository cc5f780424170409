// The bundled train action against a local double of the GitHub Actions cache service (the v1
// artifactcache REST protocol @actions/cache speaks when ACTIONS_CACHE_URL is set): the first job
// trains and saves its outputs there, a second job on a fresh checkout restores them and trains nothing.
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { REPO_ROOT, runAction } from '../support/run-action.js'

const TRAIN_REPO = resolve(REPO_ROOT, 'test/fixtures/train-repo')
const TOKEN = 'runtime-token-for-the-cache-double'

interface CacheRequest {
  method: string
  path: string
  authorized: boolean
}

/**
 * The cache service, as far as @actions/cache v1 uses it: look up an entry by key and version,
 * reserve one, upload its archive in ranged chunks, commit it, and download it again.
 */
class CacheServiceDouble {
  readonly requests: CacheRequest[] = []
  readonly entries = new Map<string, { key: string; version: string; archive: Buffer }>()
  private readonly reserved = new Map<number, { key: string; version: string; chunks: { start: number; bytes: Buffer }[] }>()
  private nextId = 1
  private server: Server | undefined
  url = ''

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: error.message }))
      })
    })
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => this.server?.close(() => done()) ?? done())
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url)
    const body = await readBody(request)
    const authorized = request.headers.authorization === `Bearer ${TOKEN}`
    this.requests.push({ method: request.method ?? '', path: url.pathname, authorized })
    const json = (status: number, value?: unknown): void => {
      if (value === undefined) response.writeHead(status).end()
      else response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value))
    }
    const archive = /^\/archives\/(\d+)$/.exec(url.pathname)
    if (request.method === 'GET' && archive) {
      const entry = [...this.entries.values()].find((_, index) => index + 1 === Number(archive[1]))
      if (!entry) return json(404, { message: 'no such archive' })
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.archive.length }).end(entry.archive)
      return
    }
    if (!authorized) return json(401, { message: 'bad token' })
    if (request.method === 'GET' && url.pathname === '/_apis/artifactcache/cache') {
      const version = url.searchParams.get('version') ?? ''
      for (const key of (url.searchParams.get('keys') ?? '').split(',')) {
        const index = [...this.entries.keys()].indexOf(`${key}|${version}`)
        if (index >= 0) return json(200, { cacheKey: key, scope: 'refs/heads/main', archiveLocation: `${this.url}archives/${index + 1}` })
      }
      return json(204)
    }
    if (request.method === 'POST' && url.pathname === '/_apis/artifactcache/caches') {
      const { key, version } = JSON.parse(body.toString('utf8')) as { key: string; version: string }
      if (this.entries.has(`${key}|${version}`)) return json(409, { message: `cache entry ${key} already exists` })
      const cacheId = this.nextId++
      this.reserved.set(cacheId, { key, version, chunks: [] })
      return json(201, { cacheId })
    }
    const cache = /^\/_apis\/artifactcache\/caches\/(\d+)$/.exec(url.pathname)
    const reservation = cache ? this.reserved.get(Number(cache[1])) : undefined
    if (cache && !reservation) return json(404, { message: 'no such reservation' })
    if (request.method === 'PATCH' && reservation) {
      const range = /^bytes (\d+)-(\d+)\/\*$/.exec(request.headers['content-range'] ?? '')
      if (!range || Number(range[2]) - Number(range[1]) + 1 !== body.length) return json(400, { message: 'bad content-range' })
      reservation.chunks.push({ start: Number(range[1]), bytes: body })
      return json(204)
    }
    if (request.method === 'POST' && reservation) {
      const { size } = JSON.parse(body.toString('utf8')) as { size: number }
      const archive = Buffer.concat(reservation.chunks.sort((a, b) => a.start - b.start).map((chunk) => chunk.bytes))
      if (archive.length !== size) return json(400, { message: `uploaded ${archive.length} bytes, commit says ${size}` })
      this.entries.set(`${reservation.key}|${reservation.version}`, { key: reservation.key, version: reservation.version, archive })
      this.reserved.delete(Number(cache![1]))
      return json(204)
    }
    json(404, { message: `no route ${request.method} ${url.pathname}` })
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => done(Buffer.concat(chunks)))
    request.on('error', fail)
  })
}

describe('train action with the GitHub Actions cache', () => {
  const service = new CacheServiceDouble()
  const scratch = mkdtempSync(join(tmpdir(), 'modelship-train-cache-'))
  const count = join(scratch, 'trainings')
  before(() => service.start())
  after(async () => {
    await service.stop()
    rmSync(scratch, { recursive: true, force: true })
  })

  async function job(name: string) {
    const workspace = join(scratch, name)
    cpSync(TRAIN_REPO, workspace, { recursive: true })
    const result = await runAction({
      action: 'train',
      workspace,
      inputs: { model: 'churn' },
      env: { ACTIONS_CACHE_URL: service.url, ACTIONS_RUNTIME_TOKEN: TOKEN, TRAIN_FIXTURE_COUNT: count },
    })
    assert.equal(result.exitCode, 0, result.stdout + result.stderr)
    const record = JSON.parse(readFileSync(join(workspace, '.modelship/outputs/churn/run.json'), 'utf8'))
    return { workspace, result, record }
  }

  test('the first job misses, trains and saves the outputs under the run key, through the service only', async () => {
    const { workspace, result, record } = await job('first')
    assert.ok(result.log.includes('Cache: the GitHub Actions cache'), result.stdout)
    assert.match(result.stdout, /::group::Look for churn in the GitHub Actions cache\n(?:::debug::.*\n)*Cache miss: /)
    assert.ok(result.log.includes(`Saved the outputs to the Actions cache under ${record.cache.key}`), result.stdout)
    assert.equal(result.outputs['cache-hit'], 'false')
    assert.deepEqual(
      service.requests.map((r) => `${r.method} ${r.path.replace(/\d+$/, 'N')}`),
      [
        'GET /_apis/artifactcache/cache',
        'POST /_apis/artifactcache/caches',
        'PATCH /_apis/artifactcache/caches/N',
        'POST /_apis/artifactcache/caches/N',
      ],
    )
    assert.ok(service.requests.every((r) => r.authorized))
    assert.deepEqual([...service.entries.values()].map((entry) => entry.key), [record.cache.key])
    // Nothing went to the local folder cache, and the staging folder is gone.
    assert.ok(!existsSync(join(workspace, '.modelship/cache')))
    const staging = join(workspace, '.modelship/actions-cache')
    assert.ok(!existsSync(staging) || readdirSync(staging).length === 0)
    assert.equal(readFileSync(count, 'utf8'), 'churn\n')
  })

  test('a second job on a fresh checkout restores the same outputs and trains nothing', async () => {
    const { workspace, result, record } = await job('second')
    assert.equal(result.outputs['cache-hit'], 'true')
    assert.equal(result.outputs.attempts, '0')
    assert.ok(result.log.includes(`Cache hit: ${record.cache.key}; training is skipped`), result.stdout)
    assert.equal(record.cache.hit, true)
    assert.deepEqual(readFileSync(join(workspace, '.modelship/outputs/churn/model.onnx')), readFileSync(join(TRAIN_REPO, 'trainer/churn.onnx')))
    assert.equal(readFileSync(count, 'utf8'), 'churn\n')
    assert.deepEqual(
      service.requests.slice(4).map((r) => `${r.method} ${r.path.replace(/\d+$/, 'N')}`),
      ['GET /_apis/artifactcache/cache', 'GET /archives/N'],
    )
    assert.match(result.summary, /\| Cache \| hit: modelship-train-churn-[0-9a-f]{64} \(trained by run \S+\) \|\n/)
  })

  test('a cache service that fails is a warning and a miss: the job trains and succeeds', async () => {
    const workspace = join(scratch, 'broken-service')
    cpSync(TRAIN_REPO, workspace, { recursive: true })
    const result = await runAction({
      action: 'train',
      workspace,
      inputs: { model: 'churn' },
      env: { ACTIONS_CACHE_URL: service.url, ACTIONS_RUNTIME_TOKEN: 'a-token-the-service-refuses', TRAIN_FIXTURE_COUNT: count },
    })
    assert.equal(result.exitCode, 0, result.stdout + result.stderr)
    assert.equal(result.outputs['cache-hit'], 'false')
    assert.equal(readFileSync(count, 'utf8'), 'churn\nchurn\n')
    assert.ok(result.annotations.some((a) => a.level === 'warning'), result.stdout)
  })
})
