// The row-range read batch scoring added to src/data: readBatches startRow/endRow and countRows.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { countRows, readBatches } from '../../src/data/read-table.js'
import { featureValue, tempDir, writeForestData } from './helpers.js'

describe('reading a row range', () => {
  let dir: string
  let remove: () => Promise<void>
  before(async () => {
    ;({ dir, remove } = await tempDir('range'))
    // Arrow in record batches of 700 rows, Parquet in row groups of 900: ranges cross both.
    for (const file of ['x.csv', 'x.arrow', 'x.parquet']) await writeForestData(join(dir, file), 2000, 7)
  })
  after(() => remove())

  for (const file of ['x.csv', 'x.arrow', 'x.parquet']) {
    test(`${file}: every range gives exactly its rows, in batches counted from the range's start`, async () => {
      assert.equal(await countRows(join(dir, file)), 2000)
      for (const [start, end] of [[0, 2000], [13, 40], [699, 1401], [899, 901], [1999, 2000], [1500, 5000], [2000, 2000]] as const) {
        const values: number[] = []
        const sizes: number[] = []
        for await (const batch of readBatches(join(dir, file), { columns: ['f2'], batchRows: 128, startRow: start, endRow: end })) {
          const column = batch.columns.get('f2')!
          assert.equal(column.kind, 'numeric')
          values.push(...column.values)
          sizes.push(batch.rowCount)
        }
        const want = Array.from({ length: Math.min(end, 2000) - start }, (_, i) => featureValue(7, start + i, 2))
        assert.deepEqual(values, want, `${file} rows ${start}-${end}`)
        assert.ok(sizes.slice(0, -1).every((n) => n === 128), `${file} rows ${start}-${end}: batches ${sizes.join(',')}`)
      }
    })
  }

  test('a null in a range is reported with its row in the file, not in the range', async () => {
    const path = join(dir, 'nulls.csv')
    const { writeFile } = await import('node:fs/promises')
    await writeFile(path, 'a,b\n' + Array.from({ length: 50 }, (_, i) => `${i === 42 ? '' : i},${i}`).join('\n') + '\n')
    await assert.rejects(async () => {
      for await (const batch of readBatches(path, { notNull: ['a'], batchRows: 5, startRow: 40, endRow: 50 })) void batch
    }, /row 43/)
  })
})
