/**
 * Noise for differential privacy, sampled exactly from cryptographic randomness.
 *
 * Counts get the two-sided geometric mechanism (Ghosh, Roughgarden & Sundararajan 2009), also
 * called the discrete Laplace: P(Y = y) ∝ exp(−|y|·ε/Δ) for integer y, which is ε-DP for a count of
 * sensitivity Δ. It is the Laplace mechanism restricted to the integers; every real value a drift
 * report publishes (shares, means, scores) is computed afterwards from noised counts, and
 * post-processing costs no privacy, so no floating-point Laplace sampler is needed anywhere.
 *
 * Why not `scale·ln(U)` from a float U: Mironov ("On significance of the least significant bits for
 * differential privacy", CCS 2012) showed that textbook floating-point Laplace samples leave holes in
 * the set of reachable outputs that reveal the true value. Here every step is integer arithmetic on
 * uniform integers from node:crypto's randomInt, so the output distribution is exactly the discrete
 * Laplace, with no floating point in the sampler at all.
 *
 * The sampler is Algorithm 2 of Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential
 * Privacy" (NeurIPS 2020, arXiv:2004.00010), for a rational scale t/s: draw U uniform in {0..t−1}
 * and keep it with probability exp(−U/t); count V, the successes of Bernoulli(exp(−1)) before the
 * first failure; X = U + t·V is then geometric with ratio exp(−1/t); Y = ⌊X/s⌋ is geometric with
 * ratio exp(−s/t); a fair sign, rejecting "−0" so zero is not counted twice. Bernoulli(exp(−γ)) for a
 * rational γ = n/d ∈ [0, 1] is their Algorithm 1: K = 1; while Bernoulli(γ/K), K += 1; return K odd.
 *
 * ε is turned into the rational s/t by rounding ε·Δ⁻¹ down on a 10⁻⁶ grid, so the noise is never
 * less private than asked (at most 10⁻⁶ more noise in the exponent).
 */
import { randomInt } from 'node:crypto'

/** Uniform integers in [0, n): the randomness source; node:crypto's by default (tests may count calls). */
export type UniformInt = (n: number) => number

const cryptoInt: UniformInt = (n) => randomInt(n)

/** Denominator of the rational ε/Δ: ε is rounded down to a multiple of 1/RATIONAL_SCALE. */
const RATIONAL_SCALE = 1_000_000

/** Bernoulli(n/d) for integers 0 ≤ n ≤ d. */
function bernoulliRational(n: number, d: number, uniform: UniformInt): boolean {
  return uniform(d) < n
}

/** Bernoulli(exp(−n/d)) for integers 0 ≤ n ≤ d (CKS Algorithm 1, the γ ≤ 1 case). */
function bernoulliExpFraction(n: number, d: number, uniform: UniformInt): boolean {
  let k = 1
  // Each round keeps going with probability γ/k; the number of rounds is odd with probability exp(−γ).
  while (bernoulliRational(n, d * k, uniform)) k += 1
  return k % 2 === 1
}

/**
 * A two-sided geometric sample: P(Y = y) ∝ exp(−|y|·s/t), for positive integers s and t
 * (scale t/s; variance 2·a/(1−a)² with a = exp(−s/t)).
 */
export function sampleDiscreteLaplace(s: number, t: number, uniform: UniformInt = cryptoInt): number {
  if (!Number.isSafeInteger(s) || !Number.isSafeInteger(t) || s < 1 || t < 1) throw new RangeError(`sampleDiscreteLaplace: s and t must be positive integers, got ${s} and ${t}`)
  for (;;) {
    const u = uniform(t)
    if (!bernoulliExpFraction(u, t, uniform)) continue
    let v = 0
    while (bernoulliExpFraction(1, 1, uniform)) v += 1
    const y = Math.floor((u + t * v) / s)
    const negative = uniform(2) === 1
    if (negative && y === 0) continue
    return negative ? -y : y
  }
}

/** The rational s/t ≤ ε/Δ used for noise of privacy loss ε on a query of sensitivity Δ. */
export function noiseRate(epsilon: number, sensitivity: number): { s: number; t: number } {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`epsilon must be a finite number above 0, got ${epsilon}`)
  if (!Number.isSafeInteger(sensitivity) || sensitivity < 1) throw new RangeError(`the sensitivity must be a positive integer, got ${sensitivity}`)
  const s = Math.floor(epsilon * RATIONAL_SCALE)
  if (s < 1) throw new RangeError(`epsilon ${epsilon} is below ${1 / RATIONAL_SCALE}, the smallest this noise supports`)
  // randomInt takes ranges below 2⁴⁸; the sampler draws from ranges up to a few times t.
  if (sensitivity * RATIONAL_SCALE > 2 ** 44) throw new RangeError(`the sensitivity ${sensitivity} is too large for this sampler`)
  return { s, t: sensitivity * RATIONAL_SCALE }
}

/** Variance of the two-sided geometric noise for ε and Δ (what the tests check the spread against). */
export function discreteLaplaceVariance(epsilon: number, sensitivity: number): number {
  const { s, t } = noiseRate(epsilon, sensitivity)
  const a = Math.exp(-s / t)
  return (2 * a) / (1 - a) ** 2
}

/** A count with ε-DP noise (sensitivity Δ, default 1: one row more or less changes it by at most 1). */
export function noisyCount(count: number, epsilon: number, sensitivity = 1, uniform: UniformInt = cryptoInt): number {
  if (!Number.isSafeInteger(count)) throw new RangeError(`noisyCount: ${count} is not an integer count`)
  const { s, t } = noiseRate(epsilon, sensitivity)
  return count + sampleDiscreteLaplace(s, t, uniform)
}
