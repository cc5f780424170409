/**
 * A seeded pseudo-random stream for the random search: mulberry32 (Tommy Ettinger's 32-bit
 * generator), enough for picking trials and reproducible on every platform because it uses only
 * 32-bit integer arithmetic. Not for anything secret.
 */

/** A function returning the next number in [0, 1) of the stream seeded by `seed` (an integer). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
