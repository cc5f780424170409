/**
 * Two-proportion Z-test for a column with two values: with p₁, p₂ the share of the first value in
 * the reference (n₁ rows) and the current data (n₂ rows) and P = (p₁n₁ + p₂n₂)/(n₁ + n₂) pooled,
 *   z = (p₁ − p₂) / √(P(1 − P)(1/n₁ + 1/n₂)),  p = 2·(1 − Φ(|z|)).
 * Matches Evidently's `z` drift method (proportions_diff_z_stat_ind + proportions_diff_z_test,
 * two-sided; Evidently counts the other value, which flips z's sign and leaves p alone). When P is 0 or 1 both samples hold one and the same value: Evidently gets 0/0 = NaN
 * and no drift; we report z = 0, p = 1, the same verdict without a NaN.
 * Default threshold (Evidently): drift when p < 0.05.
 */
import { DataError } from '../errors.js'
import { normalSf } from './special-functions.js'

/** z statistic (positive when the reference has the larger share) and two-sided p-value. */
export interface ZTestResult {
  statistic: number
  pValue: number
}

/** Z-test from the count of the first value and the row count on each side. */
export function twoProportionZTest(referenceHits: number, referenceRows: number, currentHits: number, currentRows: number): ZTestResult {
  checkCounts(referenceHits, referenceRows, 'reference')
  checkCounts(currentHits, currentRows, 'current')
  const p1 = referenceHits / referenceRows
  const p2 = currentHits / currentRows
  const pooled = (p1 * referenceRows + p2 * currentRows) / (referenceRows + currentRows)
  if (pooled === 0 || pooled === 1) return { statistic: 0, pValue: 1 }
  const statistic = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / referenceRows + 1 / currentRows))
  return { statistic, pValue: 2 * normalSf(Math.abs(statistic)) }
}

function checkCounts(hits: number, rows: number, side: string): void {
  if (!Number.isInteger(rows) || rows <= 0) throw new DataError(`z-test: ${side} row count is ${rows}; expected a whole number > 0`)
  if (!Number.isInteger(hits) || hits < 0 || hits > rows) {
    throw new DataError(`z-test: ${side} count of the first value is ${hits}; expected a whole number from 0 to ${rows}`)
  }
}
