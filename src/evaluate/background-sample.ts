/**
 * The background rows of an explanation: a seeded uniform sample of the training data drawn while
 * it streams (reservoir sampling, Vitter's algorithm R), so a large training file is never held in
 * memory whole and a sorted file still gives a fair sample.
 *
 * A row with a null or NaN in any feature is left out before sampling and counted: the model cannot
 * be fed it (the test data refuses such rows outright), and a NaN that reached E[f] would make every
 * attribution NaN. Only when no complete row is left is that an error.
 */
import { readBatches, type BatchOptions } from '../data/read-table.js'
import { DataError } from '../errors.js'
import type { ColumnarTable, TableColumn } from '../onnx/table.js'
import { createRandom, randomInt } from '../explain/random.js'
import { toTableColumn } from './columnar.js'

/** Options of `sampleBackground`. */
export interface BackgroundSampleOptions extends BatchOptions {
  /** Feature columns to keep. */
  features: readonly string[]
  /** Rows to keep; fewer when the file is shorter. */
  rows: number
  /** Seed of the sample; default 0. */
  seed?: number
}

/** What `sampleBackground` returns. */
export interface BackgroundSample {
  /** Up to `rows` complete rows, uniformly sampled, in the order of their sampling. */
  table: ColumnarTable
  /** Rows of the file left out because a feature was null or NaN. */
  incompleteRows: number
}

/** Up to `rows` complete rows of `path`, uniformly sampled; throws DataError when no row is complete. */
export async function sampleBackground(path: string, options: BackgroundSampleOptions): Promise<BackgroundSample> {
  const { features, rows, seed, ...read } = options
  const random = createRandom(seed ?? 0)
  const kept = new Map<string, Array<number | string | null>>(features.map((name) => [name, []]))
  const numeric = new Set<string>()
  let seen = 0
  let incompleteRows = 0
  for await (const batch of readBatches(path, { ...read, columns: features })) {
    const columns = features.map((name) => {
      const column = batch.columns.get(name)!
      if (column.kind === 'numeric') numeric.add(name)
      return toTableColumn(column) as ArrayLike<number | string | null>
    })
    for (let i = 0; i < batch.rowCount; i++) {
      if (columns.some((column) => isMissing(column[i]))) {
        incompleteRows++
        continue
      }
      const slot = seen < rows ? seen : randomInt(random, seen + 1)
      seen++
      if (slot >= rows) continue
      features.forEach((name, j) => {
        kept.get(name)![slot] = columns[j]![i]!
      })
    }
  }
  if (seen === 0) {
    const file = read.displayName ?? path
    throw new DataError(
      `${file}: all ${incompleteRows} rows have a null or NaN in a feature, so no row can serve as the explanation background. ` +
        'Fix: fill the missing values in the training data, or set evaluate.explain.method: permutation (it reads only the test data).',
    )
  }
  const count = Math.min(rows, seen)
  const columns = new Map<string, TableColumn>()
  for (const name of features) {
    const values = kept.get(name)!
    columns.set(name, numeric.has(name) ? Float64Array.from(values as number[]) : (values as Array<string | null>))
  }
  return { table: { rowCount: count, columns }, incompleteRows }
}

function isMissing(value: number | string | null | undefined): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))
}
