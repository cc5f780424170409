/**
 * Open Inference Protocol (KServe V2) request decoding and response encoding for one loaded version:
 * every input checked by name, datatype and shape against the ONNX graph, 400s that name the input
 * and what it expects.
 */
import type { TensorInfo } from '../onnx/model.js'
import { fromJsonValues, preview, toJsonValues, v2Datatype, type DecodedTensor } from './datatypes.js'
import { RequestError } from './errors.js'
import type { LoadedVersion, RunOutputs } from './model-store.js'

/** A decoded inference request, ready to run. */
export interface V2Request {
  id?: string
  feeds: Record<string, DecodedTensor>
  /** Output names to return, in order. */
  fetches: string[]
}

/** `[-1, 1]` for a symbolic first dimension, as V2 metadata writes it. */
export function v2Shape(info: TensorInfo): number[] {
  return info.shape.map((d) => (typeof d === 'number' ? d : -1))
}

/** The model metadata response of a version. */
export function modelMetadata(v: LoadedVersion, versions: readonly string[]): unknown {
  const tensor = (i: TensorInfo) => ({ name: i.name, datatype: v2Datatype(i.type) ?? 'UNSUPPORTED', shape: v2Shape(i) })
  const features = v.options.features
  return {
    name: v.name,
    versions,
    platform: 'onnxruntime_onnx',
    inputs: v.inputs.map(tensor),
    outputs: v.outputs.filter((o) => o.type !== undefined).map(tensor),
    // The spec's feature names, in the order the model takes them (the columns of a 2-D input).
    ...(features ? { parameters: { features: [...features] } } : {}),
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Flattens nested JSON arrays row-major (clients may send [[1,2],[3,4]] or [1,2,3,4]). */
function flatten(data: unknown[], out: unknown[] = [], depth = 0): unknown[] {
  if (depth > 32) throw new RequestError(400, 'input data is nested more than 32 levels deep')
  for (const item of data) {
    if (Array.isArray(item)) flatten(item, out, depth + 1)
    else out.push(item)
  }
  return out
}

function expected(info: TensorInfo): string {
  return `datatype ${v2Datatype(info.type)} and shape [${v2Shape(info).join(', ')}]`
}

/** Checks `shape` against the graph's; returns it as numbers. */
export function checkShape(info: TensorInfo, shape: unknown, what: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new RequestError(400, `${what}: shape ${preview(shape)} is not a list of non-negative integers; expected ${expected(info)}`)
  }
  const dims = shape as number[]
  const ok = dims.length === info.shape.length && dims.every((d, i) => typeof info.shape[i] !== 'number' || info.shape[i] === d)
  if (!ok) throw new RequestError(400, `${what}: shape [${dims.join(', ')}] does not fit the model; expected ${expected(info)} (-1: any size)`)
  return dims
}

/** A version's inputs by name and its tensor outputs, worked out once per version rather than per request. */
interface Signature {
  byName: ReadonlyMap<string, TensorInfo>
  tensorOutputs: readonly string[]
}
const signatures = new WeakMap<LoadedVersion, Signature>()

function signatureOf(v: LoadedVersion): Signature {
  let signature = signatures.get(v)
  if (!signature) {
    signature = { byName: new Map(v.inputs.map((i) => [i.name, i])), tensorOutputs: v.outputs.filter((o) => o.type !== undefined).map((o) => o.name) }
    signatures.set(v, signature)
  }
  return signature
}

/** Decodes a V2 infer body (parsed JSON) for version `v`; `binary` holds the inputs the binary extension already decoded. */
export function decodeV2Request(body: unknown, v: LoadedVersion, binary: ReadonlyMap<string, DecodedTensor> = new Map()): V2Request {
  if (!isObject(body)) throw new RequestError(400, 'the request body must be a JSON object with an "inputs" list')
  const { id, inputs, outputs } = body
  if (id !== undefined && typeof id !== 'string') throw new RequestError(400, `"id" must be a string; got ${preview(id)}`)
  if (!Array.isArray(inputs) || inputs.length === 0) throw new RequestError(400, `"inputs" must be a non-empty list; the model takes ${v.inputs.map((i) => `'${i.name}'`).join(', ')}`)
  const { byName, tensorOutputs } = signatureOf(v)
  const feeds: Record<string, DecodedTensor> = {}
  for (const [index, input] of inputs.entries()) {
    if (!isObject(input) || typeof input.name !== 'string') throw new RequestError(400, `inputs[${index}] must be an object with a "name"`)
    const info = byName.get(input.name)
    const what = `input '${input.name}'`
    if (!info) throw new RequestError(400, `${what} is not an input of model '${v.name}'; its inputs: ${v.inputs.map((i) => `'${i.name}'`).join(', ')}`)
    if (feeds[input.name]) throw new RequestError(400, `${what} is given twice`)
    const datatype = v2Datatype(info.type)
    if (input.datatype !== datatype) throw new RequestError(400, `${what}: datatype ${preview(input.datatype)} does not fit the model; expected ${expected(info)}`)
    const dims = checkShape(info, input.shape, what)
    const count = dims.reduce((a, b) => a * b, 1)
    const decoded = binary.get(input.name)
    if (decoded) {
      if (decoded.data.length !== count) throw new RequestError(400, `${what}: binary data holds ${decoded.data.length} elements but shape [${dims.join(', ')}] needs ${count}`)
      if (!v.options.allowNonFinite && (decoded.data instanceof Float32Array || decoded.data instanceof Float64Array)) {
        const at = decoded.data.findIndex((x) => !Number.isFinite(x))
        if (at >= 0) throw new RequestError(400, `${what}: element ${at} is ${decoded.data[at]}; expected a finite number (${datatype}); this model is served without NaN or Infinity`)
      }
      feeds[input.name] = { ...decoded, dims }
      continue
    }
    if (!Array.isArray(input.data)) throw new RequestError(400, `${what}: "data" must be a list of ${count} values (or binary data); got ${preview(input.data)}`)
    const flat = flatten(input.data)
    if (flat.length !== count) throw new RequestError(400, `${what}: ${flat.length} values do not fill shape [${dims.join(', ')}] (${count} values); expected ${expected(info)}`)
    feeds[input.name] = { type: info.type!, dims, data: fromJsonValues(flat, info.type!, what, { allowNonFinite: v.options.allowNonFinite }) }
  }
  const missing = inputs.length >= v.inputs.length ? [] : v.inputs.filter((i) => !feeds[i.name])
  if (missing.length > 0) throw new RequestError(400, `missing input${missing.length > 1 ? 's' : ''} ${missing.map((i) => `'${i.name}' (${expected(i)})`).join(', ')}`)
  const rows = v.batching ? firstDimensions(feeds) : undefined
  if (rows && rows.size > 1) throw new RequestError(400, `inputs have different first dimensions (${[...rows].join(', ')}); every input needs one value per row`)
  // A copy: the request owns its list.
  let fetches = tensorOutputs.slice()
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) throw new RequestError(400, '"outputs" must be a list of {"name": ...}')
    fetches = outputs.map((o, index) => {
      const name = isObject(o) ? o.name : undefined
      if (typeof name !== 'string' || !tensorOutputs.includes(name)) {
        throw new RequestError(400, `outputs[${index}] ${preview(name)} is not an output of model '${v.name}'; its outputs: ${tensorOutputs.map((n) => `'${n}'`).join(', ')}`)
      }
      return name
    })
  }
  return { ...(id !== undefined ? { id } : {}), feeds, fetches }
}

/** The distinct first dimensions of `feeds`; a Set only when they differ (the common case allocates none). */
function firstDimensions(feeds: Record<string, DecodedTensor>): Set<number | undefined> | undefined {
  let first: number | undefined
  let seen = false
  for (const name in feeds) {
    const rows = feeds[name]!.dims[0]
    if (!seen) {
      first = rows
      seen = true
    } else if (rows !== first) {
      return new Set(Object.values(feeds).map((t) => t.dims[0]))
    }
  }
  return undefined
}

/** The V2 response body of a run. */
export function encodeV2Response(v: LoadedVersion, request: V2Request, outputs: RunOutputs): Record<string, unknown> {
  return {
    model_name: v.name,
    model_version: v.version,
    ...(request.id !== undefined ? { id: request.id } : {}),
    outputs: request.fetches.map((name) => {
      const t = outputs[name]!
      return { name, datatype: v2Datatype(t.type), shape: [...t.dims], data: toJsonValues(t.type, t.data) }
    }),
  }
}
