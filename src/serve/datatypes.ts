/**
 * The Open Inference Protocol's tensor datatypes and how each maps to an onnxruntime element type and
 * a typed array. Decoding checks every element, so a bad value is a 400 naming the input, never a
 * crash or a silent cast inside onnxruntime.
 */
import type { TensorElementType } from '../onnx/model.js'
import { RequestError } from './errors.js'

/** A V2 datatype name. */
export type V2Datatype = 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES'

const TO_V2: Partial<Record<TensorElementType, V2Datatype>> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
}

/** The V2 datatype of an onnxruntime element type; undefined for types V2 has none for. */
export function v2Datatype(type: TensorElementType | undefined): V2Datatype | undefined {
  return type === undefined ? undefined : TO_V2[type]
}

/** Tensor data as onnxruntime takes it. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[]
  | boolean[]

/** A decoded input tensor, ready for a session. */
export interface DecodedTensor {
  type: TensorElementType
  dims: number[]
  data: TensorData
}

const INT_RANGES: Partial<Record<TensorElementType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
}

/** Options of `fromJsonValues`. */
export interface DecodeOptions {
  /** Whether NaN and ±Infinity may reach the model (only from binary data or the MLflow route's 'NaN'); default false. */
  allowNonFinite?: boolean
}

/** Builds a typed array from JSON values of a V2 input, checking each against `type`; `what` names the input in errors. */
export function fromJsonValues(values: readonly unknown[], type: TensorElementType, what: string, options: DecodeOptions = {}): TensorData {
  const n = values.length
  const bad = (i: number, expected: string): never => {
    throw new RequestError(400, `${what}: element ${i} is ${preview(values[i])}; expected ${expected}`)
  }
  switch (type) {
    case 'string': {
      const out = new Array<string>(n)
      for (let i = 0; i < n; i++) {
        const v = values[i]
        if (typeof v !== 'string') bad(i, 'a string (BYTES)')
        out[i] = v as string
      }
      return out
    }
    case 'bool': {
      const out = new Array<boolean>(n)
      for (let i = 0; i < n; i++) {
        const v = values[i]
        if (typeof v !== 'boolean') bad(i, 'true or false (BOOL)')
        out[i] = v as boolean
      }
      return out
    }
    case 'float16':
    case 'float32':
    case 'float64': {
      const out = type === 'float64' ? new Float64Array(n) : type === 'float32' ? new Float32Array(n) : new Uint16Array(n)
      for (let i = 0; i < n; i++) {
        const v = toNumber(values[i])
        if (v === undefined) bad(i, `a number (${TO_V2[type]})`)
        if (!Number.isFinite(v) && !options.allowNonFinite) bad(i, `a finite number (${TO_V2[type]}); this model is served without NaN or Infinity`)
        out[i] = type === 'float16' ? toHalf(v as number) : (v as number)
      }
      return out
    }
    default: {
      const range = INT_RANGES[type]
      if (!range) throw new RequestError(400, `${what}: the model's element type ${type} cannot be fed over V2`)
      const [lo, hi] = range
      const big = type === 'int64' || type === 'uint64'
      const out = big ? (type === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n)) : newIntArray(type, n)
      for (let i = 0; i < n; i++) {
        const v = values[i]
        if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) bad(i, `an integer from ${lo} to ${hi} (${TO_V2[type]})`)
        if (big) (out as BigInt64Array)[i] = BigInt(v as number)
        else (out as Int32Array)[i] = v as number
      }
      return out
    }
  }
}

function newIntArray(type: TensorElementType, n: number): Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array {
  switch (type) {
    case 'int8':
      return new Int8Array(n)
    case 'uint8':
      return new Uint8Array(n)
    case 'int16':
      return new Int16Array(n)
    case 'uint16':
      return new Uint16Array(n)
    case 'int32':
      return new Int32Array(n)
    default:
      return new Uint32Array(n)
  }
}

// JSON has no NaN; MLflow clients send pandas' missing values as the strings 'NaN' / null.
function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v
  if (v === 'NaN' || v === null) return Number.NaN
  if (v === 'Infinity') return Number.POSITIVE_INFINITY
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY
  return undefined
}

/** A short, safe rendering of a bad value for an error message (never the whole body). */
export function preview(v: unknown): string {
  if (v === undefined) return 'missing'
  const text = JSON.stringify(v) ?? String(v)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** IEEE 754 half-precision bits of `value`, rounded to nearest even (what numpy's astype(float16) gives). */
export function toHalf(value: number): number {
  f32[0] = value
  const x = u32[0]!
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0)
  let e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    let half = mant >>> shift
    const rest = mant & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    if (rest > mid || (rest === mid && half & 1)) half++
    return sign | half
  }
  let half = (e << 10) | (mant >>> 13)
  const rest = mant & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++
  return sign | half
}

/** The number half-precision bits `bits` stand for. */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exp = (bits >>> 10) & 0x1f
  const mant = bits & 0x3ff
  if (exp === 0) return sign * mant * 2 ** -24
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * (1 + mant / 1024) * 2 ** (exp - 15)
}

/** JSON-ready values of an output tensor's data: bigints as numbers, FP16 bits as numbers, NaN as null. */
export function toJsonValues(type: TensorElementType, data: unknown): unknown[] {
  if (Array.isArray(data)) return data
  if (type === 'float16') return Array.from(data as Uint16Array, fromHalf)
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number)
  if (type === 'bool') return Array.from(data as Uint8Array, (v) => v !== 0)
  return Array.from(data as ArrayLike<number>)
}
