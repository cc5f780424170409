/**
 * A small seeded random number generator (mulberry32, 32-bit state) so that sampled explanations
 * and permutation importances are the same on every run for the same seed. Not for cryptography.
 */

/** A function returning uniform numbers in [0, 1). */
export type Random = () => number

/** A deterministic generator for `seed` (any integer; default 0). */
export function createRandom(seed = 0): Random {
  let state = (seed ^ 0x9e3779b9) >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A uniform whole number in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n)
}

/** Shuffles `values` in place (Fisher–Yates) and returns it. */
export function shuffleInPlace<T extends { length: number; [index: number]: unknown }>(values: T, random: Random): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1)
    const swap = values[i]
    values[i] = values[j]
    values[j] = swap
  }
  return values
}

/** `k` distinct indices of [0, n), in increasing order; all of them when k ≥ n. */
export function sampleIndices(n: number, k: number, random: Random): number[] {
  const all = Array.from({ length: n }, (_, i) => i)
  if (k >= n) return all
  // A partial Fisher–Yates: the first k slots end up a uniform sample.
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(random, n - i)
    const swap = all[i]!
    all[i] = all[j]!
    all[j] = swap
  }
  return all.slice(0, k).sort((a, b) => a - b)
}
