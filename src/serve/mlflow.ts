/**
 * MLflow's scoring protocol (`POST /invocations`, as `mlflow models serve` takes it): pandas
 * `dataframe_split` and `dataframe_records`, tensor `instances` and `inputs`, and `text/csv`. A frame
 * maps to the model by column name (one input per feature) or, for a model with one 2-D input, by
 * column position. The answer is `{"predictions": ...}`: one output's rows, or an object of outputs.
 */
import { fromJsonValues, preview, toJsonValues } from './datatypes.js'
import { RequestError } from './errors.js'
import type { LoadedVersion, RunOutputs } from './model-store.js'
import { checkShape, type V2Request } from './v2.js'

interface Frame {
  columns: string[]
  rows: unknown[][]
  /** Cells are text (CSV): numeric inputs parse them, '' is missing. */
  text?: boolean
}

// A CSV cell for an input of `type`: text for string inputs, a number (NaN when empty) otherwise.
function csvCell(cell: unknown, type: string): unknown {
  if (typeof cell !== 'string' || type === 'string') return cell
  if (cell.trim() === '') return Number.NaN
  const num = Number(cell)
  return Number.isNaN(num) && cell !== 'NaN' ? cell : num
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const FORMATS = 'one of "dataframe_split", "dataframe_records", "instances", "inputs"'

/** Decodes an MLflow JSON body (parsed) for version `v`. */
export function decodeMlflowJson(body: unknown, v: LoadedVersion): V2Request {
  if (!isObject(body)) throw new RequestError(400, `the body must be a JSON object with ${FORMATS}`)
  const keys = Object.keys(body).filter((k) => k !== 'params')
  if (keys.length !== 1) throw new RequestError(400, `the body must have exactly ${FORMATS}; got ${keys.length === 0 ? 'none' : keys.map((k) => `"${k}"`).join(', ')}`)
  const key = keys[0]!
  const value = body[key]
  switch (key) {
    case 'dataframe_split': {
      if (!isObject(value) || !Array.isArray(value.columns) || !Array.isArray(value.data)) {
        throw new RequestError(400, '"dataframe_split" must be {"columns": [...], "data": [[...], ...]} (pandas orient="split")')
      }
      return frameToRequest({ columns: value.columns.map(String), rows: value.data as unknown[][] }, v)
    }
    case 'dataframe_records':
      return frameToRequest(recordsToFrame(value, '"dataframe_records"'), v)
    case 'instances':
    case 'inputs': {
      if (Array.isArray(value) && value.length > 0 && value.every(isObject)) return frameToRequest(recordsToFrame(value, `"${key}"`), v)
      if (isObject(value)) return namedTensors(value, v, key)
      if (Array.isArray(value)) {
        if (v.inputs.length !== 1) throw new RequestError(400, `"${key}" as a plain list fits a model with one input; this one takes ${v.inputs.map((i) => `'${i.name}'`).join(', ')}: send {"name": values} or records`)
        return namedTensors({ [v.inputs[0]!.name]: value }, v, key)
      }
      throw new RequestError(400, `"${key}" must be a list or an object of named tensors; got ${preview(value)}`)
    }
    default:
      throw new RequestError(400, `"${key}" is not a format of the MLflow scoring protocol; use ${FORMATS}`)
  }
}

function recordsToFrame(value: unknown, what: string): Frame {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isObject)) throw new RequestError(400, `${what} must be a non-empty list of {"column": value} records`)
  const columns = Object.keys(value[0] as object)
  return { columns, rows: (value as Array<Record<string, unknown>>).map((r) => columns.map((c) => r[c])) }
}

function namedTensors(value: Record<string, unknown>, v: LoadedVersion, key: string): V2Request {
  const feeds: V2Request['feeds'] = {}
  for (const info of v.inputs) {
    const data = value[info.name]
    if (!Array.isArray(data)) throw new RequestError(400, `"${key}" has no list for input '${info.name}'; the model takes ${v.inputs.map((i) => `'${i.name}'`).join(', ')}`)
    const dims = shapeOf(data)
    // A column of scalars for an [N, 1] input is what a pandas column sends.
    if (dims.length === info.shape.length - 1 && info.shape[info.shape.length - 1] === 1) dims.push(1)
    checkShape(info, dims, `input '${info.name}'`)
    feeds[info.name] = { type: info.type!, dims, data: fromJsonValues(data.flat(32), info.type!, `input '${info.name}'`, { allowNonFinite: v.options.allowNonFinite }) }
  }
  return { feeds, fetches: tensorOutputs(v) }
}

function shapeOf(data: unknown[]): number[] {
  const dims = [data.length]
  let item: unknown = data[0]
  while (Array.isArray(item)) {
    dims.push(item.length)
    item = item[0]
  }
  return dims
}

function tensorOutputs(v: LoadedVersion): string[] {
  return v.outputs.filter((o) => o.type !== undefined).map((o) => o.name)
}

/** A frame mapped onto the model's inputs: by column name, else by position into a single 2-D input. */
export function frameToRequest(frame: Frame, v: LoadedVersion): V2Request {
  const { columns, rows } = frame
  if (rows.length === 0) throw new RequestError(400, 'the frame has no rows')
  for (const [i, row] of rows.entries()) {
    if (!Array.isArray(row) || row.length !== columns.length) throw new RequestError(400, `row ${i} has ${Array.isArray(row) ? row.length : 'no'} values for ${columns.length} columns`)
  }
  const n = rows.length
  const feeds: V2Request['feeds'] = {}
  const index = new Map(columns.map((c, i) => [c, i]))
  if (v.inputs.every((i) => index.has(i.name))) {
    for (const info of v.inputs) {
      if (info.shape.length > 2 || (info.shape.length === 2 && info.shape[1] !== 1 && typeof info.shape[1] === 'number')) {
        throw new RequestError(400, `input '${info.name}' takes shape [${info.shape.join(', ')}], not one value per row; send it with "inputs"`)
      }
      const c = index.get(info.name)!
      const dims = info.shape.length === 1 ? [n] : [n, 1]
      const values = rows.map((r) => (frame.text ? csvCell(r[c], info.type!) : r[c]))
      feeds[info.name] = { type: info.type!, dims, data: fromJsonValues(values, info.type!, `column '${info.name}'`, { allowNonFinite: v.options.allowNonFinite }) }
    }
  } else if (v.inputs.length === 1 && v.inputs[0]!.shape.length === 2) {
    const info = v.inputs[0]!
    const features = v.options.features
    // Columns named as the spec's features go in the spec's order, whatever order the client sent.
    const order = features && features.length === columns.length && features.every((f) => index.has(f)) ? features.map((f) => index.get(f)!) : undefined
    const cells = order ? rows.map((r) => order.map((c) => r[c])) : rows
    const width = info.shape[1]
    if (typeof width === 'number' && width !== columns.length) {
      throw new RequestError(400, `the frame has ${columns.length} columns but model input '${info.name}' takes ${width} per row`)
    }
    feeds[info.name] = { type: info.type!, dims: [n, columns.length], data: fromJsonValues(frame.text ? cells.flat().map((cell) => csvCell(cell, info.type!)) : cells.flat(), info.type!, `input '${info.name}'`, { allowNonFinite: v.options.allowNonFinite }) }
  } else {
    const missing = v.inputs.filter((i) => !index.has(i.name)).map((i) => `'${i.name}'`)
    throw new RequestError(400, `the frame has no column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the model takes ${v.inputs.map((i) => `'${i.name}'`).join(', ')}`)
  }
  return { feeds, fetches: tensorOutputs(v) }
}

/** Parses `text/csv` (a header row, RFC 4180 quoting) into a frame of text cells. */
export function parseCsv(text: string): Frame {
  const records: string[][] = []
  let field = ''
  let record: string[] = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"' && field === '') quoted = true
    else if (ch === ',') {
      record.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      record.push(field)
      field = ''
      if (record.length > 1 || record[0] !== '') records.push(record)
      record = []
    } else field += ch
  }
  if (quoted) throw new RequestError(400, 'the CSV body ends inside a quoted field')
  if (field !== '' || record.length > 0) {
    record.push(field)
    records.push(record)
  }
  const [header, ...rows] = records
  if (!header) throw new RequestError(400, 'the CSV body is empty; send a header row of column names, then rows')
  return { columns: header, rows, text: true }
}

/** `{"predictions": ...}` as `mlflow models serve` answers: one output's rows, or outputs by name. */
export function encodeMlflowResponse(request: V2Request, outputs: RunOutputs): unknown {
  const rowsOf = (name: string) => {
    const t = outputs[name]!
    const flat = toJsonValues(t.type, t.data)
    const per = t.dims.slice(1).reduce((a, b) => a * b, 1)
    if (t.dims.length <= 1 || per === 1) return flat
    const out: unknown[] = []
    for (let i = 0; i < flat.length; i += per) out.push(flat.slice(i, i + per))
    return out
  }
  if (request.fetches.length === 1) return { predictions: rowsOf(request.fetches[0]!) }
  return { predictions: Object.fromEntries(request.fetches.map((name) => [name, rowsOf(name)])) }
}
