/**
 * Drift of one numeric column from its sorted reference (raw rows or a profile's sample) and its
 * sorted current values, with Evidently's data-drift preset semantics (choose-method.ts): the
 * method by reference size and distinct values of reference ∪ current; histograms for PSI and
 * Jensen–Shannon as Evidently's get_binned_data (reference with > 20 distinct values: Sturges
 * equal-width bins over reference ∪ current, numpy's rules with the last bin closed; otherwise one
 * bin per value of the union); value counts for chi-square and the Z-test.
 *
 * Every statistic the column answers is computed (one merge for KS and Wasserstein, binary searches
 * for the histogram), so the report shows them all whichever method judged the column.
 */
import { DataError } from '../errors.js'
import { chiSquareGoodnessOfFit } from './chi-square.js'
import { chooseDriftMethod, DRIFT_METHODS, type DriftMethodName, isDrifted } from './choose-method.js'
import { compareSorted } from './compare-sorted.js'
import { jensenShannonDistance } from './jensen-shannon.js'
import { kolmogorovSf } from './kolmogorov-distribution.js'
import { ksFromNumerator } from './ks-two-sample.js'
import { computePsi } from './psi.js'
import { rowsAtMost, rowsBelow, type SortedSample, valueCounts } from './sorted-sample.js'
import { WASSERSTEIN_STD_FLOOR } from './wasserstein.js'
import { twoProportionZTest } from './z-test.js'

/** Above this many distinct values, one-bin-per-value statistics are computed only when they judge. */
const MAX_VALUE_BINS = 1000

/** Per-column override of the preset's choice (the spec's per-feature method and threshold). */
export interface ColumnDriftOptions {
  method?: DriftMethodName
  threshold?: number
}

/** Every statistic of a column (null where it does not apply). */
export interface ColumnStatistics {
  ksStatistic: number | null
  ksPValue: number | null
  /** W₁ / max(σ_ref, 0.001). */
  wasserstein: number | null
  psi: number | null
  jensenShannon: number | null
}

/** The verdict, the method and threshold that judged it, and every statistic. */
export interface NumericDriftResult {
  method: DriftMethodName
  score: number
  threshold: number
  drifted: boolean
  /** False when the reference was a sketch. */
  exact: boolean
  /** Bound on the score's error when not exact (null where no bound is known). */
  errorBound: number | null
  statistics: ColumnStatistics
  unionDistinct: number
}

/** Drift of a numeric column; `current` must be raw rows (cumulative null), both non-empty. */
export function numericDrift(name: string, reference: SortedSample, current: SortedSample, options: ColumnDriftOptions = {}): NumericDriftResult {
  if (current.cumulative) throw new Error('numericDrift: the current sample must be raw rows')
  const merged = compareSorted(reference, current.values)
  // A sketch only exists above the profile's cap of distinct values, so its union is at least that.
  const unionDistinct = reference.exact ? merged.unionDistinct : Math.max(merged.unionDistinct, reference.distinct)
  const method = options.method ?? chooseDriftMethod({ kind: 'numeric', referenceRows: reference.rows, uniqueValues: unionDistinct })
  const threshold = options.threshold ?? DRIFT_METHODS[method].defaultThreshold
  const n1 = reference.rows
  const n2 = current.rows
  const ks = ksFromNumerator(n1, n2, merged.ksNumerator)
  const std = Math.max(reference.std, WASSERSTEIN_STD_FLOOR)
  // One bin per value of the union is what Evidently does below 21 reference values; when the
  // current side is continuous that is a bin per row, so it is only built when a method needs it.
  const histogramNeeded = reference.distinct > 20 || unionDistinct <= MAX_VALUE_BINS || method === 'psi' || method === 'jensenshannon'
  const bins = histogramNeeded ? (reference.distinct > 20 ? sturgesCounts(reference, current) : valueBins(reference, current)) : null
  const statistics: ColumnStatistics = {
    ksStatistic: ks.statistic,
    ksPValue: ks.pValue,
    wasserstein: merged.wasserstein / std,
    psi: bins && computePsi(bins[0], bins[1]),
    jensenShannon: bins && jensenShannonDistance(bins[0], bins[1]),
  }
  let score: number
  let errorBound: number | null = null
  switch (method) {
    case 'ks':
      score = ks.pValue
      if (!reference.exact) {
        const e = reference.maxGap / n1
        const en = Math.round((n1 * n2) / (n1 + n2))
        errorBound = Math.max(Math.abs(kolmogorovSf(en, Math.max(0, ks.statistic - e)) - score), Math.abs(score - kolmogorovSf(en, Math.min(1, ks.statistic + e))))
      }
      break
    case 'wasserstein':
      score = statistics.wasserstein!
      if (!reference.exact) errorBound = reference.wassersteinBound / std
      break
    case 'psi':
      score = statistics.psi!
      break
    case 'jensenshannon':
      score = statistics.jensenShannon!
      break
    case 'chisquare':
    case 'z': {
      if (!reference.exact) throw new DataError(`drift: method '${method}' on '${name}' needs the count of each reference value; the profile holds a sketch (the column has ${reference.distinct} distinct values). Fix: use ks, wasserstein, psi or jensenshannon`)
      const [r, c] = valueBins(reference, current)
      if (method === 'chisquare') score = chiSquareGoodnessOfFit(r, c).pValue
      else score = r.length === 1 ? 1 : twoProportionZTest(r[0]!, n1, c[0]!, n2).pValue
      break
    }
  }
  return { method, score, threshold, drifted: isDrifted(method, score, threshold), exact: reference.exact, errorBound, statistics, unionDistinct }
}

/** One bin per value of reference ∪ current, ascending. */
function valueBins(reference: SortedSample, current: SortedSample): [Float64Array, Float64Array] {
  const r = valueCounts(reference)
  const c = valueCounts(current)
  const keys = [...new Set([...r.keys(), ...c.keys()])].sort((x, y) => x - y)
  return [Float64Array.from(keys, (k) => r.get(k) ?? 0), Float64Array.from(keys, (k) => c.get(k) ?? 0)]
}

/** The Sturges bin edges numpy.histogram_bin_edges(reference ∪ current, 'sturges') gives. */
export function sturgesEdges(first: number, last: number, rows: number): Float64Array {
  // numpy: width = ptp / (log2(n) + 1), bins = ceil(ptp / width); edges by linspace, last exact.
  const width = (last - first) / (Math.log2(rows) + 1)
  const bins = Math.ceil((last - first) / width)
  const edges = new Float64Array(bins + 1)
  const step = (last - first) / bins
  for (let i = 0; i < bins; i++) edges[i] = first + i * step
  edges[bins] = last
  return edges
}

/** Row counts of a sample in [edges[k], edges[k+1]), the last bin closed (numpy.histogram). */
export function histogramCounts(sample: SortedSample, edges: ArrayLike<number>): Float64Array {
  const bins = edges.length - 1
  const counts = new Float64Array(bins)
  let below = rowsBelow(sample, edges[0]!)
  for (let k = 0; k < bins; k++) {
    const upTo = k === bins - 1 ? rowsAtMost(sample, edges[bins]!) : rowsBelow(sample, edges[k + 1]!)
    counts[k] = upTo - below
    below = upTo
  }
  return counts
}

function sturgesCounts(reference: SortedSample, current: SortedSample): [Float64Array, Float64Array] {
  const first = Math.min(reference.values[0]!, current.values[0]!)
  const last = Math.max(reference.values[reference.values.length - 1]!, current.values[current.values.length - 1]!)
  const edges = sturgesEdges(first, last, reference.rows + current.rows)
  return [histogramCounts(reference, edges), histogramCounts(current, edges)]
}
