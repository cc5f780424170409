/**
 * Wasserstein-1 distance between two samples, normalised by the reference's spread:
 *   W₁ = ∫ |F_ref(x) − F_cur(x)| dx,   score = W₁ / max(σ_ref, 0.001)
 * with F the empirical CDFs and σ_ref the population standard deviation (ddof 0) of the reference.
 * Matches Evidently's `wasserstein` method: scipy.stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001).
 * Both samples must be sorted ascending and finite (see sortFinite); W₁ is then one merge, O(n₁ + n₂).
 * Default threshold (Evidently): drift when the score ≥ 0.1.
 */
import { DataError } from '../errors.js'

/** Floor on the reference std so a constant reference does not divide by zero (Evidently's 0.001). */
export const WASSERSTEIN_STD_FLOOR = 0.001

/** W₁ between two sorted samples, in the column's units. */
export function wassersteinDistance(referenceSorted: Float64Array, currentSorted: Float64Array): number {
  const n1 = referenceSorted.length
  const n2 = currentSorted.length
  if (n1 === 0 || n2 === 0) throw new DataError(`Wasserstein: the ${n1 === 0 ? 'reference' : 'current'} sample is empty; a drift score needs at least one row`)
  // Walk the merged order; between consecutive points the CDF gap is constant.
  let i = 0
  let j = 0
  let distance = 0
  let previous = Math.min(referenceSorted[0]!, currentSorted[0]!)
  while (i < n1 || j < n2) {
    const x = j >= n2 || (i < n1 && referenceSorted[i]! <= currentSorted[j]!) ? referenceSorted[i]! : currentSorted[j]!
    distance += Math.abs(i / n1 - j / n2) * (x - previous)
    while (i < n1 && referenceSorted[i] === x) i++
    while (j < n2 && currentSorted[j] === x) j++
    previous = x
  }
  return distance
}

/** Population standard deviation (ddof 0), two-pass for accuracy. */
export function populationStd(values: Float64Array): number {
  const n = values.length
  let sum = 0
  for (let i = 0; i < n; i++) sum += values[i]!
  const mean = sum / n
  let squares = 0
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean
    squares += d * d
  }
  return Math.sqrt(squares / n)
}

/** W₁ / max(σ_ref, 0.001): the drift score Evidently reports for `wasserstein`. */
export function normalizedWasserstein(referenceSorted: Float64Array, currentSorted: Float64Array, referenceStd = populationStd(referenceSorted)): number {
  return wassersteinDistance(referenceSorted, currentSorted) / Math.max(referenceStd, WASSERSTEIN_STD_FLOOR)
}
