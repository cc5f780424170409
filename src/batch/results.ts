/**
 * The rows batch scoring writes: `source_file` (dictionary-encoded over the run's inputs: a 4-byte
 * code a row in Arrow, a dictionary page in Parquet, instead of the path's bytes on every row) and
 * `row_id` (0-based row of that file), then the
 * prediction: `prediction` for a regressor; `label` and one `probability_<class>` column a class for
 * a classifier (classes as the model declares them, else 0..C-1). Every writer takes a
 * `ResultColumns` batch, so parts, shard outputs and merges share one shape whatever the format.
 */
import { endianness } from 'node:os'
import { DataType, Dictionary, Field, Float32, Float64, Int32, Int64, makeData, makeVector, Precision, RecordBatch, Schema, Struct, Utf8, type Data, type Vector } from 'apache-arrow'
import type { OnnxModel } from '../onnx/model.js'
import type { PredictResult } from '../onnx/predict.js'
import type { ModelSignature } from '../onnx/signature.js'

/** A result column's type: `file` is an index into the batch's `files`; `utf8` a string a row. */
export type ResultType = 'file' | 'utf8' | 'int64' | 'float32' | 'float64'

/** One column of results, one value per row. */
export interface ResultColumn {
  readonly name: string
  readonly type: ResultType
  readonly values: Int32Array | string[] | BigInt64Array | Float32Array | Float64Array
}

/** A batch of result rows; `files` are the names `file` columns index. */
export interface ResultColumns {
  readonly rowCount: number
  readonly columns: readonly ResultColumn[]
  readonly files: readonly string[]
}

/** The columns a model's results have, in order. */
export interface ResultSchema {
  readonly columns: ReadonlyArray<{ name: string; type: ResultType }>
}

const LITTLE_ENDIAN = endianness() === 'LE'

/** The result schema of `model` under `signature`. */
export function resultSchema(model: OnnxModel, signature: ModelSignature): ResultSchema {
  const columns: Array<{ name: string; type: ResultType }> = [
    { name: 'source_file', type: 'file' },
    { name: 'row_id', type: 'int64' },
  ]
  const outputs = signature.outputs
  if (outputs.kind === 'regression') {
    const info = model.outputs.find((o) => o.name === outputs.value)
    columns.push({ name: 'prediction', type: info?.type === 'float64' ? 'float64' : 'float32' })
    return { columns }
  }
  const label = model.outputs.find((o) => o.name === outputs.label)
  const probabilities = model.outputs.find((o) => o.name === outputs.probabilities)
  columns.push({ name: 'label', type: label?.type === 'string' ? 'utf8' : 'int64' })
  const width = typeof probabilities?.shape[1] === 'number' ? probabilities.shape[1] : (model.info.classLabels?.length ?? 0)
  const declared = model.info.classLabels
  const classes = declared && declared.length === width ? declared : Array.from({ length: width }, (_, j) => String(j))
  for (const name of classes) columns.push({ name: `probability_${name}`, type: outputs.probabilityType })
  return { columns }
}

/** Result rows from one batch's predictions of rows `rowIds` of input `file` (an index into `files`). */
export function resultColumns(schema: ResultSchema, files: readonly string[], file: number, rowIds: Float64Array, predicted: PredictResult): ResultColumns {
  const n = rowIds.length
  const columns: ResultColumn[] = [
    { name: 'source_file', type: 'file', values: new Int32Array(n).fill(file) },
    { name: 'row_id', type: 'int64', values: int64sOf(rowIds) },
  ]
  const rest = schema.columns.slice(2)
  if (predicted.values) {
    columns.push({ name: rest[0]!.name, type: rest[0]!.type, values: predicted.values })
    return { rowCount: n, columns, files }
  }
  columns.push({ name: 'label', type: rest[0]!.type, values: predicted.labels! })
  const width = rest.length - 1
  const probabilities = predicted.probabilities!
  if (probabilities.length !== n * width) {
    throw new Error(`the model gave ${probabilities.length / Math.max(1, n)} probability columns for ${width} classes`)
  }
  for (let j = 0; j < width; j++) {
    const column = rest[j + 1]!
    const values = column.type === 'float64' ? new Float64Array(n) : new Float32Array(n)
    for (let i = 0, k = j; i < n; i++, k += width) values[i] = probabilities[k]!
    columns.push({ name: column.name, type: column.type, values })
  }
  return { rowCount: n, columns, files }
}

/** Row ids as int64, written as (low, high) words: BigInt per row costs more than scoring. */
function int64sOf(rowIds: Float64Array): BigInt64Array {
  const out = new BigInt64Array(rowIds.length)
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < rowIds.length; i++) out[i] = BigInt(rowIds[i]!)
    return out
  }
  const words = new Uint32Array(out.buffer)
  for (let i = 0, k = 0; i < rowIds.length; i++, k += 2) {
    const id = rowIds[i]!
    words[k] = id % 0x1_0000_0000
    words[k + 1] = Math.floor(id / 0x1_0000_0000)
  }
  return out
}

/** The Arrow type of `file` columns: indices into one dictionary of file names, the same in every batch. */
const FILE_TYPE = (): Dictionary => new Dictionary(new Utf8(), new Int32(), 0)

function arrowType(type: ResultType): DataType {
  switch (type) {
    case 'file':
      return FILE_TYPE()
    case 'utf8':
      return new Utf8()
    case 'int64':
      return new Int64()
    case 'float32':
      return new Float32()
    case 'float64':
      return new Float64()
  }
}

/** The Arrow schema of a result schema. */
export function arrowSchema(schema: ResultSchema): Schema {
  return new Schema(schema.columns.map((c) => new Field(c.name, arrowType(c.type), false)))
}

const encoder = new TextEncoder()

function utf8Data(values: readonly string[]) {
  const offsets = new Int32Array(values.length + 1)
  const encoded = new Map<string, Uint8Array>()
  let total = 0
  for (let i = 0; i < values.length; i++) {
    let bytes = encoded.get(values[i]!)
    if (!bytes) encoded.set(values[i]!, (bytes = encoder.encode(values[i]!)))
    total += bytes.length
    offsets[i + 1] = total
  }
  const data = new Uint8Array(total)
  for (let i = 0; i < values.length; i++) data.set(encoded.get(values[i]!)!, offsets[i]!)
  return makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data })
}

/** The dictionary vector of a run's file names, shared by every batch a writer writes. */
export function filesDictionary(files: readonly string[]): Vector {
  return makeVector(utf8Data(files))
}

/** A result batch as an Arrow record batch (numeric columns are not copied); `dictionary` holds `batch.files`. */
export function toRecordBatch(schema: Schema, batch: ResultColumns, dictionary: Vector = filesDictionary(batch.files)): RecordBatch {
  const children = batch.columns.map((column, k) => {
    if (column.type === 'utf8') return utf8Data(column.values as string[])
    if (column.type === 'file') {
      return makeData({ type: schema.fields[k]!.type as Dictionary, length: batch.rowCount, nullCount: 0, data: column.values as Int32Array, dictionary }) as Data
    }
    const type = arrowType(column.type) as Int64 | Float32 | Float64
    return makeData({ type: type as Float64, length: batch.rowCount, nullCount: 0, data: column.values as Float64Array }) as Data
  })
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.rowCount, nullCount: 0, children }))
}

/** The result type of an Arrow type read back from a file; undefined for any other type. */
export function resultTypeOf(type: DataType): ResultType | undefined {
  if (DataType.isDictionary(type)) return DataType.isUtf8(type.dictionary) && DataType.isInt(type.indices) && type.indices.bitWidth === 32 ? 'file' : undefined
  if (DataType.isUtf8(type)) return 'utf8'
  if (DataType.isInt(type) && type.bitWidth === 64) return 'int64'
  if (DataType.isFloat(type)) return type.precision === Precision.DOUBLE ? 'float64' : type.precision === Precision.SINGLE ? 'float32' : undefined
  return undefined
}

/** An Arrow record batch of results as result columns (numeric columns and file codes are not copied). */
export function fromRecordBatch(batch: RecordBatch): ResultColumns {
  let files: readonly string[] = []
  const columns = batch.schema.fields.map((field, i) => {
    const vector = batch.getChildAt(i) as Vector
    const type = resultTypeOf(field.type)
    if (type === 'file') {
      if (vector.data.length !== 1) throw new Error('not a batch of Modelship results: a file column in several chunks')
      const data = vector.data[0]!
      files = Array.from(data.dictionary ?? []) as string[]
      // The buffer may run past the rows (IPC pads to 8 bytes): take exactly this batch's codes.
      const codes = (data.values as Int32Array).subarray(data.offset, data.offset + data.length)
      for (const code of codes) if (code < 0 || code >= files.length) throw new Error(`not a batch of Modelship results: file index ${code} outside its ${files.length} files`)
      return { name: field.name, type, values: codes }
    }
    const values = type === 'utf8' ? (Array.from(vector) as string[]) : (vector.toArray() as BigInt64Array | Float32Array | Float64Array)
    return { name: field.name, type, values }
  })
  if (columns.some((c) => c.type === undefined)) throw new Error('not a batch of Modelship results: a column is not a file, utf8, int64 or float column')
  return { rowCount: batch.numRows, columns: columns as ResultColumn[], files }
}

/** `batch` with its file codes re-pointed into `files` (the writer's list); a file not in it is an error. */
export function withFiles(batch: ResultColumns, files: readonly string[]): ResultColumns {
  if (batch.files === files || (batch.files.length === files.length && batch.files.every((f, i) => f === files[i]))) return batch
  const index = new Map(files.map((f, i) => [f, i]))
  const remap = batch.files.map((f) => {
    const at = index.get(f)
    if (at === undefined) throw new Error(`results name the source file ${f}, which is not an input of this run`)
    return at
  })
  return {
    ...batch,
    files,
    columns: batch.columns.map((c) => (c.type === 'file' ? { ...c, values: Int32Array.from(c.values as Int32Array, (code) => remap[code]!) } : c)),
  }
}
