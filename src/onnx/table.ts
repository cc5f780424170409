/**
 * The columnar table shape inference reads: a numeric column is a Float64Array with NaN for null, a
 * categorical column an array of strings (null for missing). `src/data`'s `DataTable` (numeric
 * `{ kind, values }`, dictionary-encoded categorical `{ kind, codes, categories }`) is accepted
 * everywhere a table is (`TableLike`) and converted once by `asColumnarTable`: numeric columns without
 * a copy, categorical ones decoded to strings (cached per column object).
 */
import type { Column as DataColumn, DataTable } from '../data/table.js'
import { DataError } from '../errors.js'

/** A numeric column: one float64 per row, NaN for null. */
export type NumericColumn = Float64Array

/** A categorical column: one string per row, null (or undefined) for missing. */
export type CategoricalColumn = ArrayLike<string | null | undefined>

/** Any column a table may hold. */
export type TableColumn = NumericColumn | CategoricalColumn

/** Rows × named columns; every column has `rowCount` entries. */
export interface ColumnarTable {
  readonly rowCount: number
  readonly columns: ReadonlyMap<string, TableColumn>
}

/** A table in either shape: this module's or `src/data`'s `DataTable`. */
export type TableLike = ColumnarTable | DataTable

const decoded = new WeakMap<object, TableColumn>()

function asTableColumn(column: TableColumn | DataColumn): TableColumn {
  if (column instanceof Float64Array || !('kind' in column)) return column as TableColumn
  if (column.kind === 'numeric') return column.values
  let strings = decoded.get(column)
  if (!strings) {
    const { codes, categories } = column
    const out = new Array<string | null>(codes.length)
    for (let i = 0; i < codes.length; i++) out[i] = categories[codes[i]!] ?? null
    strings = out
    decoded.set(column, strings)
  }
  return strings
}

/** The table as a ColumnarTable; returns it unchanged when it already is one. */
export function asColumnarTable(table: TableLike): ColumnarTable {
  let converted = false
  const columns = new Map<string, TableColumn>()
  for (const [name, column] of table.columns as ReadonlyMap<string, TableColumn | DataColumn>) {
    const plain = asTableColumn(column)
    if (plain !== column) converted = true
    columns.set(name, plain)
  }
  return converted ? { rowCount: table.rowCount, columns } : (table as ColumnarTable)
}

/** True for a numeric (Float64Array) column. */
export function isNumericColumn(column: TableColumn): column is NumericColumn {
  return column instanceof Float64Array
}

/** Builds a table from a record of equally long columns (row count from the first column; 0 when none). */
export function tableFromColumns(columns: Record<string, TableColumn>): ColumnarTable {
  const entries = Object.entries(columns)
  const rowCount = entries[0]?.[1].length ?? 0
  for (const [name, column] of entries) {
    if (column.length !== rowCount) {
      throw new DataError(
        `column '${name}' has ${column.length} rows but column '${entries[0]![0]}' has ${rowCount}; every column of a table needs the same number of rows`,
      )
    }
  }
  return { rowCount, columns: new Map(entries) }
}

/** The named column, or a DataError naming the columns the table does have. */
export function requireColumn(table: ColumnarTable, name: string): TableColumn {
  const column = table.columns.get(name)
  if (column === undefined) {
    const have = [...table.columns.keys()].map((k) => `'${k}'`).join(', ') || 'none'
    throw new DataError(`the data has no column '${name}' (columns: ${have}); add the column or remove '${name}' from data.features`)
  }
  return column
}

/** A new table holding the given rows (by index, in that order) of `table`; columns keep their kind. */
export function selectRows(table: ColumnarTable, indices: ArrayLike<number>): ColumnarTable {
  const columns = new Map<string, TableColumn>()
  for (const [name, column] of table.columns) {
    if (isNumericColumn(column)) {
      const picked = new Float64Array(indices.length)
      for (let i = 0; i < indices.length; i++) picked[i] = column[indices[i]!]!
      columns.set(name, picked)
    } else {
      const picked = new Array<string | null>(indices.length)
      for (let i = 0; i < indices.length; i++) picked[i] = column[indices[i]!] ?? null
      columns.set(name, picked)
    }
  }
  return { rowCount: indices.length, columns }
}
