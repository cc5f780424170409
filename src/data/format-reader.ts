/**
 * The contract each file format implements (CSV, Arrow IPC, Parquet), and the value conversions
 * Arrow and Parquet share. `read-table.ts` picks the format, checks columns and nulls, and
 * re-slices the chunks a format yields into batches.
 */
import type { CategoryDictionary } from './categories.js'
import { notNumericError, unsupportedTypeError } from './data-errors.js'
import { NOT_A_NUMBER, parseNumber } from './parse-number.js'
import type { DataTable } from './table.js'
import { NULL_CODE, sliceTable } from './table.js'

/** How a column is read: as numbers, as text, or as the file's own type says (`auto`). */
export type ColumnKind = 'numeric' | 'categorical' | 'auto'

/** One column to read and how. */
export interface ColumnRequest {
  readonly name: string
  readonly kind: ColumnKind
  /** Shared by every chunk of the read, so codes agree across chunks. */
  readonly dictionary: CategoryDictionary
}

/** An opened data file of one format. */
export interface FormatReader {
  /** Column names in file order. */
  readonly columnNames: readonly string[]
  /**
   * Yields the requested columns in chunks of any size, in file order. `maxRows` asks for chunks of
   * at most that many rows where the format can read less than its own unit (Parquet reads row
   * groups by ranges of pages); others ignore it. `startRow` (0-based, default 0) starts the first
   * chunk at that row: Parquet and Arrow skip what lies before it without decoding it, CSV parses and
   * drops it.
   */
  chunks(requests: readonly ColumnRequest[], maxRows?: number, startRow?: number): AsyncGenerator<DataTable>
  /** The file's row count when the format knows it without reading rows (the Parquet footer). */
  readonly rowCount?: number
  close(): Promise<void>
}

/** Drops the first `startRow` rows of a stream of chunks, for formats that cannot seek to a row. */
export async function* skipRows(chunks: AsyncIterable<DataTable>, startRow: number): AsyncGenerator<DataTable> {
  let skipped = 0
  for await (const chunk of chunks) {
    if (skipped >= startRow) {
      yield chunk
      continue
    }
    const drop = Math.min(startRow - skipped, chunk.rowCount)
    skipped += drop
    if (drop < chunk.rowCount) yield sliceTable(chunk, drop, chunk.rowCount)
  }
}

/** Where a converted chunk came from, for messages. */
export interface ChunkContext {
  readonly file: string
  readonly column: string
  /** 0-based row index of the chunk's first row in the file. */
  readonly rowOffset: number
}

/** Converts decoded values (numbers, bigints, booleans, strings, null) into a numeric column. */
export function numericFromValues(values: ArrayLike<unknown>, context: ChunkContext): Float64Array {
  const out = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (typeof value === 'number') out[i] = value
    else if (value === null || value === undefined) out[i] = Number.NaN
    else if (typeof value === 'bigint') out[i] = Number(value)
    else if (typeof value === 'boolean') out[i] = value ? 1 : 0
    else if (typeof value === 'string') {
      const parsed = parseNumber(value)
      if (parsed === NOT_A_NUMBER) throw notNumericError(context.file, context.column, context.rowOffset + i, value)
      out[i] = parsed
    } else throw unsupportedTypeError(context.file, context.column, describeValue(value))
  }
  return out
}

/** Converts decoded values into dictionary codes; numbers and booleans become their text. */
export function codesFromValues(values: ArrayLike<unknown>, dictionary: CategoryDictionary, context: ChunkContext): Int32Array {
  const out = new Int32Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (typeof value === 'string') out[i] = dictionary.code(value)
    else if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) out[i] = NULL_CODE
    else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
      out[i] = dictionary.code(String(value))
    } else throw unsupportedTypeError(context.file, context.column, describeValue(value))
  }
  return out
}

function describeValue(value: unknown): string {
  if (value instanceof Date) return 'date/timestamp'
  if (value instanceof Uint8Array) return 'binary'
  if (Array.isArray(value)) return 'list'
  return typeof value === 'object' ? 'struct/object' : typeof value
}
