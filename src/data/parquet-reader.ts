/**
 * Parquet files through hyparquet, one row group at a time, or one window of a row group when the
 * caller streams batches: the file is read by byte ranges, so only the current row group's pages
 * are in memory beside the converted columns. The footer is hostile input: its counts and byte
 * ranges are checked before anything is read (checkFooter), and each column must decode exactly
 * the rows it claims. Boolean,
 * integer, float and decimal columns are numeric; string, enum and plain byte-array columns are
 * categorical. Dates, timestamps and nested columns are refused with a message saying how to
 * cast them. Codecs: SNAPPY, GZIP, BROTLI, ZSTD, LZ4_RAW and the deprecated LZ4 (codecs.ts); LZO,
 * which no current writer uses, is a DataError saying how to re-write the file.
 */
import type { AsyncBuffer, FileMetaData, SchemaElement } from 'hyparquet'
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet'
import { DataError } from '../errors.js'
import { PARQUET_DECOMPRESSORS } from './codecs.js'
import { corruptFileError, inconsistentFileError, unsupportedTypeError } from './data-errors.js'
import type { ChunkContext, ColumnRequest, FormatReader } from './format-reader.js'
import { codesFromValues, numericFromValues } from './format-reader.js'
import type { Column, DataTable } from './table.js'

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
  checkFooter(metadata, buffer.byteLength, file)
  return {
    columnNames: elements.map((element) => element.name),
    chunks: (requests, maxRows, startRow = 0) => readParquetChunks(buffer, metadata, elements, file, requests, maxRows ?? Number.POSITIVE_INFINITY, startRow),
    rowCount: Number(metadata.num_rows),
    close: async () => {},
  }
}

async function* readParquetChunks(
  buffer: AsyncBuffer,
  metadata: FileMetaData,
  elements: readonly SchemaElement[],
  file: string,
  requests: readonly ColumnRequest[],
  maxRows: number,
  startRow = 0,
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
      if (codec && codec !== 'UNCOMPRESSED' && codec !== 'SNAPPY' && !PARQUET_DECOMPRESSORS[codec] && requests.some((r) => r.name === name)) {
        throw new DataError(
          `${file}: column '${name}' is compressed with ${codec}, which Modelship cannot decompress. ` +
            `Fix: write the file with compression='snappy' (pyarrow's default), 'zstd', 'gzip' or 'lz4'.`,
        )
      }
    }
  }
  let groupStart = 0
  for (const [g, group] of metadata.row_groups.entries()) {
    // checkFooter made every count a safe integer. Nothing is allocated from it: each column is built
    // from the values its pages really decode, and must then add up to the count.
    const rows = Number(group.num_rows)
    const groupEnd = groupStart + rows
    // A row group is read in windows of at most maxRows: hyparquet skips the pages before a window
    // undecoded and stops after it, so memory follows the window, not the row group. Groups and
    // pages before startRow are never read.
    for (let windowStart = Math.max(groupStart, startRow); windowStart < groupEnd; ) {
      const windowEnd = Math.min(groupEnd, windowStart + maxRows)
      yield await readWindow(buffer, metadata, file, requests, kinds, g, windowStart, windowEnd)
      windowStart = windowEnd
    }
    groupStart = groupEnd
  }
}

/** Rows [start, end) of row group `g`, which must decode to exactly that many values per column. */
async function readWindow(
  buffer: AsyncBuffer,
  metadata: FileMetaData,
  file: string,
  requests: readonly ColumnRequest[],
  kinds: ReadonlyArray<'numeric' | 'categorical'>,
  g: number,
  start: number,
  end: number,
): Promise<DataTable> {
  const rows = end - start
  const parts: Array<Array<Float64Array | Int32Array>> = requests.map(() => [])
  const decoded = requests.map(() => 0)
  let failure: unknown
  try {
    await parquetRead({
      file: buffer,
      metadata,
      columns: requests.map((r) => r.name),
      rowStart: start,
      rowEnd: end,
      compressors: PARQUET_DECOMPRESSORS,
      onChunk(chunk) {
        // Called from hyparquet's promise callbacks: an exception here would go unhandled.
        if (failure !== undefined) return
        try {
          const k = requests.findIndex((r) => r.name === chunk.columnName)
          const from = Math.max(chunk.rowStart, start)
          const to = Math.min(chunk.rowEnd, end)
          if (k < 0 || to <= from) return
          // Pages arrive in order; a gap or an overlap means the page headers disagree with each other.
          if (from !== start + decoded[k]!) {
            throw inconsistentFileError(file, 'Parquet', `${groupLabel(g, metadata)}, column '${chunk.columnName}': its pages skip or repeat rows (a page starts at row ${from + 1}, expected ${start + decoded[k]! + 1})`)
          }
          const values = chunk.columnData.slice(from - chunk.rowStart, to - chunk.rowStart) as ArrayLike<unknown>
          const context: ChunkContext = { file, column: chunk.columnName, rowOffset: from }
          parts[k]!.push(kinds[k] === 'numeric' ? numericFromValues(values, context) : codesFromValues(values, requests[k]!.dictionary, context))
          decoded[k] = to - start
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
    if (decoded[k] !== rows) {
      const group = Number(metadata.row_groups[g]!.num_rows)
      throw inconsistentFileError(
        file,
        'Parquet',
        // Counted from the group's first row, so a read in windows names the same number as a whole one.
        `${groupLabel(g, metadata)}: the footer says it holds ${count(group)} rows, but the pages of column '${request.name}' ` +
          `hold ${count(start - groupStartOf(g, metadata) + decoded[k]!)} values`,
      )
    }
    const out = concatParts(parts[k]!, rows, kinds[k]!)
    columns.set(
      request.name,
      out instanceof Float64Array
        ? { kind: 'numeric', values: out }
        : { kind: 'categorical', codes: out, categories: request.dictionary.categories },
    )
  })
  return { rowCount: rows, columns }
}

function groupStartOf(index: number, metadata: FileMetaData): number {
  let start = 0
  for (let g = 0; g < index; g++) start += Number(metadata.row_groups[g]!.num_rows)
  return start
}

function concatParts(parts: ReadonlyArray<Float64Array | Int32Array>, rows: number, kind: 'numeric' | 'categorical'): Float64Array | Int32Array {
  if (parts.length === 1) return parts[0]!
  const out = kind === 'numeric' ? new Float64Array(rows) : new Int32Array(rows)
  let at = 0
  for (const part of parts) {
    out.set(part as Float64Array & Int32Array, at)
    at += part.length
  }
  return out
}

/** "row group 2 (rows 301-600)" or, for a file of one row group, "the row group". */
function groupLabel(index: number, metadata: FileMetaData): string {
  if (metadata.row_groups.length === 1) return 'its only row group'
  return `row group ${index + 1} of ${metadata.row_groups.length} (from row ${groupStartOf(index, metadata) + 1})`
}

/** A count for a message, with thousands separators. */
function count(value: number | bigint): string {
  return value.toLocaleString('en-US')
}

/** A count from the footer as a number, when it is one: a non-negative safe integer. */
function footerCount(value: bigint | number | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) && n >= 0 && BigInt(n) === BigInt(value) ? n : undefined
}

/**
 * Checks the footer's claims against each other and against the file's size before anything is
 * allocated or read: row counts are non-negative integers that add up, every column chunk holds one
 * value per row of its group (columns are flat: groups were refused), and every chunk's bytes lie
 * between the magic number and the footer.
 */
function checkFooter(metadata: FileMetaData, fileSize: number, file: string): void {
  const fail = (problem: string): never => {
    throw inconsistentFileError(file, 'Parquet', problem)
  }
  const total = footerCount(metadata.num_rows)
  if (total === undefined) fail(`the footer claims ${count(metadata.num_rows)} rows, which is not a row count`)
  const dataEnd = fileSize - 8 - metadata.metadata_length
  let sum = 0
  for (const [g, group] of metadata.row_groups.entries()) {
    const rows = footerCount(group.num_rows)
    if (rows === undefined) fail(`${groupLabelOf(g, metadata)} claims ${count(group.num_rows)} rows, which is not a row count`)
    sum += rows!
    for (const chunk of group.columns) {
      const meta = chunk.meta_data
      if (!meta) fail(`${groupLabelOf(g, metadata)} has a column chunk without metadata (an encrypted or external chunk, which Modelship does not read)`)
      const name = meta!.path_in_schema.join('.')
      const values = footerCount(meta!.num_values)
      if (values !== rows) fail(`${groupLabelOf(g, metadata)} claims ${count(rows!)} rows, but its column '${name}' claims ${count(meta!.num_values)} values`)
      const start = footerCount(meta!.dictionary_page_offset ?? meta!.data_page_offset)
      const length = footerCount(meta!.total_compressed_size)
      if (start === undefined || length === undefined || start < 4 || start + length > dataEnd) {
        fail(
          `column '${name}' of ${groupLabelOf(g, metadata)} claims bytes ${count(meta!.dictionary_page_offset ?? meta!.data_page_offset)} to ` +
            `${count(BigInt(meta!.dictionary_page_offset ?? meta!.data_page_offset) + BigInt(meta!.total_compressed_size))}, outside the data of the ${count(fileSize)}-byte file`,
        )
      }
    }
  }
  if (sum !== total) fail(`the footer says the file holds ${count(total!)} rows, but its row groups add up to ${count(sum)}`)
}

/** groupLabel for footer messages, which cannot add up row counts that are not yet checked. */
function groupLabelOf(index: number, metadata: FileMetaData): string {
  return metadata.row_groups.length === 1 ? 'its only row group' : `row group ${index + 1} of ${metadata.row_groups.length}`
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
