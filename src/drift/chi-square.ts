/**
 * Chi-square goodness of fit of the current category counts against the reference shares:
 *   expected_i = r_i · (n_cur / n_ref),  χ² = Σ (c_i − expected_i)² / expected_i,  p = P(χ²_{k−1} ≥ χ²)
 * over the union of categories (k of them). Matches scipy.stats.chisquare(f_obs, f_exp) as
 * Evidently's `chisquare` drift method calls it. A category that the reference never saw but the
 * current data has gives expected 0 and so χ² = ∞ and p = 0 (a new category is drift), as scipy.
 * Default threshold (Evidently): drift when p < 0.05.
 */
import { DataError } from '../errors.js'
import { chiSquareSf } from './special-functions.js'

/** χ² statistic and p-value; `degreesOfFreedom` = categories − 1. */
export interface ChiSquareResult {
  statistic: number
  pValue: number
  degreesOfFreedom: number
}

/**
 * Goodness of fit of `current` counts to `reference` counts, aligned by index (one entry per
 * category of the union; a category missing on one side has count 0 there).
 */
export function chiSquareGoodnessOfFit(reference: ArrayLike<number>, current: ArrayLike<number>): ChiSquareResult {
  if (reference.length !== current.length) {
    throw new DataError(`chi-square needs one count per category on both sides; got ${reference.length} reference and ${current.length} current counts`)
  }
  const k = reference.length
  if (k < 2) throw new DataError(`chi-square needs at least 2 categories; got ${k}`)
  const nRef = sumCounts(reference, 'reference')
  const nCur = sumCounts(current, 'current')
  const scale = nCur / nRef
  let statistic = 0
  for (let i = 0; i < k; i++) {
    const expected = reference[i]! * scale
    const diff = current[i]! - expected
    // 0/0 (a category absent on both sides) adds nothing; c/0 with c > 0 is ∞, as scipy.
    if (expected === 0) statistic += diff === 0 ? 0 : Number.POSITIVE_INFINITY
    else statistic += (diff * diff) / expected
  }
  return { statistic, pValue: chiSquareSf(statistic, k - 1), degreesOfFreedom: k - 1 }
}

function sumCounts(counts: ArrayLike<number>, side: string): number {
  let total = 0
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!
    if (!Number.isFinite(c) || c < 0) throw new DataError(`chi-square: ${side} count ${i} is ${c}; expected a finite count ≥ 0`)
    total += c
  }
  if (total === 0) throw new DataError(`chi-square: the ${side} counts are all zero; a drift test needs at least one ${side} row`)
  return total
}
