/**
 * The columnar table shape inference reads. It is deliberately minimal so that `src/data`'s
 * `DataTable { rowCount, columns: Map<string, Column> }` satisfies it structurally: a numeric column is
 * a Float64Array with NaN for null, a categorical column an array of strings (null for missing).
 */
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
