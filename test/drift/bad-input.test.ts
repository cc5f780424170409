import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  chiSquareGoodnessOfFit, computePsi, jensenShannonDistance, ksTwoSample, normalizedWasserstein, sortFinite,
  twoProportionZTest, wassersteinDistance,
} from '../../src/drift/index.js'
import { DataError } from '../../src/errors.js'

const empty = new Float64Array(0)
const some = Float64Array.of(1, 2, 3)

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => error instanceof DataError && error.message === message)
}

describe('drift statistics refuse to score nothing', () => {
  it('KS and Wasserstein name the empty side', () => {
    rejects(() => ksTwoSample(empty, some), 'KS test: the reference sample is empty; a drift test needs at least one row a side')
    rejects(() => ksTwoSample(some, empty), 'KS test: the current sample is empty; a drift test needs at least one row a side')
    rejects(() => wassersteinDistance(some, empty), 'Wasserstein: the current sample is empty; a drift score needs at least one row')
    rejects(() => normalizedWasserstein(empty, some), 'Wasserstein: the reference sample is empty; a drift score needs at least one row')
  })

  it('histogram statistics refuse an empty side, mismatched bins and bad counts', () => {
    rejects(() => computePsi([0, 0], [1, 2]), 'PSI: the reference histogram is empty; a drift score needs at least one reference row')
    rejects(() => computePsi([1, 2], [1, 2, 3]), 'PSI needs the same bins on both sides; got 2 reference and 3 current bins')
    rejects(() => computePsi([1, Number.NaN], [1, 2]), 'PSI: reference bin 1 is NaN; expected a finite count ≥ 0')
    rejects(() => jensenShannonDistance([1, 2], [0, 0]), 'Jensen-Shannon: the current histogram is empty; a drift score needs at least one current row')
    rejects(() => jensenShannonDistance([1], [1, 2]), 'Jensen-Shannon needs the same bins on both sides; got 1 reference and 2 current bins')
    rejects(() => jensenShannonDistance([-1, 2], [1, 2]), 'Jensen-Shannon: reference bin 0 is -1; expected a finite count ≥ 0')
    rejects(() => chiSquareGoodnessOfFit([3], [4]), 'chi-square needs at least 2 categories; got 1')
    rejects(() => chiSquareGoodnessOfFit([3, 4], [4]), 'chi-square needs one count per category on both sides; got 2 reference and 1 current counts')
    rejects(() => chiSquareGoodnessOfFit([0, 0], [4, 1]), 'chi-square: the reference counts are all zero; a drift test needs at least one reference row')
    rejects(() => chiSquareGoodnessOfFit([1, 2], [Number.POSITIVE_INFINITY, 1]), 'chi-square: current count 0 is Infinity; expected a finite count ≥ 0')
  })

  it('the Z-test checks its counts', () => {
    rejects(() => twoProportionZTest(0, 0, 1, 2), 'z-test: reference row count is 0; expected a whole number > 0')
    rejects(() => twoProportionZTest(3, 2, 1, 2), 'z-test: reference count of the first value is 3; expected a whole number from 0 to 2')
    rejects(() => twoProportionZTest(1, 2, 1.5, 2), 'z-test: current count of the first value is 1.5; expected a whole number from 0 to 2')
  })

  it('sortFinite names the first NaN or infinity instead of sorting it in', () => {
    rejects(() => sortFinite([1, Number.NaN], 'age'), 'age: value 1 is NaN; drift statistics need finite numbers (drop or report NaN and infinities first)')
    rejects(() => sortFinite(Array.from({ length: 5000 }, (_, i) => (i === 4000 ? -Infinity : i))), 'sample: value 4000 is -Infinity; drift statistics need finite numbers (drop or report NaN and infinities first)')
  })
})

describe('drift statistics at the edges', () => {
  it('a category only the current data has is drift: chi-square ∞, p = 0 (as scipy)', () => {
    assert.deepEqual(chiSquareGoodnessOfFit([5, 5, 0], [5, 5, 1]), { statistic: Number.POSITIVE_INFINITY, pValue: 0, degreesOfFreedom: 2 })
  })

  it('a category absent on both sides adds nothing to chi-square', () => {
    assert.deepEqual(chiSquareGoodnessOfFit([5, 5, 0], [5, 5, 0]), { statistic: 0, pValue: 1, degreesOfFreedom: 2 })
  })

  it('one value on both sides is no drift for the Z-test (z = 0, p = 1, not NaN)', () => {
    assert.deepEqual(twoProportionZTest(10, 10, 7, 7), { statistic: 0, pValue: 1 })
    assert.deepEqual(twoProportionZTest(0, 10, 0, 7), { statistic: 0, pValue: 1 })
  })

  it('a constant reference divides Wasserstein by the 0.001 floor', () => {
    const ref = sortFinite([2, 2, 2])
    // W₁ = 0.001 and σ_ref = 0, so the score is 0.001 / 0.001 = 1 rather than ∞.
    assert.ok(Math.abs(normalizedWasserstein(ref, sortFinite([2.001, 2.001])) - 1) < 1e-9)
  })

  it('identical samples: KS D = 0, p = 1; JS 0; PSI 0', () => {
    const a = sortFinite([3, 1, 2, 2])
    assert.deepEqual(ksTwoSample(a, a), { statistic: 0, pValue: 1, method: 'exact' })
    assert.equal(jensenShannonDistance([1, 2, 3], [2, 4, 6]), 0)
    assert.equal(computePsi([1, 0, 3], [2, 0, 6]), 0)
  })

  it('auto switches to the asymptotic p-value above 10,000 rows a side', () => {
    const big = sortFinite(Array.from({ length: 10_001 }, (_, i) => i))
    const small = sortFinite(Array.from({ length: 50 }, (_, i) => i * 200))
    assert.equal(ksTwoSample(big, small).method, 'asymptotic')
    assert.equal(ksTwoSample(big.subarray(0, 10_000), small).method, 'exact')
  })
})
