import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ModelStore, startServer, TokenSet, type LoadedVersion } from '../../src/serve/index.js'

const MATRIX = 'test/fixtures/onnx/linear-regression.onnx'
const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] })

/** Makes a version's runs wait until `release()`; `started` resolves when the first run begins. */
function gate(version: LoadedVersion) {
  const real = version.run.bind(version)
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  let begin!: () => void
  const started = new Promise<void>((resolve) => (begin = resolve))
  version.run = async (feeds, fetches) => {
    begin()
    await opened
    return real(feeds, fetches)
  }
  return { started, release: open }
}

describe('serve admission: 429, 408, drain', () => {
  let store: ModelStore
  before(() => {
    store = new ModelStore({ intraOpThreads: 1, sessions: 1 })
  })
  after(async () => {
    await store.close()
  })

  it('answers 429 with Retry-After past the in-flight limit, and 408 past the request timeout', async () => {
    const version = await store.load('linear', '1', MATRIX)
    const { started, release } = gate(version)
    const server = await startServer({ store, port: 0, inferenceTokens: new TokenSet([]), adminTokens: new TokenSet([]), maxInFlight: 1, requestTimeoutMs: 200 })
    try {
      const first = fetch(`${server.url}/v2/models/linear/infer`, { method: 'POST', body })
      await started
      const second = await fetch(`${server.url}/v2/models/linear/infer`, { method: 'POST', body })
      assert.equal(second.status, 429)
      assert.equal(second.headers.get('retry-after'), '1')
      // The first never finishes while gated, so it must time out.
      const timedOut = await first
      assert.equal(timedOut.status, 408)
      assert.match(((await timedOut.json()) as { error: string }).error, /longer than 200 ms/)
    } finally {
      release()
      await server.drain()
      await store.unload('linear')
    }
  })

  it('drains: finishes what is in flight, then closes', async () => {
    const version = await store.load('linear', '1', MATRIX)
    const { started, release } = gate(version)
    const server = await startServer({ store, port: 0, inferenceTokens: new TokenSet([]), adminTokens: new TokenSet([]) })
    const inFlight = fetch(`${server.url}/v2/models/linear/infer`, { method: 'POST', body })
    await started
    let drained = false
    const draining = server.drain().then(() => (drained = true))
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(drained, false)
    release()
    assert.equal((await inFlight).status, 200)
    await draining
    await assert.rejects(fetch(`${server.url}/v2/health/live`))
    await store.unload('linear')
  })
})
