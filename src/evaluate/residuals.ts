/**
 * The residuals of a regressor (true − predicted, so a positive residual is an under-prediction),
 * summarised for the report: mean, quantiles and a histogram. The champion's histogram shares the
 * candidate's bins, so the two can be read bar by bar.
 *
 * Quantiles are linear interpolation between order statistics (numpy's default, `method='linear'`).
 * The bins are equal-width between the 1st and 99th percentile of both models' residuals together,
 * so one wild prediction cannot squash every other bar into one; the end bins also count the rows
 * beyond them (the 1% tails). Rows are unweighted here even when data.sample-weight is set: a
 * residual is a fact of one row, and a weighted histogram would show counts no reader can check.
 */

/** Bars of the histogram. */
export const RESIDUAL_BINS = 10

/** Quantiles reported, as fractions. */
export const RESIDUAL_QUANTILES = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1] as const

/** One model's residuals in summary. */
export interface ResidualSummary {
  mean: number
  /** Values at RESIDUAL_QUANTILES, in that order. */
  quantiles: number[]
  /** Rows per bin of the shared edges; the first and last bins include the tails. */
  counts: number[]
}

/** Both models' summaries over shared bin edges (`bins + 1` of them). */
export interface ResidualsResult {
  edges: number[]
  candidate: ResidualSummary
  champion: ResidualSummary | null
}

/** true − predicted per row. */
export function residuals(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): Float64Array {
  if (yTrue.length !== yPred.length) throw new RangeError(`residuals: ${yPred.length} predictions for ${yTrue.length} rows`)
  const out = new Float64Array(yTrue.length)
  for (let i = 0; i < out.length; i++) out[i] = yTrue[i]! - yPred[i]!
  return out
}

/** The q-quantile of ascending `sorted` (linear between order statistics); NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const at = q * (n - 1)
  const lo = Math.floor(at)
  const hi = Math.min(n - 1, lo + 1)
  return sorted[lo]! + (at - lo) * (sorted[hi]! - sorted[lo]!)
}

/**
 * Summaries of the candidate's residuals and (when given) the champion's on the same rows. Residuals
 * must be finite (the metrics refuse a NaN prediction first); a target that is not finite makes the
 * summary meaningless, so the caller gets a RangeError it can turn into "not computed".
 */
export function summarizeResiduals(candidate: Float64Array, champion?: Float64Array, bins = RESIDUAL_BINS): ResidualsResult {
  if (candidate.length === 0) throw new RangeError('summarizeResiduals: no rows')
  const sortedCandidate = sortedFinite(candidate)
  const sortedChampion = champion ? sortedFinite(champion) : undefined
  const both = sortedChampion ? mergeSorted(sortedCandidate, sortedChampion) : sortedCandidate
  let low = quantileSorted(both, 0.01)
  let high = quantileSorted(both, 0.99)
  if (!(high > low)) {
    // Nearly all residuals are one value (a perfect or constant model): one unit around it.
    low -= 0.5
    high += 0.5
  }
  const width = (high - low) / bins
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? high : low + i * width))
  const summary = (sorted: Float64Array): ResidualSummary => {
    const counts = new Array<number>(bins).fill(0)
    let sum = 0
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i]!
      sum += r
      counts[Math.min(bins - 1, Math.max(0, Math.floor((r - low) / width)))]!++
    }
    return { mean: sum / sorted.length, quantiles: RESIDUAL_QUANTILES.map((q) => quantileSorted(sorted, q)), counts }
  }
  return { edges, candidate: summary(sortedCandidate), champion: sortedChampion ? summary(sortedChampion) : null }
}

function sortedFinite(values: Float64Array): Float64Array {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new RangeError(`summarizeResiduals: residual ${values[i]} at row ${i + 1} is not finite`)
  }
  return Float64Array.from(values).sort()
}

function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!
  while (i < a.length) out[k++] = a[i++]!
  while (j < b.length) out[k++] = b[j++]!
  return out
}
