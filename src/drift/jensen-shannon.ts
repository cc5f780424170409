/**
 * Jensen–Shannon distance between two histograms on the same bins (natural log):
 *   p = r/Σr, q = c/Σc, m = (p + q)/2,  JS = √((KL(p‖m) + KL(q‖m)) / 2),  KL(a‖b) = Σ aᵢ ln(aᵢ/bᵢ)
 * with 0·ln(0/·) = 0, so empty bins need no small share. Ranges over [0, √ln 2]. Matches
 * scipy.spatial.distance.jensenshannon(p, q) (base e), which Evidently's `jensenshannon` method calls.
 * Default threshold (Evidently): drift when JS ≥ 0.1.
 */
import { DataError } from '../errors.js'

/** JS distance between `reference` and `current` bin counts (or shares), aligned by index. */
export function jensenShannonDistance(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  if (reference.length !== current.length) {
    throw new DataError(`Jensen-Shannon needs the same bins on both sides; got ${reference.length} reference and ${current.length} current bins`)
  }
  const sumRef = total(reference, 'reference')
  const sumCur = total(current, 'current')
  let divergence = 0
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i]! / sumRef
    const q = current[i]! / sumCur
    const m = (p + q) / 2
    if (p > 0) divergence += p * Math.log(p / m)
    if (q > 0) divergence += q * Math.log(q / m)
  }
  // Rounding can leave a tiny negative divergence for identical histograms; scipy clips too.
  return Math.sqrt(Math.max(divergence / 2, 0))
}

function total(counts: ArrayLike<number>, side: string): number {
  let sum = 0
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!
    if (!Number.isFinite(c) || c < 0) throw new DataError(`Jensen-Shannon: ${side} bin ${i} is ${c}; expected a finite count ≥ 0`)
    sum += c
  }
  if (sum === 0) throw new DataError(`Jensen-Shannon: the ${side} histogram is empty; a drift score needs at least one ${side} row`)
  return sum
}
