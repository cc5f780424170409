import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RequestError } from '../../src/serve/errors.js'
import type { LoadedVersion } from '../../src/serve/index.js'
import { decodeV2Request } from '../../src/serve/v2.js'

// Only what the decoder reads of a loaded version: its signature, name and options.
function version(batching: boolean): LoadedVersion {
  return {
    name: 'pair',
    version: '1',
    batching,
    options: {},
    inputs: [
      { name: 'a', type: 'float32', shape: ['N', 1] },
      { name: 'b', type: 'float32', shape: ['N', 1] },
    ],
    outputs: [{ name: 'y', type: 'float32', shape: ['N', 1] }],
  } as unknown as LoadedVersion
}

const input = (name: string, rows: number) => ({ name, datatype: 'FP32', shape: [rows, 1], data: Array.from({ length: rows }, (_, i) => i) })

describe('V2 decoder per-version signature', () => {
  it('refuses inputs with different first dimensions when the version batches, naming both', () => {
    assert.throws(
      () => decodeV2Request({ inputs: [input('a', 1), input('b', 2)] }, version(true)),
      (e: unknown) => e instanceof RequestError && e.status === 400 && /different first dimensions \(1, 2\)/.test(e.message),
    )
  })

  it('lets different first dimensions through when the version does not batch (the graph decides)', () => {
    const request = decodeV2Request({ inputs: [input('a', 1), input('b', 2)] }, version(false))
    assert.deepEqual(request.feeds.b!.dims, [2, 1])
  })

  it('names a missing input with what it expects', () => {
    assert.throws(
      () => decodeV2Request({ inputs: [input('a', 1)] }, version(true)),
      (e: unknown) => e instanceof RequestError && e.status === 400 && /missing input 'b' \(datatype FP32 and shape \[-1, 1\]\)/.test(e.message),
    )
  })

  it('gives each request its own list of outputs, though the signature is worked out once', () => {
    const v = version(true)
    const first = decodeV2Request({ inputs: [input('a', 1), input('b', 1)] }, v)
    first.fetches.push('changed by a caller')
    const second = decodeV2Request({ inputs: [input('a', 1), input('b', 1)] }, v)
    assert.deepEqual(second.fetches, ['y'])
  })
})
