import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  chiSquareGoodnessOfFit, computePsi, jensenShannonDistance, kolmogorovSf, ksTwoSample, normalizedWasserstein,
  populationStd, sortFinite, twoProportionZTest, wassersteinDistance,
} from '../../src/drift/index.js'

// Made by test/fixtures/drift/make_golden.py with scipy.
const golden = JSON.parse(readFileSync(new URL('../fixtures/drift/statistics.json', import.meta.url), 'utf8'))

/** Equal to 1e-9, relative for large values and absolute near zero. */
function close(actual: number, expected: number, what: string): void {
  if (expected === actual) return
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected))
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, expected ${expected} (diff ${actual - expected})`)
}

describe('drift statistics against scipy (1e-9)', () => {
  it('ksTwoSample matches ks_2samp: statistic and p-value, exact and asymptotic', () => {
    for (const c of golden.ks) {
      const mode = c.mode === 'asymp' ? 'asymptotic' : c.mode
      const result = ksTwoSample(sortFinite(c.reference), sortFinite(c.current), { mode })
      close(result.statistic, c.statistic, `${c.name} D`)
      close(result.pValue, c.p_value, `${c.name} p`)
    }
  })

  it('kolmogorovSf matches kstwo.sf in every regime', () => {
    for (const c of golden.kstwo) close(kolmogorovSf(c.n, c.x), c.sf, `kstwo.sf(${c.x}, ${c.n})`)
  })

  it('normalizedWasserstein matches wasserstein_distance / max(std, 0.001)', () => {
    for (const c of golden.wasserstein) {
      const ref = sortFinite(c.reference)
      const cur = sortFinite(c.current)
      close(wassersteinDistance(ref, cur), c.distance, `${c.name} W1`)
      close(populationStd(ref), c.reference_std, `${c.name} std`)
      close(normalizedWasserstein(ref, cur), c.normalized, `${c.name} normalised`)
    }
  })

  it('jensenShannonDistance matches scipy.spatial.distance.jensenshannon', () => {
    for (const c of golden.jensen_shannon) close(jensenShannonDistance(c.reference, c.current), c.distance, c.name)
  })

  it('computePsi matches Evidently\'s PSI with its small-share rule', () => {
    for (const c of golden.psi) close(computePsi(c.reference, c.current), c.psi, c.name)
  })

  it('chiSquareGoodnessOfFit matches scipy.stats.chisquare against the scaled reference', () => {
    for (const c of golden.chi_square) {
      const result = chiSquareGoodnessOfFit(c.reference, c.current)
      close(result.statistic, c.statistic, `${c.name} statistic`)
      close(result.pValue, c.p_value, `${c.name} p`)
    }
  })

  it('twoProportionZTest matches Evidently\'s two-sided Z-test', () => {
    for (const c of golden.z_test) {
      const result = twoProportionZTest(c.reference_hits, c.reference_rows, c.current_hits, c.current_rows)
      close(result.statistic, c.statistic, `${c.name} z`)
      close(result.pValue, c.p_value, `${c.name} p`)
    }
  })
})
