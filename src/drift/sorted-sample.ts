/**
 * A numeric column as the exact statistics need it: its finite values in ascending order, either
 * one entry per row (raw data) or as distinct values with cumulative counts (a stored reference
 * profile: exact while the column has at most the profile's cap of distinct values, a quantile
 * sketch above it). Every statistic of the column (KS, Wasserstein, histograms on any edges, value
 * counts) is computed from this without the raw rows.
 *
 * Sketch error: knots are order statistics at evenly spaced ranks (with the minimum and maximum),
 * each carrying the exact count of rows ≤ it, so the sketch's CDF equals the true one at every knot
 * and is off by less than (rows between two knots)/n between them: |F_sketch − F| ≤ maxGap/n, which
 * bounds the KS statistic's error, and Σ gap·width/n bounds Wasserstein's (`wassersteinBound`).
 */
import { DataError } from '../errors.js'

/** A column's finite values, sorted; see the file header. */
export interface SortedSample {
  /** Ascending; distinct when `cumulative` is set. */
  readonly values: Float64Array
  /** cumulative[k] = rows ≤ values[k]; null when each entry of `values` is one row. */
  readonly cumulative: Float64Array | null
  /** Finite rows the sample stands for. */
  readonly rows: number
  /** Every row is accounted for exactly (raw data, or a profile below its cap). */
  readonly exact: boolean
  /** Largest count of rows between two consecutive knots (0 when exact): |F_sketch − F| ≤ maxGap/rows. */
  readonly maxGap: number
  /** Bound on |W₁(sketch, x) − W₁(reference, x)| in the column's units (0 when exact). */
  readonly wassersteinBound: number
  /** Population std (ddof 0) of the rows. */
  readonly std: number
  /** Distinct values among the rows (exact also for a sketch: counted when it was built; NaN: not counted). */
  readonly distinct: number
}

/**
 * A sample from raw values already sorted ascending (and finite). `countDistinct: false` skips
 * counting distinct values (`distinct` is then NaN): only a reference's count is ever used.
 */
export function sampleFromSorted(sorted: Float64Array, options: { countDistinct?: boolean } = {}): SortedSample {
  if (sorted.length === 0) throw new DataError('drift: a sorted sample needs at least one value')
  let distinct = Number.NaN
  let sum = 0
  if (options.countDistinct === false) {
    for (let i = 0; i < sorted.length; i++) sum += sorted[i]!
  } else {
    distinct = 1
    for (let i = 0; i < sorted.length; i++) {
      sum += sorted[i]!
      if (i > 0 && sorted[i] !== sorted[i - 1]) distinct++
    }
  }
  const mean = sum / sorted.length
  let squares = 0
  for (let i = 0; i < sorted.length; i++) {
    const d = sorted[i]! - mean
    squares += d * d
  }
  return { values: sorted, cumulative: null, rows: sorted.length, exact: true, maxGap: 0, wassersteinBound: 0, std: Math.sqrt(squares / sorted.length), distinct }
}

/**
 * Distinct values and cumulative counts of sorted values: exact when there are at most
 * `maxValues` distinct values, else a sketch of about `sketchKnots` knots.
 */
export function compressSorted(sorted: Float64Array, maxValues: number, sketchKnots: number): SortedSample {
  const full = sampleFromSorted(sorted)
  const n = sorted.length
  const values: number[] = []
  const cumulative: number[] = []
  if (full.distinct <= maxValues) {
    for (let i = 0; i < n; i++) {
      if (i + 1 === n || sorted[i + 1] !== sorted[i]) {
        values.push(sorted[i]!)
        cumulative.push(i + 1)
      }
    }
    return { ...full, values: Float64Array.from(values), cumulative: Float64Array.from(cumulative) }
  }
  // Knots at ranks ⌈k·n/m⌉ − 1, each moved to the last row of its run of ties so its cumulative
  // count is exact; the first row is a knot too, so the minimum is known.
  const knots = Math.max(2, Math.floor(sketchKnots))
  let previousRank = -1
  for (let k = 0; k <= knots; k++) {
    let rank = k === 0 ? 0 : Math.ceil((k * n) / knots) - 1
    if (rank <= previousRank) continue
    const x = sorted[rank]!
    rank = upperBound(sorted, x) - 1
    if (rank <= previousRank) continue
    values.push(x)
    cumulative.push(rank + 1)
    previousRank = rank
  }
  // Below the first knot (the minimum) both CDFs are 0, so only the gaps after it count.
  let maxGap = 0
  let wassersteinBound = 0
  for (let k = 1; k < values.length; k++) {
    const gap = cumulative[k]! - cumulative[k - 1]!
    if (gap > maxGap) maxGap = gap
    wassersteinBound += (gap / n) * (values[k]! - values[k - 1]!)
  }
  return { ...full, values: Float64Array.from(values), cumulative: Float64Array.from(cumulative), exact: false, maxGap, wassersteinBound }
}

/** Rows of the sample strictly below `x` (exact; for a sketch, interpolated within maxGap). */
export function rowsBelow(sample: SortedSample, x: number): number {
  const k = lowerBound(sample.values, x)
  if (!sample.cumulative) return k
  return k === 0 ? 0 : sample.exact || k === sample.values.length || sample.values[k] === x ? sample.cumulative[k - 1]! : interpolate(sample, k, x)
}

/** Rows of the sample at most `x` (exact; for a sketch, interpolated within maxGap). */
export function rowsAtMost(sample: SortedSample, x: number): number {
  const k = upperBound(sample.values, x)
  if (!sample.cumulative) return k
  return k === 0 ? 0 : sample.exact || sample.values[k - 1] === x || k === sample.values.length ? sample.cumulative[k - 1]! : interpolate(sample, k, x)
}

/**
 * Rows ≤ x for x strictly between knots k − 1 and k of a sketch: the rows between two knots are
 * spread evenly over their interval, which keeps the thin tail bins of a histogram close (the
 * step CDF alone would put up to maxGap rows on the wrong side of an edge).
 */
function interpolate(sample: SortedSample, k: number, x: number): number {
  const cumulative = sample.cumulative!
  const low = sample.values[k - 1]!
  const between = cumulative[k]! - cumulative[k - 1]! - 1
  return cumulative[k - 1]! + Math.round((between * (x - low)) / (sample.values[k]! - low))
}

/** Value → row count of a sample (for columns with few values; exact only when the sample is). */
export function valueCounts(sample: SortedSample): Map<number, number> {
  const counts = new Map<number, number>()
  const { values, cumulative } = sample
  if (cumulative) {
    for (let k = 0; k < values.length; k++) counts.set(values[k]!, cumulative[k]! - (k === 0 ? 0 : cumulative[k - 1]!))
    return counts
  }
  for (let i = 0; i < values.length; ) {
    let j = i + 1
    while (j < values.length && values[j] === values[i]) j++
    counts.set(values[i]!, j - i)
    i = j
  }
  return counts
}

/** First index whose value is ≥ x. */
export function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First index whose value is > x. */
export function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}
