/**
 * The reference profile (`reference-profile.json`): a per-feature summary of the training data,
 * stored with each version so drift checks can compare current data without the training data.
 *
 * - numeric: count of non-null values, null count and rate, min, max, mean, population std,
 *   quantiles (linear interpolation between order statistics, numpy's default `method='linear'`),
 *   a histogram on fixed equal-width edges over [min, max] (the last bin closed; NaN counts as null,
 *   ±Infinity is counted as null too since no edge holds it), the number of distinct values, and
 *   the count of each value when there are at most 20 (drift then uses one bin per value);
 * - categorical: count, nulls, distinct values and the count of each category (most frequent
 *   first; categories past `maxCategories` are summed into `otherCount`).
 */
import type { DataTable } from '../data/table.js'

/** Default quantile levels. */
export const DEFAULT_QUANTILES = [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1] as const
/** Up to this many distinct numeric values are kept as value counts. */
export const MAX_DISCRETE_VALUES = 20

/** Summary of a numeric feature. */
export interface NumericProfile {
  kind: 'numeric'
  count: number
  nullCount: number
  nullRate: number
  min: number | null
  max: number | null
  mean: number | null
  std: number | null
  quantiles: Array<{ q: number; value: number | null }>
  /** `edges.length === counts.length + 1`; empty when there is no finite value. */
  histogram: { edges: number[]; counts: number[] }
  distinct: number
  /** Value → count, when there are at most 20 distinct values. */
  values: Array<{ value: number; count: number }> | null
}

/** Summary of a categorical feature. */
export interface CategoricalProfile {
  kind: 'categorical'
  count: number
  nullCount: number
  nullRate: number
  distinct: number
  categories: Array<{ value: string; count: number }>
  /** Rows in categories left out past `maxCategories`. */
  otherCount: number
}

/** The whole reference profile. */
export interface ReferenceProfile {
  schema: 'modelship/reference-profile@1'
  rowCount: number
  features: Record<string, NumericProfile | CategoricalProfile>
}

/** Options of `buildReferenceProfile`. */
export interface ReferenceProfileOptions {
  /** Columns to profile, in order; default every column of the table. */
  features?: readonly string[]
  /** Histogram bins of numeric features; default 10. */
  bins?: number
  quantiles?: readonly number[]
  /** Categories kept per categorical feature; default 1000. */
  maxCategories?: number
}

/** Profiles the table's features; a requested feature missing from the table is a caller bug (plain Error). */
export function buildReferenceProfile(table: DataTable, options: ReferenceProfileOptions = {}): ReferenceProfile {
  const names = options.features ?? [...table.columns.keys()]
  const features: ReferenceProfile['features'] = {}
  for (const name of names) {
    const column = table.columns.get(name)
    if (!column) throw new Error(`reference profile: column '${name}' is not in the table (columns: ${[...table.columns.keys()].join(', ')})`)
    features[name] =
      column.kind === 'numeric'
        ? profileNumeric(column.values, options.bins ?? 10, options.quantiles ?? DEFAULT_QUANTILES)
        : profileCategorical(column.codes, column.categories, options.maxCategories ?? 1000)
  }
  return { schema: 'modelship/reference-profile@1', rowCount: table.rowCount, features }
}

/** Linear-interpolation quantile of sorted values (numpy `method='linear'`). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q
  const low = Math.floor(position)
  const high = Math.ceil(position)
  const a = sorted[low]!
  return low === high ? a : a + (sorted[high]! - a) * (position - low)
}

function profileNumeric(values: Float64Array, bins: number, levels: readonly number[]): NumericProfile {
  const finite = new Float64Array(values.length)
  let n = 0
  for (const v of values) if (Number.isFinite(v)) finite[n++] = v
  const sorted = finite.subarray(0, n).sort()
  const nullCount = values.length - n
  const base = { kind: 'numeric' as const, count: n, nullCount, nullRate: values.length ? nullCount / values.length : 0 }
  if (n === 0) {
    return { ...base, min: null, max: null, mean: null, std: null, quantiles: levels.map((q) => ({ q, value: null })), histogram: { edges: [], counts: [] }, distinct: 0, values: null }
  }
  let sum = 0
  for (const v of sorted) sum += v
  const mean = sum / n
  let squares = 0
  for (const v of sorted) squares += (v - mean) ** 2
  const min = sorted[0]!
  const max = sorted[n - 1]!
  // A constant column gets one bin of width 1 around its value, so the edges stay increasing.
  const [lo, hi, count] = min === max ? [min - 0.5, max + 0.5, 1] : [min, max, bins]
  const edges = Array.from({ length: count + 1 }, (_, i) => (i === count ? hi : lo + ((hi - lo) * i) / count))
  const counts = new Array<number>(count).fill(0)
  for (const v of sorted) counts[Math.min(count - 1, Math.floor(((v - lo) / (hi - lo)) * count))]!++
  const distinctValues: Array<{ value: number; count: number }> = []
  for (let i = 0; i < n; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinctValues.push({ value: sorted[i]!, count: 1 })
    else distinctValues[distinctValues.length - 1]!.count++
  }
  return {
    ...base,
    min,
    max,
    mean,
    std: Math.sqrt(squares / n),
    quantiles: levels.map((q) => ({ q, value: quantileSorted(sorted, q) })),
    histogram: { edges, counts },
    distinct: distinctValues.length,
    values: distinctValues.length <= MAX_DISCRETE_VALUES ? distinctValues : null,
  }
}

function profileCategorical(codes: Int32Array, categories: readonly string[], maxCategories: number): CategoricalProfile {
  const counts = new Array<number>(categories.length).fill(0)
  let nullCount = 0
  for (const code of codes) {
    if (code < 0) nullCount++
    else counts[code]!++
  }
  // Several codes may carry the same text only if a reader dictionary repeats it; merge by text.
  const byValue = new Map<string, number>()
  counts.forEach((c, code) => {
    if (c > 0) byValue.set(categories[code]!, (byValue.get(categories[code]!) ?? 0) + c)
  })
  const ranked = [...byValue].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))
  const kept = ranked.slice(0, maxCategories)
  return {
    kind: 'categorical',
    count: codes.length - nullCount,
    nullCount,
    nullRate: codes.length ? nullCount / codes.length : 0,
    distinct: ranked.length,
    categories: kept,
    otherCount: ranked.slice(maxCategories).reduce((s, c) => s + c.count, 0),
  }
}

/** The profile as the JSON text stored in the release. */
export function renderReferenceProfile(profile: ReferenceProfile): string {
  return JSON.stringify(profile, null, 2) + '\n'
}
