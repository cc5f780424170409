import assert from 'node:assert/strict'
import fc from 'fast-check'
import { after, before, describe, it } from 'node:test'
import { decodeBinaryRequest } from '../../src/serve/binary.js'
import { RequestError } from '../../src/serve/errors.js'
import { ModelStore, type LoadedVersion } from '../../src/serve/index.js'
import { decodeV2Request } from '../../src/serve/v2.js'

const DATATYPES = ['BOOL', 'UINT8', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES', 'NOPE']

/** A decoder call either succeeds or fails with a 4xx RequestError that says something. */
function decodesOrRefuses(call: () => unknown): void {
  try {
    call()
  } catch (error) {
    assert.ok(error instanceof RequestError, `not a RequestError: ${String(error)}`)
    assert.ok(error.status >= 400 && error.status < 500)
    assert.ok(error.message.length > 0)
  }
}

describe('request decoder properties', () => {
  let store: ModelStore
  let version: LoadedVersion
  before(async () => {
    store = new ModelStore({ intraOpThreads: 1, sessions: 1 })
    version = await store.load('churn', '1', 'test/fixtures/onnx/churn-classifier.onnx')
  })
  after(async () => {
    await store.close()
  })

  it('answers random V2 bodies (shapes, datatypes, values) with a result or a 4xx', () => {
    const input = fc.record({
      name: fc.constantFrom('tenure', 'monthly_charges', 'contract', 'support_calls', 'other'),
      datatype: fc.constantFrom(...DATATYPES),
      shape: fc.array(fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constant('x')), { maxLength: 3 }),
      data: fc.array(fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer())), { maxLength: 8 }),
    })
    fc.assert(fc.property(fc.oneof(fc.record({ inputs: fc.array(input, { maxLength: 5 }) }), fc.anything()), (body) => decodesOrRefuses(() => decodeV2Request(body, version))))
  })

  it('answers binary bodies that lie about their sizes with a 4xx', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: -4, max: 200 }), fc.constantFrom(...DATATYPES), fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 4 }), (payload, size, datatype, junk, lengthText) => {
        const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'tenure', datatype, shape: [1, 1], parameters: { binary_data_size: size } }] }))
        const raw = Buffer.concat([header, Buffer.from(payload)])
        decodesOrRefuses(() => decodeBinaryRequest(raw, String(header.length)))
        decodesOrRefuses(() => decodeBinaryRequest(Buffer.from(junk), lengthText))
        decodesOrRefuses(() => decodeBinaryRequest(raw.subarray(0, Math.max(0, raw.length - 3)), String(header.length)))
      }),
    )
  })
})
