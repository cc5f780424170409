/**
 * The entry to data files: `readTable` loads the columns a caller needs into one `DataTable`;
 * `readBatches` streams them in fixed-size batches. Both pick the format from the extension
 * (.csv; .arrow/.arrows/.feather/.ipc; .parquet) and turn every problem a user can fix into a
 * `DataError` naming the file and the fix: missing or empty file, corrupt file, absent column
 * (with the columns present and a did-you-mean), text in a numeric column (with its row), and
 * nulls in a column that must be complete (with the count and first row).
 */
import { stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { DataError } from '../errors.js'
import { openArrow } from './arrow-reader.js'
import { CategoryDictionary } from './categories.js'
import { openCsv } from './csv-reader.js'
import { fileSystemError, isSystemError, missingColumnsError, nullsError } from './data-errors.js'
import type { ColumnRequest, FormatReader } from './format-reader.js'
import { openParquet } from './parquet-reader.js'
import type { DataTable } from './table.js'
import { concatTables, firstNulls, sliceTable } from './table.js'

/** File formats Modelship reads. */
export type DataFormat = 'csv' | 'arrow' | 'parquet'

/** Rows per batch of `readBatches` unless told otherwise. */
export const DEFAULT_BATCH_ROWS = 65_536

const EXTENSIONS: Readonly<Record<string, DataFormat>> = {
  '.csv': 'csv',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
  '.parquet': 'parquet',
}

/** What to read and what to insist on. Column names are exact (case-sensitive). */
export interface ReadOptions {
  /** Columns to read, in this order (default: every column, in file order). */
  columns?: readonly string[]
  /** Columns that must be numeric: a text value is a DataError naming its row. */
  numeric?: readonly string[]
  /** Columns read as text even when every value looks like a number (codes, zip codes). */
  categorical?: readonly string[]
  /** Columns that must hold no null or NaN (features and the target). */
  notNull?: readonly string[]
  /** How messages name the file (default: `path` as given). */
  displayName?: string
}

/** `ReadOptions` plus the batch size. */
export interface BatchOptions extends ReadOptions {
  /** Rows per batch; the last batch may be shorter (default 65,536). */
  batchRows?: number
  /** First row to read, 0-based (default 0): batches then start there, and messages count rows from the file's start. */
  startRow?: number
  /** Row to stop before (default: the end of the file). */
  endRow?: number
}

/** The format of a data file, from its extension; a DataError for any other extension. */
export function dataFormat(path: string, displayName = path): DataFormat {
  const extension = extname(path).toLowerCase()
  const format = EXTENSIONS[extension]
  if (!format) {
    const shown = extension === '' ? 'no extension' : `extension '${extension}'`
    throw new DataError(
      `${displayName}: ${shown} is not a data format Modelship reads; expected ` +
        `${Object.keys(EXTENSIONS).join(', ')}. Fix: convert the file to CSV, Arrow IPC or Parquet and name it so.`,
    )
  }
  return format
}

/** The column names of a data file, in file order, without reading its rows (CSV: the header). */
export async function readColumnNames(path: string, options: { displayName?: string } = {}): Promise<string[]> {
  const reader = await openReader(path, options.displayName ?? path)
  try {
    return [...reader.columnNames]
  } finally {
    await reader.close()
  }
}

/** Reads the requested columns of a data file into one table (at most two copies of the data in memory). */
export async function readTable(path: string, options: ReadOptions = {}): Promise<DataTable> {
  const file = options.displayName ?? path
  const reader = await openReader(path, file)
  try {
    const requests = planColumns(reader, file, options)
    const chunks: DataTable[] = []
    for await (const chunk of reader.chunks(requests)) chunks.push(chunk)
    const table = chunks.length === 1 ? chunks[0]! : withColumnsOf(concatTables(chunks), requests)
    chunks.length = 0
    if (table.rowCount === 0) throw noRowsError(file)
    for (const name of options.notNull ?? []) {
      const { count, first } = firstNulls(table.columns.get(name)!)
      if (count > 0) throw nullsError(file, name, count, first)
    }
    return table
  } finally {
    await reader.close()
  }
}

/**
 * Streams the requested columns in batches of `batchRows` rows. Categorical columns of all batches
 * share one growing `categories` array. A null in a `notNull` column stops the stream at the batch
 * that holds it.
 */
export async function* readBatches(path: string, options: BatchOptions = {}): AsyncGenerator<DataTable, void, undefined> {
  const file = options.displayName ?? path
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new Error(`readBatches: batchRows must be a positive integer, got ${batchRows}`)
  const startRow = options.startRow ?? 0
  const endRow = options.endRow ?? Number.POSITIVE_INFINITY
  if (!Number.isInteger(startRow) || startRow < 0 || !(endRow >= startRow)) throw new Error(`readBatches: bad row range ${startRow}-${endRow}`)
  const reader = await openReader(path, file)
  try {
    const requests = planColumns(reader, file, options)
    let rowOffset = startRow
    let remaining = endRow - startRow
    const check = (batch: DataTable): DataTable => {
      for (const name of options.notNull ?? []) {
        const { count, first } = firstNulls(batch.columns.get(name)!)
        if (count > 0) throw nullsError(file, name, count, rowOffset + first, ` in rows ${rowOffset + 1}-${rowOffset + batch.rowCount}`)
      }
      rowOffset += batch.rowCount
      return batch
    }
    let pending: DataTable[] = []
    let pendingRows = 0
    // Chunks no larger than a batch keep memory bounded by the batch size, not the file's row groups.
    for await (const whole of reader.chunks(requests, batchRows, startRow)) {
      if (remaining <= 0) break
      const chunk = whole.rowCount > remaining ? sliceTable(whole, 0, remaining) : whole
      remaining -= chunk.rowCount
      let start = 0
      while (start < chunk.rowCount) {
        const take = Math.min(batchRows - pendingRows, chunk.rowCount - start)
        pending.push(start === 0 && take === chunk.rowCount ? chunk : sliceTable(chunk, start, start + take))
        pendingRows += take
        start += take
        if (pendingRows === batchRows) {
          yield check(pending.length === 1 ? pending[0]! : withColumnsOf(concatTables(pending), requests))
          pending = []
          pendingRows = 0
        }
      }
    }
    if (pendingRows > 0) yield check(pending.length === 1 ? pending[0]! : withColumnsOf(concatTables(pending), requests))
    if (rowOffset === 0) throw noRowsError(file)
  } finally {
    await reader.close()
  }
}

/**
 * The number of rows in a data file: from the Parquet footer, or by streaming the file without
 * converting a column (Arrow IPC reads each batch's header; CSV parses every line).
 */
export async function countRows(path: string, options: { displayName?: string } = {}): Promise<number> {
  const reader = await openReader(path, options.displayName ?? path)
  try {
    if (reader.rowCount !== undefined) return reader.rowCount
    let rows = 0
    for await (const chunk of reader.chunks([])) rows += chunk.rowCount
    return rows
  } finally {
    await reader.close()
  }
}

/** concatTables of zero chunks has no columns; keep the requested ones (empty). */
function withColumnsOf(table: DataTable, requests: readonly ColumnRequest[]): DataTable {
  if (table.columns.size > 0 || requests.length === 0) return table
  return { rowCount: 0, columns: new Map(requests.map((r) => [r.name, { kind: 'numeric', values: new Float64Array(0) }])) }
}

function noRowsError(file: string): DataError {
  return new DataError(`${file}: the file holds column names but no rows. Fix: point the spec at the file with the data, or re-export it.`)
}

async function openReader(path: string, file: string): Promise<FormatReader> {
  const format = dataFormat(path, file)
  let size: number
  try {
    const info = await stat(path)
    if (info.isDirectory()) throw new DataError(`${file}: is a directory, not a data file. Fix: give the path of a .csv, .arrow or .parquet file.`)
    size = info.size
  } catch (error) {
    if (error instanceof DataError) throw error
    if (isSystemError(error)) throw fileSystemError(file, error)
    throw error
  }
  if (size === 0) throw new DataError(`${file}: the file is empty (0 bytes). Fix: re-export the data; an interrupted write or a missing Git LFS fetch leaves empty files.`)
  // stat succeeding does not mean open and read will (permissions, a file removed or replaced meanwhile).
  const reader = await translateSystemErrors(file, () => {
    switch (format) {
      case 'csv':
        return openCsv(path, file)
      case 'arrow':
        return openArrow(path, file)
      case 'parquet':
        return openParquet(path, file)
    }
  })
  return {
    columnNames: reader.columnNames,
    ...(reader.rowCount !== undefined ? { rowCount: reader.rowCount } : {}),
    async *chunks(requests, maxRows, startRow) {
      const iterator = reader.chunks(requests, maxRows, startRow)
      for (;;) {
        const next = await translateSystemErrors(file, () => iterator.next())
        if (next.done) return
        yield next.value
      }
    },
    close: () => reader.close(),
  }
}

/** Runs `action`, turning an operating-system error into a DataError that names the file and the cause. */
async function translateSystemErrors<T>(file: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (error) {
    if (isSystemError(error)) throw fileSystemError(file, error)
    throw error
  }
}

function planColumns(reader: FormatReader, file: string, options: ReadOptions): ColumnRequest[] {
  const names: string[] = []
  for (const name of [...(options.columns ?? reader.columnNames), ...(options.numeric ?? []), ...(options.categorical ?? []), ...(options.notNull ?? [])]) {
    if (!names.includes(name)) names.push(name)
  }
  const present = new Set(reader.columnNames)
  const missing = names.filter((name) => !present.has(name))
  if (missing.length > 0) throw missingColumnsError(file, missing, reader.columnNames)
  const numeric = new Set(options.numeric ?? [])
  const categorical = new Set(options.categorical ?? [])
  return names.map((name) => {
    if (numeric.has(name) && categorical.has(name)) throw new Error(`column '${name}' cannot be both numeric and categorical`)
    return {
      name,
      kind: numeric.has(name) ? 'numeric' : categorical.has(name) ? 'categorical' : 'auto',
      dictionary: new CategoryDictionary(),
    }
  })
}
