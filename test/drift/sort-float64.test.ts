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

  it('sorts data that defeats equal-width buckets: outliers, heavy tails, ties, a range that overflows', () => {
    let seed = 7
    const uniform = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const n = 20_000
    const shapes: Record<string, (i: number) => number> = {
      outliers: (i) => (i === 3 ? 1e300 : i === 9 ? -1e300 : uniform()),
      heavyTails: () => Math.exp((uniform() - 0.5) * 60),
      ties: () => Math.round(uniform() * 4),
      overflowRange: (i) => (i % 2 ? Number.MAX_VALUE : -Number.MAX_VALUE) * uniform(),
      powersOfTwo: (i) => 2 ** (((i * 7919) % 2000) - 1000),
    }
    for (const [name, shape] of Object.entries(shapes)) {
      const values = Float64Array.from({ length: n }, (_, i) => shape(i))
      const expected = Float64Array.from(values).sort()
      const actual = sortFinite(values)
      for (let i = 0; i < n; i++) assert.ok(actual[i] === expected[i], `${name}, index ${i}: ${actual[i]} vs ${expected[i]}`)
    }
  })
})

describe('SortWorkspace refuses what it cannot sort', () => {
  it('a NaN or an infinity is a DataError naming its index, short or long, never a hang', async () => {
    const { SortWorkspace } = await import('../../src/drift/sort-float64.js')
    for (const length of [10, 5000]) {
      for (const bad of [Number.NaN, Infinity, -Infinity]) {
        const values = Float64Array.from({ length }, (_, i) => i * 0.5)
        values[7] = bad
        assert.throws(() => new SortWorkspace().sortInPlace(values), { name: 'DataError', message: new RegExp(`value 7 is ${bad}`) })
      }
    }
  })
})
