import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { sortFinite } from '../../src/drift/index.js'

describe('sortFinite', () => {
  it('sorts like a comparison sort, on both sides of the radix cut-over', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 0, maxLength: 6000 }), (values) => {
        const expected = Float64Array.from(values).sort()
        const actual = sortFinite(values)
        assert.equal(actual.length, expected.length)
        for (let i = 0; i < expected.length; i++) assert.ok(actual[i] === expected[i], `index ${i}: ${actual[i]} vs ${expected[i]}`)
      }),
      { numRuns: 40 },
    )
  })

  it('sorts negatives, -0, subnormals and extremes by radix', () => {
    const special = [-Number.MAX_VALUE, -1, -Number.MIN_VALUE, -0, 0, Number.MIN_VALUE, 1, Number.MAX_VALUE]
    const values = Array.from({ length: 4096 }, (_, i) => special[(i * 5) % special.length]!)
    const sorted = sortFinite(values)
    for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1]! <= sorted[i]!, `not ascending at ${i}`)
    assert.equal(sorted[0], -Number.MAX_VALUE)
    assert.equal(sorted[sorted.length - 1], Number.MAX_VALUE)
    assert.ok(!sorted.some((v) => Object.is(v, -0)), '-0 is stored as 0')
  })

  it('leaves its input alone', () => {
    const input = Float64Array.of(3, 1, 2)
    sortFinite(input)
    assert.deepEqual(Array.from(input), [3, 1, 2])
  })
})
