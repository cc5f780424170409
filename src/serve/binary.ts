/**
 * The binary tensor data extension as Triton defines it: a body of `Inference-Header-Content-Length`
 * bytes of JSON, then the raw little-endian data of each input whose parameters give
 * `binary_data_size`, in the order the inputs are listed (BYTES elements as a 4-byte length then the
 * bytes). Outputs go back the same way when the request asks (`binary_data_output`, or an output's
 * `binary_data`). Every size is checked against the bytes there are before anything is read.
 */
import type ort from 'onnxruntime-node'
import type { TensorElementType } from '../onnx/model.js'
import { preview, type DecodedTensor, type TensorData } from './datatypes.js'
import { RequestError } from './errors.js'
import type { RunOutputs } from './model-store.js'

const V2_TO_ORT: Record<string, TensorElementType> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
}

const WIDTH: Partial<Record<TensorElementType, number>> = { bool: 1, uint8: 1, int8: 1, uint16: 2, int16: 2, float16: 2, uint32: 4, int32: 4, float32: 4, uint64: 8, int64: 8, float64: 8 }

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Splits a binary-extension body into its JSON header and the inputs given as binary (dims are set later, from the header's shape). */
export function decodeBinaryRequest(raw: Buffer, headerLengthText: string): { header: unknown; inputs: Map<string, DecodedTensor> } {
  const headerLength = Number(headerLengthText)
  if (!/^\d+$/.test(headerLengthText) || headerLength > raw.length) {
    throw new RequestError(400, `Inference-Header-Content-Length ${preview(headerLengthText)} is not a byte count within the ${raw.length}-byte body`)
  }
  let header: unknown
  try {
    header = JSON.parse(raw.subarray(0, headerLength).toString('utf8'))
  } catch (error) {
    throw new RequestError(400, `the first ${headerLength} bytes (Inference-Header-Content-Length) are not valid JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  const inputs = new Map<string, DecodedTensor>()
  let offset = headerLength
  const list = isObject(header) && Array.isArray(header.inputs) ? header.inputs : []
  for (const input of list) {
    if (!isObject(input) || !isObject(input.parameters) || input.parameters.binary_data_size === undefined) continue
    const name = typeof input.name === 'string' ? input.name : '?'
    const size = input.parameters.binary_data_size
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new RequestError(400, `input '${name}': binary_data_size ${preview(size)} is not a byte count`)
    if (offset + size > raw.length) throw new RequestError(400, `input '${name}': binary_data_size ${size} runs past the body (${raw.length - offset} bytes left)`)
    const type = V2_TO_ORT[String(input.datatype)]
    if (!type) throw new RequestError(400, `input '${name}': datatype ${preview(input.datatype)} is not a V2 datatype`)
    inputs.set(name, { type, dims: [], data: readTensor(raw.subarray(offset, offset + size), type, name) })
    offset += size
  }
  if (offset !== raw.length) throw new RequestError(400, `the body has ${raw.length - offset} bytes after the binary inputs it declares; check each binary_data_size`)
  return { header, inputs }
}

function readTensor(bytes: Buffer, type: TensorElementType, name: string): TensorData {
  if (type === 'string') {
    const out: string[] = []
    let at = 0
    while (at < bytes.length) {
      if (at + 4 > bytes.length) throw new RequestError(400, `input '${name}': BYTES element ${out.length} has a cut-off 4-byte length`)
      const length = bytes.readUInt32LE(at)
      at += 4
      if (at + length > bytes.length) throw new RequestError(400, `input '${name}': BYTES element ${out.length} claims ${length} bytes but ${bytes.length - at} are left`)
      out.push(bytes.toString('utf8', at, at + length))
      at += length
    }
    return out
  }
  const width = WIDTH[type]!
  if (bytes.length % width !== 0) throw new RequestError(400, `input '${name}': ${bytes.length} bytes is not a whole number of ${width}-byte elements`)
  // Copy into an aligned buffer: the body's offset need not be a multiple of the element width.
  const copy = new Uint8Array(bytes)
  const n = bytes.length / width
  switch (type) {
    case 'bool':
      return Array.from(copy, (b) => b !== 0)
    case 'uint8':
      return copy
    case 'int8':
      return new Int8Array(copy.buffer, 0, n)
    case 'uint16':
    case 'float16':
      return new Uint16Array(copy.buffer, 0, n)
    case 'int16':
      return new Int16Array(copy.buffer, 0, n)
    case 'uint32':
      return new Uint32Array(copy.buffer, 0, n)
    case 'int32':
      return new Int32Array(copy.buffer, 0, n)
    case 'float32':
      return new Float32Array(copy.buffer, 0, n)
    case 'uint64':
      return new BigUint64Array(copy.buffer, 0, n)
    case 'int64':
      return new BigInt64Array(copy.buffer, 0, n)
    default:
      return new Float64Array(copy.buffer, 0, n)
  }
}

/** Output names the request wants as binary. */
export function wantsBinaryOutput(body: unknown, fetches: readonly string[]): Set<string> {
  const all = isObject(body) && isObject(body.parameters) && body.parameters.binary_data_output === true
  const wanted = new Set<string>(all ? fetches : [])
  const outputs = isObject(body) && Array.isArray(body.outputs) ? body.outputs : []
  for (const o of outputs) {
    if (isObject(o) && typeof o.name === 'string' && isObject(o.parameters)) {
      if (o.parameters.binary_data === true) wanted.add(o.name)
      else if (o.parameters.binary_data === false) wanted.delete(o.name)
    }
  }
  return wanted
}

/** The response as JSON header plus binary data of the `binary` outputs. */
export function encodeBinaryResponse(response: Record<string, unknown>, outputs: RunOutputs, binary: ReadonlySet<string>): { body: Buffer; headerLength: number } {
  const parts: Buffer[] = []
  const list = (response.outputs as Array<Record<string, unknown>>).map((o) => {
    const name = o.name as string
    if (!binary.has(name)) return o
    const bytes = tensorBytes(outputs[name]!)
    parts.push(bytes)
    const { data: _data, ...rest } = o
    return { ...rest, parameters: { binary_data_size: bytes.length } }
  })
  const header = Buffer.from(JSON.stringify({ ...response, outputs: list }))
  return { body: Buffer.concat([header, ...parts]), headerLength: header.length }
}

function tensorBytes(tensor: ort.Tensor): Buffer {
  const data = tensor.data as unknown
  if (Array.isArray(data)) {
    if (tensor.type === 'bool') return Buffer.from((data as boolean[]).map((b) => (b ? 1 : 0)))
    const pieces: Buffer[] = []
    for (const s of data as string[]) {
      const text = Buffer.from(String(s), 'utf8')
      const length = Buffer.alloc(4)
      length.writeUInt32LE(text.length)
      pieces.push(length, text)
    }
    return Buffer.concat(pieces)
  }
  const view = data as ArrayBufferView
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength)
}
