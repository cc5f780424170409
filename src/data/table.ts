/**
 * The one in-memory shape every data reader produces: a column store sized for millions of rows.
 * Numeric columns are Float64Arrays with NaN for null (so metrics and drift read them without
 * boxing); categorical columns are dictionary-encoded (Int32 codes, -1 for null) so grouping by a
 * sensitive feature or counting categories never compares strings row by row.
 */

/** A numeric column: one float64 per row, NaN where the file holds null/empty. */
export interface NumericColumn {
  readonly kind: 'numeric'
  readonly values: Float64Array
}

/**
 * A text column, dictionary-encoded: `categories[codes[i]]` is row i's value, code -1 is null.
 * Categories are in first-appearance order. Batches from one `readBatches` call share one
 * append-only `categories` array, so a code means the same value in every batch.
 */
export interface CategoricalColumn {
  readonly kind: 'categorical'
  readonly codes: Int32Array
  readonly categories: readonly string[]
}

/** One column of a `DataTable`. */
export type Column = NumericColumn | CategoricalColumn

/** Columns by name, in file (or requested) order, all `rowCount` long. */
export interface DataTable {
  readonly rowCount: number
  readonly columns: ReadonlyMap<string, Column>
}

/** Code stored for a null in a categorical column. */
export const NULL_CODE = -1

/** Row i of a column as a plain value: a number, a string, or null. */
export function valueAt(column: Column, row: number): number | string | null {
  if (column.kind === 'numeric') {
    const value = column.values[row]!
    return Number.isNaN(value) ? null : value
  }
  const code = column.codes[row]!
  return code === NULL_CODE ? null : column.categories[code]!
}

/** Null count and the 0-based index of the first null row (-1 when there is none). */
export function firstNulls(column: Column): { count: number; first: number } {
  let count = 0
  let first = -1
  if (column.kind === 'numeric') {
    const values = column.values
    for (let i = 0; i < values.length; i++) {
      if (values[i] !== values[i]) {
        if (count === 0) first = i
        count++
      }
    }
  } else {
    const codes = column.codes
    for (let i = 0; i < codes.length; i++) {
      if (codes[i] === NULL_CODE) {
        if (count === 0) first = i
        count++
      }
    }
  }
  return { count, first }
}

/** Rows [start, end) of a table; the typed arrays are views, not copies. */
export function sliceTable(table: DataTable, start: number, end: number): DataTable {
  const columns = new Map<string, Column>()
  for (const [name, column] of table.columns) {
    columns.set(
      name,
      column.kind === 'numeric'
        ? { kind: 'numeric', values: column.values.subarray(start, end) }
        : { kind: 'categorical', codes: column.codes.subarray(start, end), categories: column.categories },
    )
  }
  return { rowCount: end - start, columns }
}

/**
 * Concatenates tables with the same columns. Categorical columns must share their `categories`
 * (true for batches of one read); the result keeps that array.
 */
export function concatTables(tables: readonly DataTable[]): DataTable {
  const first = tables[0]
  if (!first) return { rowCount: 0, columns: new Map() }
  let rowCount = 0
  for (const table of tables) rowCount += table.rowCount
  const columns = new Map<string, Column>()
  for (const [name, column] of first.columns) {
    if (column.kind === 'numeric') {
      const values = new Float64Array(rowCount)
      let at = 0
      for (const table of tables) {
        const part = table.columns.get(name) as NumericColumn
        values.set(part.values, at)
        at += part.values.length
      }
      columns.set(name, { kind: 'numeric', values })
    } else {
      const codes = new Int32Array(rowCount)
      let at = 0
      for (const table of tables) {
        const part = table.columns.get(name) as CategoricalColumn
        if (part.categories !== column.categories) throw new Error(`concatTables: column '${name}' has different dictionaries`)
        codes.set(part.codes, at)
        at += part.codes.length
      }
      columns.set(name, { kind: 'categorical', codes, categories: column.categories })
    }
  }
  return { rowCount, columns }
}
