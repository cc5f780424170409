/** Shared helpers for the explanation tests: fixtures as tables. */
import { readFileSync } from 'node:fs'
import { tableFromColumns, type ColumnarTable } from '../../src/onnx/table.js'

export const FIXTURES = 'test/fixtures/onnx'

/** Reads a JSON golden file from the ONNX fixtures. */
export function golden<T>(name: string): T {
  return JSON.parse(readFileSync(`${FIXTURES}/${name}`, 'utf8')) as T
}

/** Rows of mixed values → a table with a Float64Array per numeric column and strings otherwise. */
export function rowsTable(rows: ReadonlyArray<ReadonlyArray<number | string>>, names: readonly string[]): ColumnarTable {
  return tableFromColumns(
    Object.fromEntries(
      names.map((name, j) => [
        name,
        typeof rows[0]?.[j] === 'string' ? rows.map((row) => row[j] as string) : Float64Array.from(rows, (row) => row[j] as number),
      ]),
    ),
  )
}

/** Feature names f0 … f{n-1}. */
export function featureNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `f${i}`)
}
