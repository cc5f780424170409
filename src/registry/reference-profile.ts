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
 *
 * Format 2 adds, for drift checks without the training data (src/drift):
 * - numeric `sample`: the sorted finite values as distinct values with cumulative counts (float64
 *   little-endian, base64) — every row exactly while the column has at most `exactMaxValues`
 *   (default 100,000) distinct values, else a quantile sketch of about `sketchKnots` (default
 *   10,000) order statistics with its error bounds (`maxGap`: |F_sketch − F| ≤ maxGap/count;
 *   `wassersteinBound`: on W₁, in the column's units); see src/drift/sorted-sample.ts;
 * - `outputs`: the same summaries of the model's outputs on the reference rows, when given, for
 *   prediction drift.
 * Format 1 profiles (no `sample`, no `outputs`) are still read; drift then answers only what their
 * histograms and value counts allow, and says so.
 */
import { readFile } from 'node:fs/promises'
import { endianness } from 'node:os'
import * as z from 'zod/mini'
import type { DataTable } from '../data/table.js'
import { compressSorted } from '../drift/sorted-sample.js'
import { SortWorkspace } from '../drift/sort-float64.js'
import { DataError } from '../errors.js'

/** Default quantile levels. */
export const DEFAULT_QUANTILES = [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1] as const
/** Up to this many distinct numeric values are kept as value counts. */
export const MAX_DISCRETE_VALUES = 20
/** Up to this many distinct values a numeric sample is exact; above, a sketch. */
export const DEFAULT_EXACT_MAX_VALUES = 100_000
/** Knots of a numeric sketch. */
export const DEFAULT_SKETCH_KNOTS = 10_000
const LITTLE_ENDIAN = endianness() === 'LE'

/** The profile format this release writes. */
export const REFERENCE_PROFILE_SCHEMA = 'modelship/reference-profile@2'
/** The formats this release reads. */
export const READABLE_PROFILE_SCHEMAS = ['modelship/reference-profile@1', REFERENCE_PROFILE_SCHEMA] as const

/** A numeric column's sorted values (format 2): see the file header. */
export interface NumericSample {
  /** Every finite row is accounted for; false: a quantile sketch. */
  exact: boolean
  /** Distinct values (exact) or knots (sketch), ascending: float64 little-endian, base64. */
  values: string
  /** Rows ≤ each value, float64 little-endian, base64. */
  cumulative: string
  /** Largest count of rows between two knots; 0 when exact. */
  maxGap: number
  /** Bound on W₁'s error in the column's units; 0 when exact. */
  wassersteinBound: number
}

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
  /** Sorted values for KS and Wasserstein (format 2; absent in format 1 and without finite values). */
  sample?: NumericSample
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
  schema: (typeof READABLE_PROFILE_SCHEMAS)[number]
  rowCount: number
  features: Record<string, NumericProfile | CategoricalProfile>
  /** The model's outputs on the reference rows, by output column name (format 2, when given). */
  outputs?: Record<string, NumericProfile | CategoricalProfile>
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
  /** Distinct values up to which a numeric sample is exact; default 100,000. */
  exactMaxValues?: number
  /** Knots of a sketch above that; default 10,000. */
  sketchKnots?: number
  /** The model's outputs on the same rows (e.g. `output.label`), profiled into `outputs`. */
  outputs?: DataTable
}

/** Profiles the table's features; a requested feature missing from the table is a caller bug (plain Error). */
export function buildReferenceProfile(table: DataTable, options: ReferenceProfileOptions = {}): ReferenceProfile {
  const names = options.features ?? [...table.columns.keys()]
  const workspace = new SortWorkspace()
  const profileTable = (source: DataTable, columns: readonly string[]): ReferenceProfile['features'] => {
    const features: ReferenceProfile['features'] = {}
    for (const name of columns) {
      const column = source.columns.get(name)
      if (!column) throw new Error(`reference profile: column '${name}' is not in the table (columns: ${[...source.columns.keys()].join(', ')})`)
      features[name] =
        column.kind === 'numeric'
          ? profileNumeric(column.values, options, workspace)
          : profileCategorical(column.codes, column.categories, options.maxCategories ?? 1000)
    }
    return features
  }
  const profile: ReferenceProfile = { schema: REFERENCE_PROFILE_SCHEMA, rowCount: table.rowCount, features: profileTable(table, names) }
  if (options.outputs) profile.outputs = profileTable(options.outputs, [...options.outputs.columns.keys()])
  return profile
}

/** Linear-interpolation quantile of sorted values (numpy `method='linear'`). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q
  const low = Math.floor(position)
  const high = Math.ceil(position)
  const a = sorted[low]!
  return low === high ? a : a + (sorted[high]! - a) * (position - low)
}

function profileNumeric(values: Float64Array, options: ReferenceProfileOptions, workspace: SortWorkspace): NumericProfile {
  const bins = options.bins ?? 10
  const levels = options.quantiles ?? DEFAULT_QUANTILES
  const finite = new Float64Array(values.length)
  let n = 0
  // -0 becomes 0: one point, one bit pattern, as the drift statistics count it.
  for (const v of values) if (Number.isFinite(v)) finite[n++] = v === 0 ? 0 : v
  const sorted = workspace.sortInPlace(finite.subarray(0, n))
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
    sample: encodeSample(sorted, options.exactMaxValues ?? DEFAULT_EXACT_MAX_VALUES, options.sketchKnots ?? DEFAULT_SKETCH_KNOTS),
  }
}

function encodeSample(sorted: Float64Array, exactMaxValues: number, sketchKnots: number): NumericSample {
  const sample = compressSorted(sorted, exactMaxValues, sketchKnots)
  return {
    exact: sample.exact,
    values: encodeFloat64(sample.values),
    cumulative: encodeFloat64(sample.cumulative!),
    maxGap: sample.maxGap,
    wassersteinBound: sample.wassersteinBound,
  }
}

/** float64 little-endian, base64 (the byte order is fixed so a profile reads the same anywhere). */
export function encodeFloat64(values: Float64Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64')
  const bytes = Buffer.alloc(values.length * 8)
  for (let i = 0; i < values.length; i++) bytes.writeDoubleLE(values[i]!, i * 8)
  return bytes.toString('base64')
}

/** The inverse of encodeFloat64; a DataError when the text is not whole float64s. */
export function decodeFloat64(text: string, what: string): Float64Array {
  const bytes = Buffer.from(text, 'base64')
  if (bytes.length % 8 !== 0) throw new DataError(`${what}: ${bytes.length} bytes is not a whole number of float64 values; the profile is damaged. Fix: re-register the version or pass the training data as --reference`)
  // On little-endian machines (all that Modelship ships for) the bytes are the array: one copy.
  if (LITTLE_ENDIAN) return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
  const values = new Float64Array(bytes.length / 8)
  for (let i = 0; i < values.length; i++) values[i] = bytes.readDoubleLE(i * 8)
  return values
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

const finiteOrNull = z.nullable(z.number())
const NumericProfileSchema = z.object({
  kind: z.literal('numeric'),
  count: z.number(),
  nullCount: z.number(),
  nullRate: z.number(),
  min: finiteOrNull,
  max: finiteOrNull,
  mean: finiteOrNull,
  std: finiteOrNull,
  quantiles: z.array(z.object({ q: z.number(), value: finiteOrNull })),
  histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number()) }),
  distinct: z.number(),
  values: z.nullable(z.array(z.object({ value: z.number(), count: z.number() }))),
  sample: z.optional(z.object({ exact: z.boolean(), values: z.string(), cumulative: z.string(), maxGap: z.number(), wassersteinBound: z.number() })),
})
const CategoricalProfileSchema = z.object({
  kind: z.literal('categorical'),
  count: z.number(),
  nullCount: z.number(),
  nullRate: z.number(),
  distinct: z.number(),
  categories: z.array(z.object({ value: z.string(), count: z.number() })),
  otherCount: z.number(),
})
const FeatureProfileSchema = z.discriminatedUnion('kind', [NumericProfileSchema, CategoricalProfileSchema])
const ReferenceProfileSchema = z.object({
  schema: z.enum(READABLE_PROFILE_SCHEMAS),
  rowCount: z.number(),
  features: z.record(z.string(), FeatureProfileSchema),
  outputs: z.optional(z.record(z.string(), FeatureProfileSchema)),
})

/**
 * Parses reference-profile.json text (`where` names it in messages). Formats 1 and 2 are read; any
 * other gets a message saying which format it is and what to do.
 */
export function parseReferenceProfile(text: string, where = 'reference-profile.json'): ReferenceProfile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new DataError(`${where}: not JSON (${(error as Error).message}); the profile is damaged. Fix: re-register the version or pass the training data as --reference`)
  }
  const schema = (json as { schema?: unknown } | null)?.schema
  if (typeof schema !== 'string' || !schema.startsWith('modelship/reference-profile@')) {
    throw new DataError(`${where}: not a reference profile (its "schema" is ${JSON.stringify(schema) ?? 'missing'}; expected ${READABLE_PROFILE_SCHEMAS.map((s) => `'${s}'`).join(' or ')})`)
  }
  if (!(READABLE_PROFILE_SCHEMAS as readonly string[]).includes(schema)) {
    const version = Number(schema.slice(schema.indexOf('@') + 1))
    const newest = Number(REFERENCE_PROFILE_SCHEMA.slice(REFERENCE_PROFILE_SCHEMA.indexOf('@') + 1))
    throw new DataError(
      `${where}: reference profile format '${schema}'; this modelship reads formats 1 to ${newest}. ` +
        (version > newest ? 'Fix: upgrade modelship to read it.' : 'Fix: re-register the version with this modelship, or pass the training data as --reference.'),
    )
  }
  const parsed = ReferenceProfileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new DataError(`${where}: not a valid reference profile: ${issue.path.join('.') || '(root)'}: ${issue.message}. Fix: re-register the version or pass the training data as --reference`)
  }
  return parsed.data as ReferenceProfile
}

/** Reads a reference-profile.json file; a missing file and an unreadable one are told apart. */
export async function readReferenceProfile(path: string): Promise<ReferenceProfile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new DataError(`${path}: no such reference profile`)
    throw new DataError(`${path}: could not read the reference profile (${code ?? (error as Error).message})`)
  }
  return parseReferenceProfile(text, path)
}

/** The profile as the JSON text stored in the release. */
export function renderReferenceProfile(profile: ReferenceProfile): string {
  return JSON.stringify(profile, null, 2) + '\n'
}
