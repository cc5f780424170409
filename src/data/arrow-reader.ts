/**
 * Arrow IPC files, in the file format (`.arrow`, `.feather` v2, `.ipc`) or the stream format
 * (`.arrows`; either format under any of these names: apache-arrow tells them apart by their first
 * bytes). Record batches are read one at a time through a file handle, so only one batch of
 * Arrow memory is alive beside the converted columns. Integer, float and boolean columns are
 * numeric (booleans as 0/1); string and dictionary columns are categorical. Compressed IPC: LZ4
 * frames (the default of pyarrow.feather.write_feather and pandas' to_feather) and ZSTD, on every
 * Node (codecs.ts).
 */
import { open } from 'node:fs/promises'
import type { Data, Vector } from 'apache-arrow'
import { compressionRegistry, DataType, RecordBatchReader } from 'apache-arrow'
import { DataError } from '../errors.js'
import { corruptFileError, inconsistentFileError, rowLabel, unsupportedTypeError } from './data-errors.js'
import type { ChunkContext, ColumnRequest, FormatReader } from './format-reader.js'
import { codesFromValues, numericFromValues } from './format-reader.js'
import type { CategoryDictionary } from './categories.js'
import type { Column, DataTable } from './table.js'
import { NULL_CODE, sliceTable } from './table.js'
import { decodeLz4Frame, decodeZstdFrame } from './codecs.js'

/** apache-arrow's CompressionType.LZ4_FRAME and ZSTD. */
const LZ4_FRAME = 0
const ZSTD = 1
compressionRegistry.set(LZ4_FRAME, { decode: (data) => decodeLz4Frame(data) })
compressionRegistry.set(ZSTD, { decode: (data) => decodeZstdFrame(data) })

function readFailure(file: string, error: unknown): DataError {
  return corruptFileError(file, 'Arrow IPC', error)
}

/** Opens an Arrow IPC file and reads its schema. */
export async function openArrow(path: string, file: string): Promise<FormatReader> {
  const handle = await open(path, 'r')
  let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>
  try {
    reader = await RecordBatchReader.from(handle)
    await reader.open()
  } catch (error) {
    await handle.close()
    throw readFailure(file, error)
  }
  const schema = reader.schema
  const columnNames = schema.fields.map((field) => field.name)
  return {
    columnNames,
    chunks: (requests, _maxRows, startRow = 0) => readArrowChunks(reader, file, requests, startRow),
    close: () => handle.close(),
  }
}

async function* readArrowChunks(
  reader: AsyncIterable<{ numRows: number; getChild(name: string): Vector | null }>,
  file: string,
  requests: readonly ColumnRequest[],
  startRow = 0,
): AsyncGenerator<DataTable> {
  let rowOffset = 0
  let batchIndex = 0
  const iterator = reader[Symbol.asyncIterator]()
  for (;;) {
    let next: IteratorResult<{ numRows: number; getChild(name: string): Vector | null }>
    try {
      next = await iterator.next()
    } catch (error) {
      throw readFailure(file, error)
    }
    if (next.done) return
    const batch = next.value
    batchIndex++
    // The header's counts are claims: check them against the buffers before converting (allocating) anything.
    const where = `record batch ${batchIndex} (from row ${(rowOffset + 1).toLocaleString('en-US')})`
    if (!Number.isSafeInteger(batch.numRows) || batch.numRows < 0) {
      throw inconsistentFileError(file, 'Arrow IPC', `${where} claims ${batch.numRows.toLocaleString('en-US')} rows, which is not a row count`)
    }
    // A batch wholly before startRow is skipped unconverted (its columns are checked only when read).
    if (rowOffset < startRow && rowOffset + batch.numRows <= startRow) {
      rowOffset += batch.numRows
      continue
    }
    const columns = new Map<string, Column>()
    for (const request of requests) {
      const vector = batch.getChild(request.name)!
      checkVector(vector, batch.numRows, file, `${where}, column '${request.name}'`)
      columns.set(request.name, convertVector(vector, request, { file, column: request.name, rowOffset }))
    }
    const skip = Math.max(0, startRow - rowOffset)
    rowOffset += batch.numRows
    const table: DataTable = { rowCount: batch.numRows, columns }
    yield skip > 0 ? sliceTable(table, skip, batch.numRows) : table
  }
}

/**
 * Checks that a column's buffers hold the rows its record batch claims: one value (or bit) per row,
 * offsets inside the string data, a validity bitmap covering every row. apache-arrow takes the
 * lengths in the header on trust and reads past a short buffer as zeros or nulls.
 */
function checkVector(vector: Vector, rows: number, file: string, where: string): void {
  const fail = (problem: string): never => {
    throw inconsistentFileError(file, 'Arrow IPC', `${where}: ${problem}`)
  }
  const shown = (n: number): string => n.toLocaleString('en-US')
  if (vector.length !== rows) fail(`the batch claims ${shown(rows)} rows, but the column claims ${shown(vector.length)}`)
  for (const data of vector.data as Data[]) {
    const end = data.offset + data.length
    const bitmap = data.nullBitmap as Uint8Array | undefined
    if (bitmap && bitmap.length > 0 && bitmap.length * 8 < end) fail(`the header claims ${shown(data.length)} rows, but the validity bitmap covers ${shown(bitmap.length * 8 - data.offset)}`)
    const type = data.type
    if (DataType.isNull(type)) continue
    const values = data.values as ArrayLike<unknown> | undefined
    const held = values?.length ?? 0
    if (DataType.isBool(type)) {
      if (held * 8 < end) fail(`the header claims ${shown(data.length)} rows, but the value buffer holds ${shown(Math.max(0, held * 8 - data.offset))}`)
    } else if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isBinary(type) || DataType.isLargeBinary(type)) {
      const offsets = data.valueOffsets as ArrayLike<number | bigint> | undefined
      const count = offsets?.length ?? 0
      if (count < end + 1) fail(`the header claims ${shown(data.length)} rows, but the offsets buffer holds ${shown(Math.max(0, count - 1 - data.offset))}`)
      const first = Number(offsets![data.offset]!)
      const last = Number(offsets![end]!)
      if (first < 0 || last < first || last > held) fail(`the string offsets run from ${shown(first)} to ${shown(last)}, outside the ${shown(held)}-byte data buffer`)
    } else if (DataType.isInt(type) || DataType.isFloat(type) || DataType.isDictionary(type)) {
      // A dictionary column's values are its indices; the dictionary itself is checked as it is used.
      if (held < data.length) fail(`the header claims ${shown(data.length)} rows, but the value buffer holds ${shown(held)}`)
      // apache-arrow reads a negative length as 0: an empty column with more than a writer's padding
      // (64 bytes) of values is a count that lies, and reading it as empty would drop real rows.
      const bytes = (values as unknown as Uint8Array | undefined)?.byteLength ?? 0
      if (data.length === 0 && bytes > 64) fail(`the header claims no rows (or a negative count), but the value buffer holds ${shown(bytes)} bytes`)
    }
  }
}

function convertVector(vector: Vector, request: ColumnRequest, context: ChunkContext): Column {
  const type = vector.type
  const kind = request.kind === 'auto' ? autoKind(type, context) : request.kind
  if (kind === 'numeric') {
    if ((DataType.isInt(type) || DataType.isFloat(type)) && !(DataType.isFloat(type) && type.precision === 0)) {
      return { kind: 'numeric', values: typedToFloat64(vector) }
    }
    return { kind: 'numeric', values: numericFromValues(plainValues(vector), context) }
  }
  if (DataType.isDictionary(type)) return { kind: 'categorical', codes: dictionaryCodes(vector, request.dictionary, context), categories: request.dictionary.categories }
  return { kind: 'categorical', codes: codesFromValues(plainValues(vector), request.dictionary, context), categories: request.dictionary.categories }
}

function autoKind(type: DataType, context: ChunkContext): 'numeric' | 'categorical' {
  if (DataType.isInt(type) || DataType.isFloat(type) || DataType.isBool(type) || DataType.isNull(type)) return 'numeric'
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) return 'categorical'
  if (DataType.isDictionary(type)) return autoKind(type.dictionary, context)
  throw unsupportedTypeError(context.file, context.column, `Arrow ${String(type)}`)
}

/** Int/float column to float64 with NaN at nulls, read from the value buffers without boxing. */
function typedToFloat64(vector: Vector): Float64Array {
  const out = new Float64Array(vector.length)
  let at = 0
  for (const data of vector.data as Data[]) {
    // The value buffer of IPC-read data already starts at the data's offset; the bitmap does not.
    const values = data.values as ArrayLike<number | bigint>
    if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
      for (let i = 0; i < data.length; i++) out[at + i] = Number(values[i]!)
    } else {
      out.set((values as unknown as Float64Array).subarray(0, data.length), at)
    }
    if (data.nullCount > 0) markNulls(data, out, at)
    at += data.length
  }
  return out
}

function markNulls(data: Data, out: Float64Array, at: number): void {
  const bitmap = data.nullBitmap as Uint8Array | undefined
  if (!bitmap || bitmap.length === 0) return
  for (let i = 0; i < data.length; i++) {
    const bit = data.offset + i
    if ((bitmap[bit >> 3]! & (1 << (bit & 7))) === 0) out[at + i] = Number.NaN
  }
}

/** Dictionary indices remapped to the read's own dictionary, first-appearance order kept. */
function dictionaryCodes(vector: Vector, dictionary: CategoryDictionary, context: ChunkContext): Int32Array {
  const { file, column, rowOffset } = context
  const out = new Int32Array(vector.length)
  let at = 0
  for (const data of vector.data as Data[]) {
    const indices = data.values as ArrayLike<number | bigint>
    const values = data.dictionary!
    const remap = new Int32Array(values.length).fill(-2)
    const bitmap = data.nullCount > 0 ? (data.nullBitmap as Uint8Array) : undefined
    for (let i = 0; i < data.length; i++) {
      if (bitmap) {
        const bit = data.offset + i
        if ((bitmap[bit >> 3]! & (1 << (bit & 7))) === 0) {
          out[at + i] = NULL_CODE
          continue
        }
      }
      const index = Number(indices[i]!)
      // An index outside the dictionary would read as undefined, or (negative) wrap in the typed array.
      if (!(index >= 0 && index < values.length)) {
        throw inconsistentFileError(
          file,
          'Arrow IPC',
          `column '${column}', ${rowLabel(rowOffset + at + i)}: dictionary index ${index} is outside its dictionary of ${values.length} ${values.length === 1 ? 'value' : 'values'}`,
        )
      }
      let code = remap[index]!
      if (code === -2) {
        const value: unknown = values.get(index)
        code = value === null || value === undefined ? NULL_CODE : dictionary.code(String(value))
        remap[index] = code
      }
      out[at + i] = code
    }
    at += data.length
  }
  return out
}

function plainValues(vector: Vector): unknown[] {
  const out = new Array<unknown>(vector.length)
  for (let i = 0; i < vector.length; i++) out[i] = vector.get(i)
  return out
}
