/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as scipy.stats.ks_2samp(method='auto'):
 *   D = sup_x |F_ref(x) − F_cur(x)|  over the empirical CDFs (right-continuous, ties grouped).
 * p-value: exact when max(n₁, n₂) ≤ 10,000 — the share of lattice paths from (0,0) to (n₁,n₂) that
 * leave the band |x/n₁ − y/n₂| < D (Hodges 1958, "The significance probability of the Smirnov
 * two-sample test", Ark. Mat. 3(43); for n₁ = n₂ the closed reflection sum) — and otherwise
 * kstwo.sf(D, round(n₁n₂/(n₁+n₂))) with round half to even, as numpy. Like scipy, the exact path
 * reports D as h/lcm(n₁, n₂) and falls back to the asymptotic one when the path count overflows.
 * Both samples must be sorted ascending and finite (see sortFinite). Default threshold (Evidently's
 * `ks`): drift when p ≤ 0.05.
 */
import { DataError } from '../errors.js'
import { kolmogorovSf } from './kolmogorov-distribution.js'

/** Above this sample size `auto` uses the asymptotic distribution (scipy's MAX_AUTO_N). */
export const KS_EXACT_MAX_N = 10_000

/** How the p-value was computed. */
export type KsMethod = 'exact' | 'asymptotic'

/** D, its p-value, and the method that gave it. */
export interface KsResult {
  statistic: number
  pValue: number
  method: KsMethod
}

/** Options for ksTwoSample; `mode` defaults to `auto` (exact up to 10,000 rows a side). */
export interface KsOptions {
  mode?: 'auto' | KsMethod
}

/** KS test between two sorted, finite samples. */
export function ksTwoSample(referenceSorted: Float64Array, currentSorted: Float64Array, options: KsOptions = {}): KsResult {
  const n1 = referenceSorted.length
  const n2 = currentSorted.length
  if (n1 === 0 || n2 === 0) throw new DataError(`KS test: the ${n1 === 0 ? 'reference' : 'current'} sample is empty; a drift test needs at least one row a side`)
  const { numerator } = ksStatisticNumerator(referenceSorted, currentSorted)
  return ksFromNumerator(n1, n2, numerator, options)
}

/**
 * The KS result from n₁, n₂ and the integer n₁n₂·D (as compareSorted gives it): the p-value needs
 * nothing else, so a merge that computes D with other statistics need not redo it.
 */
export function ksFromNumerator(n1: number, n2: number, numerator: number, options: KsOptions = {}): KsResult {
  // D = numerator / (n1·n2); kept as an integer so the exact path's h is exact.
  const statistic = numerator / n1 / n2
  const g = gcd(n1, n2)
  let mode = options.mode ?? 'auto'
  if (mode === 'auto') mode = Math.max(n1, n2) <= KS_EXACT_MAX_N ? 'exact' : 'asymptotic'
  else if (mode === 'exact' && n1 / g >= 2147483647 / (n2 / g)) mode = 'asymptotic'
  if (mode === 'exact') {
    const lcm = (n1 / g) * n2
    const h = numerator / g
    const d = h / lcm
    if (h === 0) return { statistic: d, pValue: 1, method: 'exact' }
    const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h)
    if (Number.isFinite(p) && p >= 0 && p <= 1) return { statistic: d, pValue: p, method: 'exact' }
  }
  const en = (Math.max(n1, n2) * Math.min(n1, n2)) / (n1 + n2)
  return { statistic, pValue: kolmogorovSf(roundHalfEven(en), statistic), method: 'asymptotic' }
}

/** n₁·n₂·D, the largest |i·n₂ − j·n₁| over the merged order; exact in integers below 2^53. */
function ksStatisticNumerator(a: Float64Array, b: Float64Array): { numerator: number } {
  const n1 = a.length
  const n2 = b.length
  let i = 0
  let j = 0
  let best = 0
  let bestNegative = 0
  while (i < n1 || j < n2) {
    const x = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!
    while (i < n1 && a[i] === x) i++
    while (j < n2 && b[j] === x) j++
    const diff = i * n2 - j * n1
    if (diff > best) best = diff
    if (-diff > bestNegative) bestNegative = -diff
  }
  return { numerator: Math.max(best, bestNegative) }
}

/** P(D ≥ h/n) for n₁ = n₂ = n: the reflection-principle sum, as scipy's _compute_prob_outside_square. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1)
    p = p1 * (1 - p)
  }
  return 2 * p
}

/**
 * Share of lattice paths that leave the band |n·x − m·y|/g < h, one column at a time over the
 * band's rows, each entry kept as a probability (paths / C(x+y, y)) so nothing overflows.
 */
function probOutsideBand(n1: number, n2: number, g: number, h: number): number {
  const m = Math.max(n1, n2)
  const n = Math.min(n1, n2)
  const mg = m / g
  const ng = n / g
  // a(i, j) = inside paths to (i, j) / C(i + j, i) = (a(i−1, j)·i + a(i, j−1)·j) / (i + j), and 0
  // outside |i·ng − j·mg| < h. Column i covers rows [minj, maxj); A[k] holds row minj + k.
  let minj = 0
  let maxj = Math.min(Math.ceil(h / mg), n + 1)
  let A = new Float64Array(n + 1)
  let next = new Float64Array(n + 1)
  A.fill(1, 0, maxj)
  for (let i = 1; i <= m; i++) {
    const lastminj = minj
    const lastmaxj = maxj
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n)
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1)
    if (maxj <= minj) return 1
    let below = 0
    for (let j = minj; j < maxj; j++) {
      const left = j >= lastminj && j < lastmaxj ? A[j - lastminj]! : 0
      below = (left * i + below * j) / (i + j)
      next[j - minj] = below
    }
    const t = A
    A = next
    next = t
  }
  return 1 - A[maxj - minj - 1]!
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}
