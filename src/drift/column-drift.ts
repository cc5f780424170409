/**
 * One column's drift score and verdict from raw reference and current values, as Evidently's
 * data-drift preset computes it: the method from chooseDriftMethod (or the one given), histograms
 * for PSI and Jensen–Shannon as Evidently's get_binned_data (numeric columns with > 20 reference
 * unique values: Sturges equal-width bins over reference ∪ current, numpy's histogram rules with the
 * last bin closed; otherwise one bin per value of the union), value counts over the union for
 * chi-square, and the first value in sorted order for the Z-test.
 * Values must be clean: finite numbers, non-null categories (NaN and ±∞ are data-quality findings
 * the caller reports and drops first; sortFinite refuses them).
 */
import { DataError } from '../errors.js'
import { chiSquareGoodnessOfFit } from './chi-square.js'
import { chooseDriftMethod, DRIFT_METHODS, type DriftMethodName, isDrifted } from './choose-method.js'
import { jensenShannonDistance } from './jensen-shannon.js'
import { ksTwoSample } from './ks-two-sample.js'
import { computePsi } from './psi.js'
import { sortFinite } from './sort-float64.js'
import { normalizedWasserstein } from './wasserstein.js'
import { twoProportionZTest } from './z-test.js'

/** A column's values on one side. */
export type ColumnValues = { kind: 'numeric'; values: ArrayLike<number> } | { kind: 'categorical'; values: ReadonlyArray<string> }

/** Per-column override of the preset's choice (the spec's per-feature method and threshold). */
export interface ColumnDriftOptions {
  method?: DriftMethodName
  threshold?: number
}

/** The score, the method and threshold that judged it, and the verdict. */
export interface ColumnDriftResult {
  method: DriftMethodName
  score: number
  threshold: number
  drifted: boolean
}

/** Drift of one column between `reference` and `current`. */
export function columnDrift(name: string, reference: ColumnValues, current: ColumnValues, options: ColumnDriftOptions = {}): ColumnDriftResult {
  if (reference.kind !== current.kind) throw new DataError(`drift: column '${name}' is ${reference.kind} in the reference but ${current.kind} in the current data`)
  if (reference.values.length === 0) throw new DataError(`drift: column '${name}' has no reference values; a drift verdict needs at least one`)
  if (current.values.length === 0) throw new DataError(`drift: column '${name}' has no current values; a drift verdict needs at least one`)
  const refSorted = reference.kind === 'numeric' ? sortFinite(reference.values, `column '${name}' (reference)`) : undefined
  const curSorted = current.kind === 'numeric' ? sortFinite(current.values, `column '${name}' (current)`) : undefined
  const refCounts = refSorted ? countSorted(refSorted) : countValues(reference.values as ReadonlyArray<string>)
  const curCounts = curSorted ? countSorted(curSorted) : countValues(current.values as ReadonlyArray<string>)
  const keys = unionKeys(refCounts, curCounts, reference.kind)
  const method = options.method ?? chooseDriftMethod({ kind: reference.kind, referenceRows: reference.values.length, uniqueValues: keys.length })
  const threshold = options.threshold ?? DRIFT_METHODS[method].defaultThreshold
  let score: number
  switch (method) {
    case 'ks':
    case 'wasserstein':
      if (!refSorted || !curSorted) throw new DataError(`drift: method '${method}' needs a numeric column; '${name}' is categorical (use chisquare, z, psi or jensenshannon)`)
      score = method === 'ks' ? ksTwoSample(refSorted, curSorted).pValue : normalizedWasserstein(refSorted, curSorted)
      break
    case 'chisquare':
      score = chiSquareGoodnessOfFit(keys.map((k) => refCounts.get(k) ?? 0), keys.map((k) => curCounts.get(k) ?? 0)).pValue
      break
    case 'z': {
      const first = keys[0]!
      const onlyValue = keys.length === 1
      score = onlyValue ? 1 : twoProportionZTest(refCounts.get(first) ?? 0, reference.values.length, curCounts.get(first) ?? 0, current.values.length).pValue
      break
    }
    case 'psi':
    case 'jensenshannon': {
      const [r, c] = refSorted && curSorted && refCounts.size > 20
        ? [sturgesHistogram(refSorted, curSorted, 'reference'), sturgesHistogram(refSorted, curSorted, 'current')]
        : [keys.map((k) => refCounts.get(k) ?? 0), keys.map((k) => curCounts.get(k) ?? 0)]
      score = method === 'psi' ? computePsi(r, c) : jensenShannonDistance(r, c)
      break
    }
  }
  return { method, score, threshold, drifted: isDrifted(method, score, threshold) }
}

type Key = number | string

function countSorted(sorted: Float64Array): Map<Key, number> {
  const counts = new Map<Key, number>()
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1
    while (j < sorted.length && sorted[j] === sorted[i]) j++
    counts.set(sorted[i]!, j - i)
    i = j
  }
  return counts
}

function countValues(values: ReadonlyArray<string>): Map<Key, number> {
  const counts = new Map<Key, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return counts
}

function unionKeys(a: Map<Key, number>, b: Map<Key, number>, kind: 'numeric' | 'categorical'): Key[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])]
  return kind === 'numeric' ? keys.sort((x, y) => (x as number) - (y as number)) : keys.sort()
}

/** numpy.histogram(side, histogram_bin_edges(ref ∪ cur, 'sturges')) on sorted samples. */
function sturgesHistogram(ref: Float64Array, cur: Float64Array, side: 'reference' | 'current'): Float64Array {
  const n = ref.length + cur.length
  const first = Math.min(ref[0]!, cur[0]!)
  const last = Math.max(ref[ref.length - 1]!, cur[cur.length - 1]!)
  // numpy: width = ptp / (log2(n) + 1), bins = ceil(ptp / width); edges by linspace, last exact.
  const width = (last - first) / (Math.log2(n) + 1)
  const bins = Math.ceil((last - first) / width)
  const edges = new Float64Array(bins + 1)
  const step = (last - first) / bins
  for (let i = 0; i < bins; i++) edges[i] = first + i * step
  edges[bins] = last
  const values = side === 'reference' ? ref : cur
  const counts = new Float64Array(bins)
  const norm = bins / (last - first)
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!
    let k = Math.floor((x - first) * norm)
    if (k >= bins) k = bins - 1
    // numpy corrects the computed index against the edges themselves.
    if (x < edges[k]!) k--
    else if (k < bins - 1 && x >= edges[k + 1]!) k++
    counts[k]!++
  }
  return counts
}
