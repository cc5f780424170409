/**
 * A canary's failures answered by the stable version: the server's retry hook in process (what is
 * retried, what is not, what the observers are told), then a breaching canary under concurrent load
 * through a real `modelship serve --environment` process: no client sees a failure, the canary is
 * still judged and reverted, and git gets the rollback commit. Every wait is for an event or a line.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { ModelStore, startServer as startHttpServer, TokenSet, type RunningServer, type ServeObserver } from '../../src/serve/index.js'
import { cleanUp, GOOD_MODEL, Origin, OTHER_SIGNATURE_MODEL, startServer, type ServerProcess } from './reconciler-fixture.js'

type RequestInfo = Parameters<NonNullable<ServeObserver['request']>>[0]
const BODY = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] })
const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

async function infer(url: string, path: string, id: string, signal?: AbortSignal): Promise<{ status: number; version: string | undefined; retriedFrom: string | null }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: BODY, ...(signal ? { signal } : {}) })
  const body = (await response.json()) as { model_version?: string }
  return { status: response.status, version: body.model_version, retriedFrom: response.headers.get('modelship-retried-from') }
}

describe('the server retries a failed inference where the retry hook says', () => {
  let store: ModelStore
  let server: RunningServer
  const records: RequestInfo[] = []
  const asked: Array<{ model: string; version: string; status: number }> = []
  let target: string | undefined = 'stable'
  let lastSocket: Socket | undefined

  before(async () => {
    store = new ModelStore({ intraOpThreads: 1, sessions: 1 })
    // 'stable' answers GOOD_MODEL's input; 'canary' (another signature) refuses it with 400 and takes all traffic.
    await store.load('lin', 'stable', GOOD_MODEL, { weight: 0 })
    await store.load('lin', 'canary', OTHER_SIGNATURE_MODEL, { weight: 1 })
    store.setWeights('lin', { stable: 0, canary: 1 })
    server = await startHttpServer({
      store,
      port: 0,
      inferenceTokens: new TokenSet([]),
      adminTokens: new TokenSet([]),
      requestTimeoutMs: 1000,
      observer: { request: (info) => void records.push(info) },
      retryTarget: (failed) => {
        asked.push(failed)
        return target
      },
    })
    server.server.on('request', (req: { socket: Socket }) => (lastSocket = req.socket))
  })
  after(async () => {
    await server.drain()
    await store.close()
  })
  const reset = (next: string | undefined) => {
    records.length = 0
    asked.length = 0
    target = next
  }

  it('a request the canary refuses is answered by the stable version; both tries are told', async () => {
    reset('stable')
    assert.deepEqual(await infer(server.url, '/v2/models/lin/infer', 'a'), { status: 200, version: 'stable', retriedFrom: 'canary' })
    assert.deepEqual(asked, [{ model: 'lin', version: 'canary', status: 400 }])
    assert.deepEqual(
      records.map(({ status, version, retriedOn, retryOf }) => ({ status, version, retriedOn, retryOf })),
      [
        { status: 400, version: 'canary', retriedOn: 'stable', retryOf: undefined },
        { status: 200, version: 'stable', retriedOn: undefined, retryOf: 'canary' },
      ],
    )
    assert.equal(records[0]!.route, '/v2/models/{m}/infer')
  })

  it('a request pinned to the canary gets its answer; the hook is not asked', async () => {
    reset('stable')
    assert.deepEqual(await infer(server.url, '/v2/models/lin/versions/canary/infer', 'b'), { status: 400, version: undefined, retriedFrom: null })
    assert.deepEqual(asked, [])
    assert.deepEqual(records.map((r) => [r.status, r.version]), [[400, 'canary']])
  })

  it('no target, or a target that is not loaded, answers the first failure', async () => {
    reset(undefined)
    assert.equal((await infer(server.url, '/v2/models/lin/infer', 'c')).status, 400)
    assert.equal(asked.length, 1)
    reset('v9.9.9')
    const answer = await infer(server.url, '/v2/models/lin/infer', 'd')
    assert.deepEqual(answer, { status: 400, version: undefined, retriedFrom: null })
    assert.deepEqual(records.map((r) => [r.status, r.version, r.retryOf]), [[400, 'canary', undefined]])
  })

  /**
   * Puts all traffic on 'held', a version that accepts the input (it reaches its run) but whose run
   * waits for `release`, then fails with a 500.
   */
  async function holdCanary(): Promise<{ entered: Promise<void>; release: () => void; settled: Promise<void>; restore: () => Promise<void> }> {
    const canary = await store.load('lin', 'held', GOOD_MODEL, { weight: 0 })
    store.setWeights('lin', { stable: 0, canary: 0, held: 1 })
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let settle!: () => void
    const settled = new Promise<void>((resolve) => (settle = resolve))
    let enter!: () => void
    const entered = new Promise<void>((resolve) => (enter = resolve))
    canary.run = async () => {
      enter()
      await gate
      settle()
      throw new Error('the canary broke')
    }
    const restore = async () => {
      store.setWeights('lin', { stable: 0, canary: 1, held: 0 })
      await store.unload('lin', 'held')
    }
    return { entered, release, settled, restore }
  }

  it('a request that timed out is not retried', async () => {
    reset('stable')
    const held = await holdCanary()
    try {
      const quick = await startHttpServer({ store, port: 0, inferenceTokens: new TokenSet([]), adminTokens: new TokenSet([]), requestTimeoutMs: 1, retryTarget: (f) => (asked.push(f), 'stable') })
      try {
        assert.equal((await infer(quick.url, '/v2/models/lin/infer', 'e')).status, 408)
        held.release()
        await held.settled
        // The failed run's handling is done within the turn its rejection settles in.
        await nextTurn()
        assert.deepEqual(asked, [])
      } finally {
        await quick.drain()
      }
    } finally {
      await held.restore()
    }
  })

  it('a request its client cancelled is not retried', async () => {
    reset('stable')
    const held = await holdCanary()
    try {
      const abort = new AbortController()
      const request = infer(server.url, '/v2/models/lin/infer', 'f', abort.signal).catch((error: Error) => error)
      // Once the server holds the request (its run started), cancel it and see the server's socket close.
      await held.entered
      const closed = once(lastSocket!, 'close')
      abort.abort()
      assert.equal(((await request) as Error).name, 'AbortError')
      await closed
      held.release()
      await held.settled
      await nextTurn()
      assert.deepEqual(asked, [])
    } finally {
      await held.restore()
    }
  })
})

describe('a breaching canary under load', () => {
  const servers: ServerProcess[] = []
  after(async () => {
    await Promise.all(servers.map((s) => s.kill()))
    cleanUp()
  })

  it('fails no client request, is still reverted by its refusals, and git gets the rollback commit', { timeout: 180_000 }, async () => {
    const origin = new Origin({ traffic: 50, maxErrorRate: 0.01, duration: '60s' })
    const v1 = await origin.register(GOOD_MODEL)
    origin.deploy([{ model: 'lin', version: v1, share: 100 }])
    const v2 = await origin.register(OTHER_SIGNATURE_MODEL)
    // The test child holds at the canary's start, so a pinned request is sure to meet the canary.
    const server = await startServer(origin.cloneForServer(), { holdAt: `canary ${v2}` })
    servers.push(server)
    await server.waitFor(/reconciler: in sync with .*: lin v0\.0\.1 100%/)
    origin.deploy([{ model: 'lin', version: v2, share: 100 }], 'deploy lin v0.0.2')
    const mark = server.mark
    await server.poke()
    await server.waitFor(/^point canary lin v0\.0\.2$/, mark)

    // Pinned to the canary: the client asked for that version and gets its refusal (it counts too).
    assert.deepEqual(await infer(server.url, `/v2/models/lin/versions/${v2}/infer`, 'pinned'), { status: 400, version: undefined, retriedFrom: null })

    const reverted = server.waitFor(/reconciler: reverted lin v0\.0\.2/, mark)
    let done = false
    void reverted.then(() => (done = true), () => (done = true))
    const tally = { sent: 0, failed: [] as number[], retried: 0, byVersion: {} as Record<string, number> }
    // Eight clients at once, each sending until the reconciler says it reverted.
    const client = async (n: number) => {
      for (let i = 0; !done && i < 2000; i++) {
        const answer = await infer(server.url, '/v2/models/lin/infer', `c${n}-${i}`)
        tally.sent++
        if (answer.status !== 200) tally.failed.push(answer.status)
        else tally.byVersion[answer.version!] = (tally.byVersion[answer.version!] ?? 0) + 1
        if (answer.retriedFrom === v2) tally.retried++
      }
    }
    const clients = Promise.all(Array.from({ length: 8 }, (_, n) => client(n)))
    server.resume()
    await clients
    assert.ok(done, `no revert after ${tally.sent} requests:\n${server.lines.join('\n')}`)
    assert.deepEqual(tally.failed, [])
    // Nine refusals besides the pinned one breach the canary; each was answered by v0.0.1.
    assert.ok(tally.retried >= 9, `retried ${tally.retried}`)
    assert.deepEqual(Object.keys(tally.byVersion), ['v0.0.1'])

    await server.waitFor(/reconciler: committed [0-9a-f]{7}: rollback lin v0\.0\.2 in staging/, mark)
    const head = origin.head()
    assert.equal(head.subject, 'rollback lin v0.0.2 in staging')
    assert.match(head.body, /Reason: canary at 50% breached: error rate 100% over 10 requests \(0 failed, 10 refused\) is above max-error-rate 1%/)
    assert.deepEqual(await infer(server.url, '/v2/models/lin/infer', 'after'), { status: 200, version: 'v0.0.1', retriedFrom: null })
    await server.stop()
  })
})
