import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { checkCoverage, defaultBatchRows, miniBatches, segmentsOf, shardRanges } from '../../src/batch/index.js'

const rowCounts = fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 8 })

describe('shardRanges', () => {
  test('shards never overlap and together cover every row of every file, for any files and shard count', () => {
    fc.assert(
      fc.property(rowCounts, fc.integer({ min: 1, max: 12 }), (counts, shards) => {
        const all = Array.from({ length: shards }, (_, i) => shardRanges(counts, i, shards)).flat()
        assert.deepEqual(checkCoverage(counts, all), [])
        for (const range of all) assert.ok(range.start < range.end)
      }),
    )
  })

  test('is stable and balanced: the same split every time, shard sizes differ by at most one row', () => {
    fc.assert(
      fc.property(rowCounts, fc.integer({ min: 1, max: 12 }), (counts, shards) => {
        const sizes = Array.from({ length: shards }, (_, i) => shardRanges(counts, i, shards).reduce((sum, r) => sum + r.end - r.start, 0))
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1)
        assert.deepEqual(shardRanges(counts, shards - 1, shards), shardRanges([...counts], shards - 1, shards))
      }),
    )
  })

  test('splits rows, not only files: one file of 10 rows over 3 shards', () => {
    assert.deepEqual(
      [0, 1, 2].map((i) => shardRanges([10], i, 3)),
      [[{ file: 0, start: 0, end: 3 }], [{ file: 0, start: 3, end: 6 }], [{ file: 0, start: 6, end: 10 }]],
    )
    assert.deepEqual(shardRanges([2, 0, 3], 1, 2), [{ file: 2, start: 0, end: 3 }])
  })

  test('refuses an index outside the count', () => {
    assert.throws(() => shardRanges([10], 3, 3), /shard index 3 is not between 0 and 2/)
    assert.throws(() => shardRanges([10], 0, 0), /shard count 0/)
  })
})

describe('checkCoverage', () => {
  test('names overlaps, gaps and ranges outside a file', () => {
    const name = (file: number) => ['a.parquet', 'b.csv'][file]!
    assert.deepEqual(
      checkCoverage([10, 5], [{ file: 0, start: 0, end: 6 }, { file: 0, start: 4, end: 10 }, { file: 1, start: 1, end: 5 }], name),
      ['a.parquet: rows 4-6 are in more than one shard', 'b.csv: rows 0-1 are in no shard'],
    )
    assert.deepEqual(checkCoverage([3], [{ file: 0, start: 0, end: 4 }], name), ['a.parquet: rows 0-4 lie outside its 3 rows', 'a.parquet: rows 0-3 are in no shard'])
  })
})

describe('mini-batches and segments', () => {
  test('mini-batches tile each range from its start; segments group consecutive batches of one file', () => {
    fc.assert(
      fc.property(rowCounts, fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 9 }), (counts, batchRows, perSegment) => {
        const ranges = shardRanges(counts, 0, 1)
        const batches = miniBatches(ranges, batchRows)
        assert.deepEqual(checkCoverage(counts, batches), [])
        for (const b of batches) assert.ok(b.end - b.start <= batchRows)
        const segments = segmentsOf(batches, perSegment)
        assert.deepEqual(segments.flatMap((s) => s.batches), batches)
        for (const s of segments) {
          assert.ok(s.batches.length <= perSegment)
          s.batches.forEach((b, k) => k > 0 && assert.equal(b.start, s.batches[k - 1]!.end))
        }
      }),
    )
  })

  test('a batch already done splits its segment, so a resume reads only what is left', () => {
    const batches = miniBatches([{ file: 0, start: 0, end: 50 }], 10).filter((b) => b.start !== 20)
    assert.deepEqual(
      segmentsOf(batches, 10).map((s) => s.batches.map((b) => b.start)),
      [[0, 10], [30, 40]],
    )
  })

  test('the default batch follows the row width: 65,536 rows for six features and one output', () => {
    assert.equal(defaultBatchRows(6, 1), 65_536)
    assert.equal(defaultBatchRows(200, 2), 4096)
    assert.equal(defaultBatchRows(100_000, 1), 1024)
    assert.equal(defaultBatchRows(1, 1), 262_144)
  })
})
