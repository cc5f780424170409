/**
 * Row checks before scoring: a feature that is null, or text where the model takes a number, fails
 * that row alone (reported with its file and row); the other rows of the batch are scored. Features
 * are read as the file types them (`auto`), so one bad cell never stops the reader.
 */
import type { Column, DataTable } from '../data/table.js'
import { NULL_CODE } from '../data/table.js'
import { NOT_A_NUMBER, parseNumber } from '../data/parse-number.js'
import type { ColumnarTable, TableColumn } from '../onnx/table.js'

/** Rows [start, end) of a file that failed, and why. */
export interface RowFailure {
  readonly start: number
  readonly end: number
  readonly reason: string
}

/** A checked batch: the rows to score and the rows that failed. */
export interface CheckedBatch {
  /** The rows that passed, as the inference table. */
  readonly table: ColumnarTable
  /** File row index of each row of `table`. */
  readonly rowIds: Float64Array
  /** Failed rows, merged into runs of one reason, in row order. */
  readonly failures: RowFailure[]
  readonly failedRows: number
}

/** What each feature must be: a number, or text (a string input of the model). */
export type FeatureTypes = ReadonlyMap<string, 'numeric' | 'string'>

/** Checks rows [firstRow, firstRow + batch.rowCount) of a file against the model's feature types. */
export function checkRows(batch: DataTable, firstRow: number, features: FeatureTypes): CheckedBatch {
  const n = batch.rowCount
  // Made on the first failed row: most batches have none, and a batch-sized array each is garbage.
  let reasons: Array<string | undefined> | undefined
  let failedRows = 0
  const fail = (row: number, reason: string): void => {
    reasons ??= new Array<string | undefined>(n)
    if (reasons[row] === undefined) {
      reasons[row] = reason
      failedRows++
    }
  }
  const columns = new Map<string, TableColumn>()
  for (const [name, type] of features) {
    const column = batch.columns.get(name)!
    columns.set(name, type === 'numeric' ? numericFeature(name, column, fail) : stringFeature(name, column, fail))
  }
  const rowIds = new Float64Array(n)
  for (let i = 0; i < n; i++) rowIds[i] = firstRow + i
  if (failedRows === 0 || !reasons) return { table: { rowCount: n, columns }, rowIds, failures: [], failedRows }

  const keep: number[] = []
  const failures: RowFailure[] = []
  for (let i = 0; i < n; i++) {
    const reason = reasons[i]
    if (reason === undefined) {
      keep.push(i)
      continue
    }
    const last = failures[failures.length - 1]
    if (last && last.end === firstRow + i && last.reason === reason) failures[failures.length - 1] = { ...last, end: last.end + 1 }
    else failures.push({ start: firstRow + i, end: firstRow + i + 1, reason })
  }
  const picked = new Map<string, TableColumn>()
  for (const [name, column] of columns) {
    if (column instanceof Float64Array) picked.set(name, Float64Array.from(keep, (i) => column[i]!))
    else picked.set(name, keep.map((i) => column[i] ?? null))
  }
  return { table: { rowCount: keep.length, columns: picked }, rowIds: Float64Array.from(keep, (i) => firstRow + i), failures, failedRows }
}

function numericFeature(name: string, column: Column, fail: (row: number, reason: string) => void): Float64Array {
  if (column.kind === 'numeric') {
    const values = column.values
    for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) fail(i, `null in feature '${name}'`)
    return values
  }
  // Text in a numeric feature: each distinct text is parsed once, through the dictionary.
  const parsed = new Map<number, number | typeof NOT_A_NUMBER>()
  const out = new Float64Array(column.codes.length)
  for (let i = 0; i < column.codes.length; i++) {
    const code = column.codes[i]!
    if (code === NULL_CODE) {
      fail(i, `null in feature '${name}'`)
      out[i] = Number.NaN
      continue
    }
    let value = parsed.get(code)
    if (value === undefined) {
      value = parseNumber(column.categories[code]!)
      parsed.set(code, value)
    }
    if (value === NOT_A_NUMBER || Number.isNaN(value)) {
      fail(i, value === NOT_A_NUMBER ? `text in numeric feature '${name}'` : `null in feature '${name}'`)
      out[i] = Number.NaN
    } else out[i] = value
  }
  return out
}

function stringFeature(name: string, column: Column, fail: (row: number, reason: string) => void): Array<string | null> | Float64Array {
  if (column.kind === 'numeric') {
    // Category codes written as numbers (1, 2, 3): predict's string feeds turn them into their text.
    for (let i = 0; i < column.values.length; i++) if (column.values[i] !== column.values[i]) fail(i, `null in feature '${name}'`)
    return column.values
  }
  const out = new Array<string | null>(column.codes.length)
  for (let i = 0; i < column.codes.length; i++) {
    const code = column.codes[i]!
    if (code === NULL_CODE) {
      fail(i, `null in feature '${name}'`)
      out[i] = null
    } else out[i] = column.categories[code]!
  }
  return out
}
