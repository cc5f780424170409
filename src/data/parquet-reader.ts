/**
 * Parquet files through hyparquet, one row group at a time: the file is read by byte ranges, so
 * only the current row group's pages are in memory beside the converted columns. Boolean,
 * integer, float and decimal columns are numeric; string, enum and plain byte-array columns are
 * categorical. Dates, timestamps and nested columns are refused with a message saying how to
 * cast them. Codecs: hyparquet decodes snappy (pyarrow's default); GZIP and BROTLI come from
 * node:zlib, and ZSTD too where the running Node has it (22.15+); LZ4_RAW and the deprecated LZ4
 * from our own decoder (lz4.ts); others get a clear DataError.
 */
import * as zlib from 'node:zlib'
import type { AsyncBuffer, Compressors, FileMetaData, SchemaElement } from 'hyparquet'
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet'
import { DataError } from '../errors.js'
import { corruptFileError, unsupportedTypeError } from './data-errors.js'
import type { ChunkContext, ColumnRequest, FormatReader } from './format-reader.js'
import { codesFromValues, numericFromValues } from './format-reader.js'
import type { Column, DataTable } from './table.js'
import { decodeHadoopLz4, decodeLz4Block } from './lz4.js'

type ZstdZlib = typeof zlib & { zstdDecompressSync?: (input: Uint8Array) => Buffer }

/** Decompressors hyparquet lacks, from node:zlib. */
const COMPRESSORS: Compressors = {
  GZIP: (input) => zlib.gunzipSync(input),
  BROTLI: (input) => zlib.brotliDecompressSync(input),
  LZ4_RAW: (input, outputLength) => decodeLz4Block(input, outputLength),
  LZ4: (input, outputLength) => decodeHadoopLz4(input, outputLength),
  ...((zlib as ZstdZlib).zstdDecompressSync ? { ZSTD: (input: Uint8Array) => (zlib as ZstdZlib).zstdDecompressSync!(input) } : {}),
}

/** Opens a Parquet file and reads its footer (schema and row groups). */
export async function openParquet(path: string, file: string): Promise<FormatReader> {
  const buffer = await asyncBufferFromFile(path)
  let metadata: FileMetaData
  let elements: SchemaElement[]
  try {
    metadata = await parquetMetadataAsync(buffer)
    elements = parquetSchema(metadata).children.map((child) => {
      if (child.children.length > 0) throw unsupportedTypeError(file, child.element.name, 'Parquet group (struct, list or map)')
      return child.element
    })
  } catch (error) {
    if (error instanceof Error && error.name === 'DataError') throw error
    throw corruptFileError(file, 'Parquet', error)
  }
  return {
    columnNames: elements.map((element) => element.name),
    chunks: (requests) => readParquetChunks(buffer, metadata, elements, file, requests),
    close: async () => {},
  }
}

async function* readParquetChunks(
  buffer: AsyncBuffer,
  metadata: FileMetaData,
  elements: readonly SchemaElement[],
  file: string,
  requests: readonly ColumnRequest[],
): AsyncGenerator<DataTable> {
  const kinds = requests.map((request) => {
    const element = elements.find((e) => e.name === request.name)!
    const own = parquetKind(element, file)
    return request.kind === 'auto' ? own : request.kind
  })
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const codec = chunk.meta_data?.codec
      const name = chunk.meta_data?.path_in_schema[0]
      if (codec && codec !== 'UNCOMPRESSED' && codec !== 'SNAPPY' && !COMPRESSORS[codec] && requests.some((r) => r.name === name)) {
        throw new DataError(
          `${file}: column '${name}' is compressed with ${codec}, which Modelship cannot decompress on Node ${process.versions.node}. ` +
            `Fix: write the file with compression='snappy' (pyarrow's default) or 'gzip'.`,
        )
      }
    }
  }
  let groupStart = 0
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows)
    const groupEnd = groupStart + rows
    const outputs: Array<Float64Array | Int32Array> = kinds.map((kind) => (kind === 'numeric' ? new Float64Array(rows) : new Int32Array(rows)))
    let failure: unknown
    try {
      await parquetRead({
        file: buffer,
        metadata,
        columns: requests.map((r) => r.name),
        rowStart: groupStart,
        rowEnd: groupEnd,
        compressors: COMPRESSORS,
        onChunk(chunk) {
          // Called from hyparquet's promise callbacks: an exception here would go unhandled.
          if (failure !== undefined) return
          try {
            const k = requests.findIndex((r) => r.name === chunk.columnName)
            const from = Math.max(chunk.rowStart, groupStart)
            const to = Math.min(chunk.rowEnd, groupEnd)
            if (k < 0 || to <= from) return
            const values = chunk.columnData.slice(from - chunk.rowStart, to - chunk.rowStart) as ArrayLike<unknown>
            const context: ChunkContext = { file, column: chunk.columnName, rowOffset: from }
            const out = outputs[k]!
            if (kinds[k] === 'numeric') out.set(numericFromValues(values, context), from - groupStart)
            else out.set(codesFromValues(values, requests[k]!.dictionary, context), from - groupStart)
          } catch (error) {
            failure = error
          }
        },
      })
    } catch (error) {
      throw corruptFileError(file, 'Parquet', error)
    }
    if (failure !== undefined) throw failure
    const columns = new Map<string, Column>()
    requests.forEach((request, k) => {
      const out = outputs[k]!
      columns.set(
        request.name,
        out instanceof Float64Array
          ? { kind: 'numeric', values: out }
          : { kind: 'categorical', codes: out, categories: request.dictionary.categories },
      )
    })
    groupStart = groupEnd
    yield { rowCount: rows, columns }
  }
}

function parquetKind(element: SchemaElement, file: string): 'numeric' | 'categorical' {
  const logical = element.logical_type?.type
  const converted = element.converted_type
  const temporal =
    logical === 'DATE' || logical === 'TIME' || logical === 'TIMESTAMP' || logical === 'INTERVAL' ||
    (converted !== undefined && /^(DATE|TIME|TIMESTAMP|INTERVAL)/.test(converted)) || element.type === 'INT96'
  if (temporal) throw unsupportedTypeError(file, element.name, `Parquet ${logical ?? converted ?? element.type}`)
  switch (element.type) {
    case 'BOOLEAN':
    case 'INT32':
    case 'INT64':
    case 'FLOAT':
    case 'DOUBLE':
      return 'numeric'
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      if (logical === 'DECIMAL' || converted === 'DECIMAL' || logical === 'FLOAT16') return 'numeric'
      if (logical === undefined || logical === 'STRING' || logical === 'ENUM' || converted === 'UTF8' || converted === 'ENUM') return 'categorical'
      throw unsupportedTypeError(file, element.name, `Parquet ${logical}`)
    default:
      throw unsupportedTypeError(file, element.name, `Parquet ${String(element.type)}`)
  }
}
