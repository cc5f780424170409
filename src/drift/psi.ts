/**
 * Population Stability Index between two histograms on the same bins:
 *   rᵢ = refᵢ/n_ref, cᵢ = curᵢ/n_cur,  PSI = Σ (rᵢ − cᵢ) · ln(rᵢ / cᵢ)
 * Small-share rule for empty bins (as Evidently's get_binned_data with feel_zeroes): on each side
 * separately, a share of 0 becomes 0.0001, or (smallest non-zero share)/10⁶ when that smallest share
 * is itself ≤ 0.0001, so an empty bin weighs in as "rarer than anything seen" instead of ∞.
 * Matches Evidently's `psi` method. Default threshold (Evidently): drift when PSI ≥ 0.1
 * (0.1–0.25 is usually read as moderate, ≥ 0.25 as major).
 */
import { DataError } from '../errors.js'

/** The share an empty bin gets when no share on its side is below it. */
export const PSI_EMPTY_BIN_SHARE = 0.0001

/** PSI between `reference` and `current` bin counts, aligned by index. */
export function computePsi(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  if (reference.length !== current.length) {
    throw new DataError(`PSI needs the same bins on both sides; got ${reference.length} reference and ${current.length} current bins`)
  }
  const r = sharesWithSmallShare(reference, 'reference')
  const c = sharesWithSmallShare(current, 'current')
  let psi = 0
  for (let i = 0; i < r.length; i++) psi += (r[i]! - c[i]!) * Math.log(r[i]! / c[i]!)
  return psi
}

/** Bin shares of one side with empty bins replaced by the small share. */
export function sharesWithSmallShare(counts: ArrayLike<number>, side = 'histogram'): Float64Array {
  let n = 0
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!
    if (!Number.isFinite(c) || c < 0) throw new DataError(`PSI: ${side} bin ${i} is ${c}; expected a finite count ≥ 0`)
    n += c
  }
  if (n === 0) throw new DataError(`PSI: the ${side} histogram is empty; a drift score needs at least one ${side} row`)
  const shares = new Float64Array(counts.length)
  let smallest = Number.POSITIVE_INFINITY
  for (let i = 0; i < counts.length; i++) {
    shares[i] = counts[i]! / n
    if (shares[i]! > 0 && shares[i]! < smallest) smallest = shares[i]!
  }
  const fill = smallest <= PSI_EMPTY_BIN_SHARE ? smallest / 1e6 : PSI_EMPTY_BIN_SHARE
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill
  return shares
}
