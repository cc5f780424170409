import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { UsageError } from '../../src/errors.js'
import { Batcher, readTokens } from '../../src/serve/index.js'
import type { DecodedTensor } from '../../src/serve/datatypes.js'

describe('tokens', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelship-tokens-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads several tokens from a file and the environment, comments ignored', async () => {
    const file = join(dir, 'tokens')
    await writeFile(file, '# rotated 2026-12\nfile-token-aaaaaaaaaaaa\n\nfile-token-bbbbbbbbbbbb\n')
    const tokens = await readTokens('T', file, { T: 'env-token-cccccccccccc' })
    assert.equal(tokens.size, 3)
    for (const t of ['file-token-aaaaaaaaaaaa', 'file-token-bbbbbbbbbbbb', 'env-token-cccccccccccc']) assert.ok(tokens.accepts(`Bearer ${t}`))
    assert.equal(tokens.accepts('Bearer file-token-aaaaaaaaaaa'), false)
    assert.equal(tokens.accepts('file-token-aaaaaaaaaaaa'), false)
    assert.equal(tokens.accepts(undefined), false)
  })

  it('says it could not read a token file, and refuses short tokens without showing them', async () => {
    await assert.rejects(readTokens('T', join(dir, 'missing'), {}), (error: unknown) => error instanceof UsageError && /could not read the token file .*missing \(ENOENT\)/.test(error.message))
    await assert.rejects(readTokens('T', undefined, { T: 'short' }), (error: unknown) => error instanceof UsageError && !error.message.includes('short,') && /shorter than 16 characters/.test(error.message))
  })
})

describe('Batcher', () => {
  const tensor = (values: number[]): Record<string, DecodedTensor> => ({ x: { type: 'float32', dims: [values.length, 1], data: new Float32Array(values) } })

  it('gathers requests of one turn into one run and gives each its own rows', async () => {
    const calls: number[] = []
    const batcher = new Batcher(
      async (feeds) => {
        const x = feeds.x!
        calls.push(x.dims[0]!)
        const doubled = Float32Array.from(x.data as Float32Array, (v) => v * 2)
        return { y: { type: 'float32', dims: [x.dims[0]!, 1], data: doubled } as never }
      },
      { maxBatchSize: 64, maxQueueDelayMicros: 0 },
    )
    const results = await Promise.all([batcher.run(tensor([1]), ['y']), batcher.run(tensor([2, 3]), ['y']), batcher.run(tensor([4]), ['y'])])
    assert.deepEqual(calls, [4])
    assert.deepEqual(results.map((r) => [...(r.y!.data as Float32Array)]), [[2], [4, 6], [8]])
  })

  it('flushes at the max batch size and runs each request alone when the batch fails', async () => {
    const calls: number[] = []
    const batcher = new Batcher(
      async (feeds) => {
        const x = feeds.x!
        calls.push(x.dims[0]!)
        if ((x.data as Float32Array).includes(-1)) throw new Error('bad row')
        return { y: { type: 'float32', dims: x.dims, data: x.data } as never }
      },
      { maxBatchSize: 2, maxQueueDelayMicros: 0 },
    )
    const results = await Promise.allSettled([batcher.run(tensor([1]), ['y']), batcher.run(tensor([-1]), ['y']), batcher.run(tensor([5]), ['y'])])
    assert.equal(results[0]!.status, 'fulfilled')
    assert.equal(results[1]!.status, 'rejected')
    assert.equal(results[2]!.status, 'fulfilled')
    // [1,-1] as a batch of 2 (failed), then each alone, and [5] in its own turn.
    assert.deepEqual([...calls].sort(), [1, 1, 1, 2])
  })
})
