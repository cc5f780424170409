import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Batcher, type RunTiming } from '../../src/serve/index.js'
import type { DecodedTensor } from '../../src/serve/datatypes.js'

const tensor = (values: number[]): Record<string, DecodedTensor> => ({ x: { type: 'float32', dims: [values.length, 1], data: new Float32Array(values) } })

describe('Batcher with busy sessions', () => {
  it('keeps gathering while every session is busy, so batches grow with the load, and times the wait as queue', async () => {
    const calls: number[] = []
    let release!: () => void
    let started!: () => void
    const firstRunning = new Promise<void>((resolve) => (started = resolve))
    let gate = true
    const batcher = new Batcher(
      async (feeds) => {
        calls.push(feeds.x!.dims[0]!)
        if (gate) {
          gate = false
          started()
          await new Promise<void>((resolve) => (release = resolve))
        }
        return { y: { type: 'float32', dims: feeds.x!.dims, data: feeds.x!.data } as never }
      },
      { maxBatchSize: 64, maxQueueDelayMicros: 0 },
      1,
    )
    const first = batcher.run(tensor([1]), ['y'])
    await firstRunning
    // The one session is busy: these wait, across several event-loop turns, and go as one batch.
    const timings: RunTiming[] = []
    const later: Array<Promise<unknown>> = []
    for (let turn = 0; turn < 3; turn++) {
      const timing = { queueSeconds: 0, computeSeconds: 0, batchRows: 0 }
      timings.push(timing)
      later.push(batcher.run(tensor([10 + turn, 20 + turn]), ['y'], timing))
      await new Promise((resolve) => setImmediate(resolve))
    }
    assert.deepEqual(calls, [1])
    release()
    const results = await Promise.all([first, ...later])
    assert.deepEqual(calls, [1, 6])
    assert.deepEqual(results.map((r) => [...((r as { y: { data: Float32Array } }).y.data)]), [[1], [10, 20], [11, 21], [12, 22]])
    for (const t of timings) {
      assert.equal(t.batchRows, 6)
      assert.ok(t.queueSeconds > 0, 'waited for the busy session')
    }
  })

  it('runs a full batch at once when a session is free, and the rest when the delay passes', async () => {
    const calls: number[] = []
    const batcher = new Batcher(async (feeds) => {
      calls.push(feeds.x!.dims[0]!)
      return { y: { type: 'float32', dims: feeds.x!.dims, data: feeds.x!.data } as never }
    }, { maxBatchSize: 4, maxQueueDelayMicros: 0 }, 2)
    await Promise.all([batcher.run(tensor([1, 2, 3]), ['y']), batcher.run(tensor([4, 5]), ['y']), batcher.run(tensor([6]), ['y'])])
    // [1,2,3] cannot take [4,5] (5 rows > 4): it runs; [4,5] and [6] gather into the next.
    assert.deepEqual(calls, [3, 3])
  })
})
