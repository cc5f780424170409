/**
 * The reference side of a drift check, from raw data (a table read from a file) or from a stored
 * reference profile (reference-profile.json of a registered version). Both give each column what
 * the statistics need: a sorted sample (raw: sorted at check time, one column at a time, in one
 * reused buffer; profile: decoded, already sorted), fixed bins for the published histogram, and
 * category counts.
 */
import type { Column, DataTable } from '../data/table.js'
import { NULL_CODE } from '../data/table.js'
import { type CategoricalProfile, decodeFloat64, type NumericProfile, type ReferenceProfile } from '../registry/reference-profile.js'
import type { DriftReference, NumericReferenceColumn, ReferenceColumn } from './check-drift.js'
import type { SortWorkspace } from './sort-float64.js'
import { sampleFromSorted, type SortedSample } from './sorted-sample.js'

/** Bins of the fixed histogram, as the profile writes them. */
const FIXED_BINS = 10

/** Columns of the reference whose name starts with this are model outputs (prediction drift). */
export const OUTPUT_PREFIX = 'output.'

/** Where a reference came from, for the report. */
export interface ReferenceOrigin {
  source: DriftReference['source']
  location: string
  version?: string | null
}

/**
 * A reference from raw rows. Columns named `output.*` are the model's outputs on those rows; the
 * rest are features.
 */
export function referenceFromTable(table: DataTable, origin: ReferenceOrigin): DriftReference {
  const features = new Map<string, ReferenceColumn>()
  const outputs = new Map<string, ReferenceColumn>()
  // One buffer for every column's finite values: a column's sample is used up before the next is made.
  let buffer: Float64Array | null = null
  const take = (n: number): Float64Array => {
    if (!buffer || buffer.length < n) buffer = new Float64Array(table.rowCount)
    return buffer.subarray(0, n)
  }
  for (const [name, column] of table.columns) {
    const entry = tableColumn(column, take)
    ;(name.startsWith(OUTPUT_PREFIX) ? outputs : features).set(name, entry)
  }
  return { source: origin.source, location: origin.location, version: origin.version ?? null, rows: table.rowCount, features, outputs: outputs.size ? outputs : null }
}

function tableColumn(column: Column, take: (n: number) => Float64Array): ReferenceColumn {
  if (column.kind === 'categorical') {
    const counts = new Array<number>(column.categories.length).fill(0)
    let nullCount = 0
    for (const code of column.codes) {
      if (code === NULL_CODE) nullCount++
      else counts[code]!++
    }
    const byValue = new Map<string, number>()
    counts.forEach((c, code) => {
      if (c > 0) byValue.set(column.categories[code]!, (byValue.get(column.categories[code]!) ?? 0) + c)
    })
    return { kind: 'categorical', rows: column.codes.length, nullCount, counts: byValue, otherCount: 0 }
  }
  const values = column.values
  let finite = 0
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  let sum = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isFinite(v)) continue
    finite++
    sum += v
    if (v < min) min = v
    if (v > max) max = v
  }
  const some = finite > 0
  return {
    kind: 'numeric',
    rows: values.length,
    nullCount: values.length - finite,
    min: some ? min : null,
    max: some ? max : null,
    mean: some ? sum / finite : null,
    sample(workspace: SortWorkspace): SortedSample | null {
      if (!some) return null
      const out = take(finite)
      let n = 0
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!
        if (Number.isFinite(v)) out[n++] = v === 0 ? 0 : v
      }
      return sampleFromSorted(workspace.sortInPlace(out))
    },
    missingSample: null,
    bins: null,
    binEdges: some ? fixedEdges(min, max) : null,
  }
}

/** The profile's bins: FIXED_BINS equal-width bins over [min, max], one bin of width 1 for a constant. */
function fixedEdges(min: number, max: number): number[] {
  const [lo, hi, count] = min === max ? [min - 0.5, max + 0.5, 1] : [min, max, FIXED_BINS]
  return Array.from({ length: count + 1 }, (_, i) => (i === count ? hi : lo + ((hi - lo) * i) / count))
}

/** A reference from a stored profile (format 1 or 2); `location` names it in messages. */
export function referenceFromProfile(profile: ReferenceProfile, origin: ReferenceOrigin): DriftReference {
  const columns = (entries: Record<string, NumericProfile | CategoricalProfile>): Map<string, ReferenceColumn> =>
    new Map(Object.entries(entries).map(([name, p]) => [name, p.kind === 'numeric' ? profileNumeric(name, p, origin.location) : profileCategorical(p)]))
  return {
    source: origin.source,
    location: origin.location,
    version: origin.version ?? null,
    rows: profile.rowCount,
    features: columns(profile.features),
    outputs: profile.outputs ? columns(profile.outputs) : null,
  }
}

function profileNumeric(name: string, p: NumericProfile, location: string): NumericReferenceColumn {
  const rows = p.count + p.nullCount
  let missingSample: string | null = null
  let sample: SortedSample | null = null
  if (p.count > 0) {
    if (p.sample) {
      const values = decodeFloat64(p.sample.values, `${location}: ${name}.sample.values`)
      const cumulative = decodeFloat64(p.sample.cumulative, `${location}: ${name}.sample.cumulative`)
      sample = { values, cumulative, rows: p.count, exact: p.sample.exact, maxGap: p.sample.maxGap, wassersteinBound: p.sample.wassersteinBound, std: p.std ?? 0, distinct: p.distinct }
    } else if (p.values) {
      // Format 1 kept the count of each value of a column with ≤ 20 of them: that is every row.
      let total = 0
      const cumulative = Float64Array.from(p.values, (v) => (total += v.count))
      sample = { values: Float64Array.from(p.values, (v) => v.value), cumulative, rows: p.count, exact: true, maxGap: 0, wassersteinBound: 0, std: p.std ?? 0, distinct: p.distinct }
    } else {
      missingSample = `the reference profile (format 1) holds no sorted sample of '${name}' for KS or Wasserstein; re-register the version to write format 2, or pass the training data as --reference`
    }
  }
  return {
    kind: 'numeric',
    rows,
    nullCount: p.nullCount,
    min: p.min,
    max: p.max,
    mean: p.mean,
    sample: () => sample,
    missingSample,
    bins: p.histogram.edges.length > 1 ? p.histogram : null,
  }
}

function profileCategorical(p: CategoricalProfile): ReferenceColumn {
  return { kind: 'categorical', rows: p.count + p.nullCount, nullCount: p.nullCount, counts: new Map(p.categories.map((c) => [c.value, c.count])), otherCount: p.otherCount }
}
