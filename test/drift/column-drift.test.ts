import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { columnDrift, type ColumnValues, type DriftMethodName } from '../../src/drift/index.js'
import { DataError } from '../../src/errors.js'

// Made by test/fixtures/drift/make_evidently_golden.py with Evidently's legacy stattests.
const fixture = new URL('../fixtures/drift/evidently-columns.json', import.meta.url)
interface EvidentlyCase {
  name: string
  kind: 'numeric' | 'categorical'
  reference: Array<number | string>
  current: Array<number | string>
  forced: DriftMethodName | null
  method: DriftMethodName
  score: number
  threshold: number
  drifted: boolean
}

function column(kind: 'numeric' | 'categorical', values: Array<number | string>): ColumnValues {
  return kind === 'numeric' ? { kind, values: values as number[] } : { kind, values: values as string[] }
}

describe('columnDrift against Evidently', () => {
  it('picks the preset\'s method and gives its score (1e-9), threshold and verdict', () => {
    const golden = JSON.parse(readFileSync(fixture, 'utf8')) as { cases: EvidentlyCase[] }
    for (const c of golden.cases) {
      const result = columnDrift(c.name, column(c.kind, c.reference), column(c.kind, c.current), c.forced ? { method: c.forced } : {})
      assert.equal(result.method, c.method, `${c.name} method`)
      assert.ok(Math.abs(result.score - c.score) <= 1e-9 * Math.max(1, Math.abs(c.score)), `${c.name} score: got ${result.score}, expected ${c.score}`)
      assert.equal(result.threshold, c.threshold, `${c.name} threshold`)
      assert.equal(result.drifted, c.drifted, `${c.name} verdict`)
    }
  })
})

describe('columnDrift bad input', () => {
  it('names the column and the side that is empty, mistyped or unusable', () => {
    const num = (values: number[]): ColumnValues => ({ kind: 'numeric', values })
    const cat = (values: string[]): ColumnValues => ({ kind: 'categorical', values })
    const rejects = (fn: () => unknown, message: string) => assert.throws(fn, (e: unknown) => e instanceof DataError && e.message === message)
    rejects(() => columnDrift('age', num([]), num([1])), "drift: column 'age' has no reference values; a drift verdict needs at least one")
    rejects(() => columnDrift('age', num([1]), num([])), "drift: column 'age' has no current values; a drift verdict needs at least one")
    rejects(() => columnDrift('age', num([1]), cat(['1'])), "drift: column 'age' is numeric in the reference but categorical in the current data")
    rejects(() => columnDrift('city', cat(['a']), cat(['b']), { method: 'ks' }), "drift: method 'ks' needs a numeric column; 'city' is categorical (use chisquare, z, psi or jensenshannon)")
    rejects(() => columnDrift('age', num([1, 2]), num([Number.NaN])), "column 'age' (current): value 0 is NaN; drift statistics need finite numbers (drop or report NaN and infinities first)")
  })

  it('uses a per-feature threshold', () => {
    const ref: ColumnValues = { kind: 'numeric', values: [1, 2, 3, 4, 5, 6, 7] }
    const cur: ColumnValues = { kind: 'numeric', values: [2, 3, 4, 5, 6, 7, 8] }
    const loose = columnDrift('x', ref, cur, { method: 'wasserstein', threshold: 1 })
    assert.equal(loose.threshold, 1)
    assert.equal(loose.drifted, false)
    assert.equal(columnDrift('x', ref, cur, { method: 'wasserstein' }).drifted, true)
  })
})

