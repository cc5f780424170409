import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { DataTable } from '../../src/data/table.js'
import { buildReferenceProfile, encodeFloat64, quantileSorted } from '../../src/registry/reference-profile.js'

const table: DataTable = {
  rowCount: 5,
  columns: new Map([
    ['tenure', { kind: 'numeric' as const, values: Float64Array.from([4, 1, NaN, 3, 2]) }],
    ['flag', { kind: 'numeric' as const, values: Float64Array.from([7, 7, 7, 7, 7]) }],
    ['contract', { kind: 'categorical' as const, codes: Int32Array.from([0, 1, 0, -1, 2]), categories: ['monthly', 'yearly', 'two-year'] }],
  ]),
}

describe('buildReferenceProfile', () => {
  it('summarises numeric features: nulls, moments, numpy-linear quantiles, fixed-edge histogram, value counts', () => {
    const profile = buildReferenceProfile(table, { features: ['tenure'], bins: 3, quantiles: [0, 0.25, 0.5, 1] })
    assert.deepEqual(profile, {
      schema: 'modelship/reference-profile@2',
      rowCount: 5,
      features: {
        tenure: {
          kind: 'numeric',
          count: 4,
          nullCount: 1,
          nullRate: 0.2,
          min: 1,
          max: 4,
          mean: 2.5,
          std: Math.sqrt(1.25),
          // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 100]) == [1, 1.75, 2.5, 4]
          quantiles: [{ q: 0, value: 1 }, { q: 0.25, value: 1.75 }, { q: 0.5, value: 2.5 }, { q: 1, value: 4 }],
          // numpy.histogram([1, 2, 3, 4], bins=3) == ([1, 1, 2], [1, 2, 3, 4])
          histogram: { edges: [1, 2, 3, 4], counts: [1, 1, 2] },
          distinct: 4,
          values: [{ value: 1, count: 1 }, { value: 2, count: 1 }, { value: 3, count: 1 }, { value: 4, count: 1 }],
          // Every value with the rows ≤ it, as float64 little-endian in base64.
          sample: { exact: true, values: encodeFloat64(Float64Array.of(1, 2, 3, 4)), cumulative: encodeFloat64(Float64Array.of(1, 2, 3, 4)), maxGap: 0, wassersteinBound: 0 },
        },
      },
    })
  })

  it('gives a constant column one bin around its value, and counts categories most frequent first', () => {
    const profile = buildReferenceProfile(table, { features: ['flag', 'contract'], maxCategories: 2 })
    const flag = profile.features.flag!
    assert.equal(flag.kind, 'numeric')
    if (flag.kind === 'numeric') {
      assert.deepEqual(flag.histogram, { edges: [6.5, 7.5], counts: [5] })
      assert.equal(flag.std, 0)
    }
    assert.deepEqual(profile.features.contract, {
      kind: 'categorical',
      count: 4,
      nullCount: 1,
      nullRate: 0.2,
      distinct: 3,
      categories: [{ value: 'monthly', count: 2 }, { value: 'two-year', count: 1 }],
      otherCount: 1,
    })
  })

  it('profiles an all-null column without numbers', () => {
    const empty: DataTable = { rowCount: 2, columns: new Map([['x', { kind: 'numeric' as const, values: Float64Array.from([NaN, NaN]) }]]) }
    const x = buildReferenceProfile(empty, { quantiles: [0.5] }).features.x!
    assert.deepEqual(x, { kind: 'numeric', count: 0, nullCount: 2, nullRate: 1, min: null, max: null, mean: null, std: null, quantiles: [{ q: 0.5, value: null }], histogram: { edges: [], counts: [] }, distinct: 0, values: null })
  })

  it('interpolates quantiles as numpy does', () => {
    // numpy.percentile([10, 20, 40], [10, 90]) == [12, 36]
    const sorted = Float64Array.from([10, 20, 40])
    assert.deepEqual([quantileSorted(sorted, 0.1), quantileSorted(sorted, 0.9)].map((v) => Number(v.toFixed(10))), [12, 36])
  })
})
