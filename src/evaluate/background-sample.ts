/**
 * The background rows of an explanation: a seeded uniform sample of the training data drawn while
 * it streams (reservoir sampling, Vitter's algorithm R), so a large training file is never held in
 * memory whole and a sorted file still gives a fair sample.
 */
import { readBatches, type BatchOptions } from '../data/read-table.js'
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

/** Up to `rows` rows of `path`, uniformly sampled, in file order of their sampling. */
export async function sampleBackground(path: string, options: BackgroundSampleOptions): Promise<ColumnarTable> {
  const { features, rows, seed, ...read } = options
  const random = createRandom(seed ?? 0)
  const kept = new Map<string, Array<number | string | null>>(features.map((name) => [name, []]))
  const numeric = new Set<string>()
  let seen = 0
  for await (const batch of readBatches(path, { ...read, columns: features })) {
    const columns = features.map((name) => {
      const column = batch.columns.get(name)!
      if (column.kind === 'numeric') numeric.add(name)
      return toTableColumn(column)
    })
    for (let i = 0; i < batch.rowCount; i++, seen++) {
      const slot = seen < rows ? seen : randomInt(random, seen + 1)
      if (slot >= rows) continue
      features.forEach((name, j) => {
        kept.get(name)![slot] = (columns[j] as ArrayLike<number | string | null>)[i] ?? null
      })
    }
  }
  const count = Math.min(rows, seen)
  const columns = new Map<string, TableColumn>()
  for (const name of features) {
    const values = kept.get(name)!
    columns.set(name, numeric.has(name) ? Float64Array.from(values as number[]) : (values as Array<string | null>))
  }
  return { rowCount: count, columns }
}
