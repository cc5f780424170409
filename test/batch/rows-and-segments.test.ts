import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkRows } from '../../src/batch/rows.js'
import { runSegment, type BatchOutcome, type SegmentWork } from '../../src/batch/segment.js'
import { CategoryDictionary } from '../../src/data/categories.js'
import type { Column, DataTable } from '../../src/data/table.js'

function categorical(values: Array<string | null>) {
  const dictionary = new CategoryDictionary()
  return { kind: 'categorical' as const, codes: Int32Array.from(values, (v) => (v === null ? -1 : dictionary.code(v))), categories: dictionary.categories }
}

describe('checkRows', () => {
  test('a null or text feature fails its row alone, with the file row and a reason; the rest is scored', () => {
    const batch: DataTable = {
      rowCount: 6,
      columns: new Map<string, Column>([
        ['x', { kind: 'numeric' as const, values: Float64Array.from([1, Number.NaN, Number.NaN, 4, 5, 6]) }],
        ['y', categorical(['1.5', '2', '3', 'abc', '5', null])],
        ['c', categorical(['a', 'b', 'c', 'd', 'e', 'f'])],
      ]),
    }
    const checked = checkRows(batch, 100, new Map([['x', 'numeric'], ['y', 'numeric'], ['c', 'string']]))
    assert.equal(checked.failedRows, 4)
    assert.deepEqual(checked.failures, [
      { start: 101, end: 103, reason: "null in feature 'x'" },
      { start: 103, end: 104, reason: "text in numeric feature 'y'" },
      { start: 105, end: 106, reason: "null in feature 'y'" },
    ])
    assert.deepEqual(Array.from(checked.rowIds), [100, 104])
    assert.deepEqual(Array.from(checked.table.columns.get('y') as Float64Array), [1.5, 5])
    assert.deepEqual(checked.table.columns.get('c'), ['a', 'e'])
  })

  test('a batch without problems is passed on without a copy', () => {
    const values = Float64Array.from([1, 2, 3])
    const checked = checkRows({ rowCount: 3, columns: new Map([['x', { kind: 'numeric', values }]]) }, 0, new Map([['x', 'numeric']]))
    assert.equal(checked.table.columns.get('x'), values)
    assert.deepEqual(checked.failures, [])
  })
})

/** A segment's work over an in-memory file of `rows` rows, failing as `fails` says. */
function fakeWork(rows: number, fails: (what: 'open' | 'read' | 'score', start: number, attempt: number) => string | undefined) {
  const opened: number[] = []
  const recorded: BatchOutcome[] = []
  const retried: string[] = []
  const attempts = new Map<string, number>()
  const attempt = (what: string, start: number) => {
    const key = `${what}:${start}`
    const n = (attempts.get(key) ?? 0) + 1
    attempts.set(key, n)
    return n
  }
  const work: SegmentWork = {
    open(_file, start, end) {
      opened.push(start)
      const openFailure = fails('open', start, attempt('open', start))
      let at = start
      return {
        async next() {
          if (openFailure) throw new Error(openFailure)
          if (at >= Math.min(end, rows)) return { done: true, value: undefined }
          const readFailure = fails('read', at, attempt('read', at))
          if (readFailure) throw new Error(readFailure)
          const n = Math.min(10, Math.min(end, rows) - at)
          at += n
          return { done: false, value: { rowCount: n, columns: new Map() } }
        },
      }
    },
    async score(batch) {
      const failure = fails('score', batch.start, attempt('score', batch.start))
      if (failure) throw new Error(failure)
      return { scored: batch.end - batch.start, failedRows: 0, failures: [] }
    },
    async record(outcome) {
      recorded.push(outcome)
    },
    retrying(batch, n, reason) {
      retried.push(`${batch.start} try ${n}: ${reason}`)
    },
  }
  return { work, opened, recorded, retried }
}

const segment = { file: 0, batches: [0, 10, 20, 30].map((start) => ({ file: 0, start, end: start + 10 })) }

describe('runSegment', () => {
  test('retries a batch that fails, from its own first row with a fresh reader, and records the try it passed on', async () => {
    const { work, opened, recorded, retried } = fakeWork(40, (what, start, n) => (what === 'score' && start === 10 && n <= 2 ? 'session.run failed: out of memory' : undefined))
    await runSegment(segment, work, 3, () => {})
    assert.deepEqual(opened, [0, 10, 10])
    assert.deepEqual(retried, ['10 try 1: session.run failed: out of memory', '10 try 2: session.run failed: out of memory'])
    assert.deepEqual(recorded.map((o) => [o.batch.start, o.scored, o.attempts]), [[0, 10, 1], [10, 10, 3], [20, 10, 1], [30, 10, 1]])
  })

  test('after max-retries a batch is recorded as failed rows with the reason, and the segment goes on', async () => {
    const { work, recorded } = fakeWork(40, (what, start) => (what === 'read' && start === 20 ? 'corrupt page\n  in column f0' : undefined))
    await runSegment(segment, work, 2, () => {})
    const failed = recorded.find((o) => o.batch.start === 20)!
    assert.deepEqual(failed, { batch: { file: 0, start: 20, end: 30 }, attempts: 3, scored: 0, failedRows: 10, failures: [{ start: 20, end: 30, reason: 'corrupt page in column f0' }] })
    assert.deepEqual(recorded.map((o) => o.scored), [10, 10, 0, 10])
  })

  test('a file that cannot be opened fails each of its batches with the reason', async () => {
    const { work, recorded } = fakeWork(40, (what) => (what === 'open' ? 'data.parquet: not a Parquet file' : undefined))
    await runSegment(segment, work, 0, () => {})
    assert.deepEqual(recorded.map((o) => o.failures[0]?.reason), Array(4).fill('data.parquet: not a Parquet file'))
  })

  test('a file shorter than counted fails the missing batches instead of inventing rows', async () => {
    const { work, recorded } = fakeWork(25, () => undefined)
    await runSegment(segment, work, 0, () => {})
    assert.deepEqual(recorded.map((o) => o.scored), [10, 10, 0, 0])
    assert.match(recorded[2]!.failures[0]!.reason, /the file ended at row 25, but it was counted with at least 40 rows/)
  })
})
