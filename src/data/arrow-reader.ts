/**
 * Arrow IPC files, in the file format (`.arrow`, `.feather` v2, `.ipc`) or the stream format
 * (`.arrows`; either format under any of these names: apache-arrow tells them apart by their first
 * bytes). Record batches are read one at a time through a file handle, so only one batch of
 * Arrow memory is alive beside the converted columns. Integer, float and boolean columns are
 * numeric (booleans as 0/1); string and dictionary columns are categorical. Compressed IPC:
 * LZ4 frames (the default of pyarrow.feather.write_feather and pandas' to_feather) with our own
 * decoder (lz4.ts); ZSTD with node:zlib where the running Node has it (22.15+), else a DataError
 * saying how to write the file uncompressed or with lz4.
 */
import { open } from 'node:fs/promises'
import * as zlib from 'node:zlib'
import type { Data, Vector } from 'apache-arrow'
import { compressionRegistry, DataType, RecordBatchReader } from 'apache-arrow'
import { DataError } from '../errors.js'
import { corruptFileError, unsupportedTypeError } from './data-errors.js'
import type { ChunkContext, ColumnRequest, FormatReader } from './format-reader.js'
import { codesFromValues, numericFromValues } from './format-reader.js'
import type { CategoryDictionary } from './categories.js'
import type { Column, DataTable } from './table.js'
import { NULL_CODE } from './table.js'
import { decodeLz4Frame } from './lz4.js'

/** apache-arrow's CompressionType.LZ4_FRAME and ZSTD. */
const LZ4_FRAME = 0
const ZSTD = 1
compressionRegistry.set(LZ4_FRAME, { decode: (data) => decodeLz4Frame(data) })
const zstdDecompress = (zlib as typeof zlib & { zstdDecompressSync?: (input: Uint8Array) => Buffer }).zstdDecompressSync
if (zstdDecompress) compressionRegistry.set(ZSTD, { decode: (data) => zstdDecompress(data) })

function readFailure(file: string, error: unknown): DataError {
  if (error instanceof Error && /is compressed but codec not found/.test(error.message)) {
    return new DataError(
      `${file}: the Arrow file is compressed with ZSTD, which Modelship cannot decode on Node ${process.versions.node} (it needs 22.15 or later). ` +
        `Fix: write it with lz4 (pyarrow.feather.write_feather's default) or uncompressed, e.g. ` +
        `pyarrow.feather.write_feather(table, path, compression='uncompressed'), or use Parquet.`,
      { cause: error },
    )
  }
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
    chunks: (requests) => readArrowChunks(reader, file, requests),
    close: () => handle.close(),
  }
}

async function* readArrowChunks(reader: AsyncIterable<{ numRows: number; getChild(name: string): Vector | null }>, file: string, requests: readonly ColumnRequest[]): AsyncGenerator<DataTable> {
  let rowOffset = 0
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
    const columns = new Map<string, Column>()
    for (const request of requests) {
      const vector = batch.getChild(request.name)!
      columns.set(request.name, convertVector(vector, request, { file, column: request.name, rowOffset }))
    }
    rowOffset += batch.numRows
    yield { rowCount: batch.numRows, columns }
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
  if (DataType.isDictionary(type)) return { kind: 'categorical', codes: dictionaryCodes(vector, request.dictionary), categories: request.dictionary.categories }
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
function dictionaryCodes(vector: Vector, dictionary: CategoryDictionary): Int32Array {
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
