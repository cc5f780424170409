/**
 * Bridges the data layer's columns (numeric Float64Array, dictionary-coded text) and the inference
 * layer's table (Float64Array, or an array of strings with null for missing).
 */
import type { Column, DataTable } from '../data/table.js'
import { NULL_CODE } from '../data/table.js'
import type { ColumnarTable, TableColumn } from '../onnx/table.js'

/** One data column as inference reads it; text columns are decoded once. */
export function toTableColumn(column: Column): TableColumn {
  if (column.kind === 'numeric') return column.values
  const { codes, categories } = column
  const out = new Array<string | null>(codes.length)
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!
    out[i] = code === NULL_CODE ? null : categories[code]!
  }
  return out
}

/** The named columns of a data table as an inference table. */
export function toColumnarTable(table: DataTable, names: readonly string[]): ColumnarTable {
  const columns = new Map<string, TableColumn>()
  for (const name of names) {
    const column = table.columns.get(name)
    if (column) columns.set(name, toTableColumn(column))
  }
  return { rowCount: table.rowCount, columns }
}

/** A copy of the named columns, so a kept batch does not pin the whole decoded chunk in memory. */
export function copyColumns(table: DataTable, names: readonly string[]): DataTable {
  const columns = new Map<string, Column>()
  for (const name of names) {
    const column = table.columns.get(name)
    if (!column) continue
    columns.set(
      name,
      column.kind === 'numeric'
        ? { kind: 'numeric', values: column.values.slice() }
        : { kind: 'categorical', codes: column.codes.slice(), categories: column.categories },
    )
  }
  return { rowCount: table.rowCount, columns }
}
