/**
 * Survival function of the two-sided one-sample Kolmogorov–Smirnov statistic D_n, P(D_n ≥ x), as
 * scipy.stats.kstwo.sf (scipy/stats/_ksstats.py, after Simard & L'Ecuyer 2011, "Computing the
 * two-sided Kolmogorov-Smirnov distribution", J. Stat. Softw. 39(11)). The regimes, with t = n·x:
 *   t ≤ 1/2 → 1;  1/2 < t ≤ 1 → Ruben–Gambino 1 − n!/nⁿ (2t − 1)ⁿ;  t ≥ n − 1 → 2(1 − x)ⁿ;
 *   x ≥ 1/2, or n > 140 and n·x² ≥ 2.2 → 2·smirnov(n, x) (Birnbaum–Tingey exact sum);
 *   n > 140 and n·x² ≥ 370 → 0;  n·x² ≥ 18 → 0;
 *   n ≤ 100,000 and n·x^1.5 ≤ 1.4 → 1 − Durbin matrix (Marsaglia–Tsang–Wang 2003);
 *   otherwise → 1 − Pelz–Good (1976) asymptotic series.
 * One deviation: where scipy uses Pomeranz's recursion (n ≤ 140, 0.754693 < n·x² ≤ 4) we use the
 * Durbin matrix, which is exact as well; both agree to ~1e-12.
 */

const E128 = 128
const P128 = 2 ** 128
const M128 = 2 ** -128
const PI2 = Math.PI * Math.PI
const PI4 = PI2 * PI2
const PI6 = PI4 * PI2
const SQRT2PI = Math.sqrt(2 * Math.PI)
const LOG_2PI = Math.log(2 * Math.PI)
const STIRLING_COEFFS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
  -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
]

/** P(D_n ≥ x) for whole n ≥ 1. */
export function kolmogorovSf(n: number, x: number): number {
  if (Number.isNaN(x) || !Number.isInteger(n) || n <= 0) return Number.NaN
  if (x >= 1) return 0
  if (x <= 0) return 1
  const t = n * x
  if (t <= 1) {
    if (t <= 0.5) return 1
    let cdf: number
    if (n <= 140) {
      cdf = 1
      for (let i = 1; i <= n; i++) cdf *= (i / n) * (2 * t - 1)
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1))
    }
    return clip(1 - cdf)
  }
  if (t >= n - 1) return clip(2 * (1 - x) ** n)
  if (x >= 0.5) return clip(2 * smirnov(n, x))
  const nxSquared = t * x
  if (n <= 140) {
    if (nxSquared <= 4) return clip(1 - durbinMatrixCdf(n, x))
    return clip(2 * smirnov(n, x))
  }
  if (nxSquared >= 370) return 0
  if (nxSquared >= 2.2) return clip(2 * smirnov(n, x))
  if (nxSquared >= 18) return 0
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinMatrixCdf(n, x) : pelzGoodCdf(n, x)
  return clip(1 - cdf)
}

function clip(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p
}

/** ln(n!/nⁿ) by Stirling with the n ln n terms cancelled up front, as scipy. */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n
  const r2 = rn * rn
  // Σ B_2j / (2j(2j − 1) n^(2j−1)) for j = 1..8, Horner in 1/n² (scipy's _STIRLING_COEFFS).
  let poly = 0
  for (const c of STIRLING_COEFFS) poly = poly * r2 + c
  const series = rn * poly
  return Math.log(n) / 2 - n + LOG_2PI / 2 + series
}

/**
 * One-sided Smirnov survival P(D⁺_n ≥ x) by the Birnbaum–Tingey sum
 *   x · Σ_{j=0}^{⌊n(1−x)⌋} C(n, j) (x + j/n)^{j−1} (1 − x − j/n)^{n−j},
 * summed in log space so large n neither overflows nor underflows.
 */
export function smirnov(n: number, x: number): number {
  if (x >= 1) return 0
  if (x <= 0) return 1
  const last = Math.floor(n * (1 - x))
  let logBinomial = 0
  let sum = 0
  let previous = 0
  for (let j = 0; j <= last; j++) {
    if (j > 0) logBinomial += Math.log((n - j + 1) / j)
    const rest = (n - j) / n - x
    if (rest <= 0) break
    const term = Math.exp(logBinomial + (j - 1) * Math.log(x + j / n) + (n - j) * Math.log(rest))
    sum += term
    // The terms rise to one peak and then fall for good; once past it, a term below 1e-17 of the
    // sum cannot move the result (this saves most of the n terms for large n).
    if (term < previous && term < sum * 1e-17) break
    previous = term
  }
  return x * sum
}

/** P(D_n < x) by the Durbin matrix: the (k, k) entry of Hⁿ times n!/nⁿ, with scaling by 2^128. */
function durbinMatrixCdf(n: number, x: number): number {
  const nd = n * x
  if (nd <= 0.5) return 0
  const k = Math.ceil(nd)
  const h = k - nd
  const m = 2 * k - 1
  const v = new Float64Array(m)
  const w = new Float64Array(m)
  let fac = 1
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac
    fac /= j
    v[j - 1] = (1 - h ** j) * fac
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m
  v[m - 1] = (1 + tt) * fac
  let H: Float64Array = new Float64Array(m * m)
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!
  for (let r = 0; r < m; r++) H[r * m] = v[r]!
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!

  let power: Float64Array = new Float64Array(m * m)
  for (let i = 0; i < m; i++) power[i * m + i] = 1
  let nn = n
  let exponent = 0
  let hExponent = 0
  while (nn > 0) {
    if (nn % 2) {
      power = matmul(power, H, m)
      exponent += hExponent
    }
    H = matmul(H, H, m)
    hExponent *= 2
    if (Math.abs(H[(k - 1) * m + k - 1]!) > P128) {
      for (let i = 0; i < H.length; i++) H[i]! /= P128
      hExponent += E128
    }
    nn = Math.floor(nn / 2)
  }
  let p = power[(k - 1) * m + k - 1]!
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n
    if (Math.abs(p) < M128) {
      p *= P128
      exponent -= E128
    }
  }
  return exponent !== 0 ? p * 2 ** exponent : p
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m)
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l]!
      if (ail === 0) continue
      for (let j = 0; j < m; j++) out[i * m + j]! += ail * b[l * m + j]!
    }
  }
  return out
}

/** Pelz–Good approximation of P(D_n ≤ x): K₀ + K₁/√n + K₂/n + K₃/n^1.5 in theta-function form. */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const z = Math.sqrt(n) * x
  const z2 = z * z
  const z4 = z2 * z2
  const z6 = z4 * z2
  const qlog = -PI2 / 8 / z2
  if (qlog < -708) return 0
  let q = Math.exp(qlog)
  const k1a = -z2
  const k1b = PI2 / 4
  const k2a = 6 * z6 + 2 * z4
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4
  const k2c = (PI4 * (1 - 2 * z2)) / 16
  const k3d = (PI6 * (5 - 30 * z2)) / 64
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4
  const k3a = -30 * z6 - 90 * z ** 8
  const K = [0, 0, 0, 0]
  const maxk = Math.ceil((16 * z) / Math.PI)
  for (let k = maxk; k > 0; k--) {
    const mm = 2 * k - 1
    const m2 = mm * mm
    const m4 = m2 * m2
    const m6 = m4 * m2
    const qpower = q ** (8 * k)
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qpower + coeffs[i]!
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10]
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / divisors[i]!
  q = Math.exp(-PI2 / 2 / z2)
  const sqrt3z = Math.sqrt(3) * z
  let k2extra = 0
  let k3extra = 0
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k
    const qp = q ** k2
    const kpi = Math.PI * k
    k2extra += k2 * qp
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp
  }
  K[2]! += (k2extra * PI2 * SQRT2PI) / (-36 * z ** 3)
  K[3]! += (k3extra * PI2 * SQRT2PI) / (216 * z6)
  let sum = 0
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2)
  return sum
}
