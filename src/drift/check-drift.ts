/**
 * The drift check: every feature (and model output) of the current data against the reference,
 * with data-quality findings, into a DriftReport. Pure: the caller reads the data (read-current.ts,
 * reference.ts) and this judges it.
 *
 * Never a verdict on nothing: a column with no usable rows on a side is skipped with its reason and
 * a finding; a check where no feature could be judged is a DataError. NaN is null, ±∞ and values a
 * numeric column cannot hold are findings and are left out of the statistics.
 *
 * Speed: each numeric column is sorted once a side (reference columns from a profile arrive
 * sorted), sorting reuses one scratch buffer, and one merge gives KS and Wasserstein together.
 */
import { DataError } from '../errors.js'
import { DRIFT_METHODS, type DriftMethodName } from './choose-method.js'
import { categoricalDrift } from './categorical-drift.js'
import { datasetDrift, DEFAULT_DRIFT_SHARE } from './dataset-drift.js'
import type { ColumnDriftReport, DriftHistogram, DriftReport, QualityFinding } from './drift-report.js'
import { DRIFT_REPORT_SCHEMA_VERSION } from './drift-report.js'
import { jensenShannonDistance } from './jensen-shannon.js'
import { type ColumnStatistics, histogramCounts, numericDrift } from './numeric-drift.js'
import { computePsi } from './psi.js'
import { SortWorkspace } from './sort-float64.js'
import { rowsAtMost, rowsBelow, sampleFromSorted, type SortedSample } from './sorted-sample.js'

/** A reference column: what the statistics and the findings need of it. */
export type ReferenceColumn = NumericReferenceColumn | CategoricalReferenceColumn

/** A numeric reference column, from raw rows or a profile. */
export interface NumericReferenceColumn {
  kind: 'numeric'
  /** Rows, nulls included. */
  rows: number
  nullCount: number
  min: number | null
  max: number | null
  mean: number | null
  /** The sorted finite values; null when there are none or the profile holds none (see `missingSample`). */
  sample: (workspace: SortWorkspace) => SortedSample | null
  /** Why `sample` is null although there are finite values (a format 1 profile). */
  missingSample: string | null
  /** Bins fixed by the reference (for the published histogram; for PSI when there is no sample). */
  bins: { edges: number[]; counts: number[] } | null
  /** Raw data: the fixed bins' edges, counted from the sorted sample when it is made (`bins` is then null). */
  binEdges?: number[] | null
}

/** A categorical reference column: its category counts. */
export interface CategoricalReferenceColumn {
  kind: 'categorical'
  rows: number
  nullCount: number
  counts: ReadonlyMap<string, number>
  /** Rows in categories the profile did not keep by name. */
  otherCount: number
}

/** The reference side of a check. */
export interface DriftReference {
  source: DriftReport['reference']['source']
  location: string
  version: string | null
  rows: number
  features: ReadonlyMap<string, ReferenceColumn>
  /** The model's outputs on the reference rows; null when unknown. */
  outputs: ReadonlyMap<string, ReferenceColumn> | null
}

/** A current column as read (see read-current.ts). */
export type CurrentColumn =
  | {
      kind: 'numeric'
      rows: number
      nullCount: number
      /** ±∞ rows (left out). */
      nonFinite: number
      /** Rows whose text is not a number (a numeric column written as text somewhere; left out). */
      typeErrors: number
      /** The finite values, in any order; the check sorts them in place. */
      values: Float64Array
    }
  | { kind: 'categorical'; rows: number; nullCount: number; counts: ReadonlyMap<string, number> }

/** The current side of a check. */
export interface DriftCurrent {
  source: DriftReport['current']['source']
  location: string
  files: string[]
  rows: number
  window: DriftReport['current']['window']
  /** Columns by name (features and outputs); absent names are missing columns. */
  columns: ReadonlyMap<string, CurrentColumn>
}

/** Per-feature and global choices (the spec's monitor.drift, or CLI options). */
export interface DriftCheckOptions {
  model: string
  /** Features to check, in order; default the reference's. */
  features?: readonly string[]
  /** Method for every column unless a feature sets one; 'auto' or absent: the preset's. */
  method?: DriftMethodName | 'auto'
  methodSource?: 'spec' | 'option'
  threshold?: number
  perFeature?: Readonly<Record<string, { method?: DriftMethodName | 'auto'; threshold?: number }>>
  driftShare?: number
  /** Check time, ISO 8601 (default now). */
  checkedAt?: string
  /** Share of current rows outside the reference range above which a finding is written. */
  outOfRangeShare?: number
  timing?: { readMs: number }
}

/** Share of out-of-range rows below which the tails of a continuous column are not worth a finding. */
export const DEFAULT_OUT_OF_RANGE_SHARE = 0.001

/** Runs the check. */
export function checkDrift(reference: DriftReference, current: DriftCurrent, options: DriftCheckOptions): DriftReport {
  const started = performance.now()
  if (current.rows === 0) {
    throw new DataError(
      `drift: the current data (${current.location}) has no rows${current.window ? ` in the window ${current.window.start} to ${current.window.end}` : ''}; a drift verdict needs data. ` +
        (current.window ? 'Fix: widen --window, or check that the server is logging predictions.' : 'Fix: point --current at the data to check.'),
    )
  }
  const names = options.features ?? [...reference.features.keys()]
  const quality: QualityFinding[] = []
  const workspace = new SortWorkspace()
  const features = names.map((name) => {
    const ref = reference.features.get(name)
    if (!ref) throw new DataError(`drift: feature '${name}' is not in the reference (${reference.location}); its columns are ${[...reference.features.keys()].join(', ')}`)
    return checkColumn(name, ref, current.columns.get(name), current, options, workspace, quality)
  })
  const checked = features.filter((f) => f.status === 'checked')
  if (checked.length === 0) {
    throw new DataError(
      `drift: no feature could be checked (${features.map((f) => `${f.name}: ${f.reason}`).join('; ')}); refusing to give a verdict on nothing`,
    )
  }
  const driftShare = options.driftShare ?? DEFAULT_DRIFT_SHARE
  const dataset = datasetDrift(checked, driftShare)
  let predictions: ColumnDriftReport[] | null = null
  if (reference.outputs && reference.outputs.size > 0) {
    predictions = [...reference.outputs].map(([name, ref]) => checkColumn(name, ref, current.columns.get(name), current, options, workspace, quality))
  }
  const statisticsMs = performance.now() - started
  const readMs = options.timing?.readMs ?? 0
  return {
    schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
    model: options.model,
    version: reference.version,
    checkedAt: options.checkedAt ?? new Date().toISOString(),
    reference: { source: reference.source, location: reference.location, rows: reference.rows },
    current: { source: current.source, location: current.location, files: current.files, rows: current.rows, window: current.window },
    dataset: { columns: dataset.columns, driftedColumns: dataset.driftedColumns, share: dataset.share, driftShare, drifted: dataset.drifted },
    features,
    predictions,
    quality,
    performance: null,
    timing: { readMs, statisticsMs, totalMs: readMs + statisticsMs },
  }
}

type SideSummary = ColumnDriftReport['current']

const NO_STATISTICS: ColumnStatistics = { ksStatistic: null, ksPValue: null, wasserstein: null, psi: null, jensenShannon: null }

function checkColumn(
  name: string,
  ref: ReferenceColumn,
  cur: CurrentColumn | undefined,
  current: DriftCurrent,
  options: DriftCheckOptions,
  workspace: SortWorkspace,
  quality: QualityFinding[],
): ColumnDriftReport {
  const refSummary = { rows: ref.rows, usable: ref.rows - ref.nullCount, nullRate: rate(ref.nullCount, ref.rows), mean: ref.kind === 'numeric' ? ref.mean : null, std: null as number | null }
  const emptySide: SideSummary = { rows: 0, usable: 0, nullRate: null, mean: null, std: null }
  const skipped = (reason: string, currentSide: SideSummary = emptySide): ColumnDriftReport => ({
    name,
    kind: ref.kind,
    status: 'skipped',
    reason,
    method: null,
    methodSource: null,
    scoreKind: null,
    score: null,
    threshold: null,
    drifted: false,
    exact: true,
    errorBound: null,
    statistics: NO_STATISTICS,
    reference: refSummary,
    current: currentSide,
    histogram: null,
  })
  const finding = (kind: QualityFinding['kind'], severity: QualityFinding['severity'], count: number, rows: number, message: string, side: QualityFinding['side'] = 'current'): void => {
    quality.push({ column: name, side, kind, severity, count, share: rate(count, rows), message })
  }

  if (!cur) {
    const message = `'${name}' is not in the current data (${current.location}); it was not checked. Fix: log or export the feature under its spec name.`
    finding('missing-column', 'error', current.rows, current.rows, message)
    return skipped(`not in the current data`)
  }
  const { method: chosen, threshold, source } = methodFor(name, options)
  const usableCurrent = cur.kind === 'numeric' ? cur.values.length : cur.rows - cur.nullCount
  const curSummary = { rows: cur.rows, usable: usableCurrent, nullRate: rate(cur.nullCount, cur.rows), mean: null as number | null, std: null as number | null }
  reportNulls(name, ref, cur, finding)

  if (ref.kind === 'numeric') {
    if (cur.kind === 'categorical') {
      finding('wrong-type', 'error', cur.rows - cur.nullCount, cur.rows, `'${name}' is numeric in the reference but holds text in the current data (e.g. ${sampleCategories(cur.counts)}); it was not checked. Fix: write the feature as numbers.`)
      return skipped('text in the current data where the reference has numbers', curSummary)
    }
    if (cur.nonFinite > 0) finding('non-finite', 'warning', cur.nonFinite, cur.rows, `${cur.nonFinite} of ${cur.rows} current rows of '${name}' are ±infinity; they were left out of the statistics.`)
    if (cur.typeErrors > 0) finding('wrong-type', 'warning', cur.typeErrors, cur.rows, `${cur.typeErrors} of ${cur.rows} current rows of '${name}' are text, not numbers; they were left out of the statistics.`)
    if (cur.values.length === 0) {
      finding('nulls', 'error', cur.rows, cur.rows, `'${name}' has no finite current value (${cur.rows} rows: nulls, infinities or text); it was not checked.`)
      return skipped('no finite value in the current data', curSummary)
    }
    const refSample = ref.sample(workspace)
    const curSorted = workspace.sortInPlace(cur.values)
    const curSample = sampleFromSorted(curSorted, { countDistinct: false })
    curSummary.mean = mean(curSorted)
    curSummary.std = curSample.std
    if (ref.min !== null && ref.max !== null) reportOutOfRange(name, curSorted, ref.min, ref.max, cur.rows, options, finding)
    const bins = ref.bins ?? (refSample && ref.binEdges ? { edges: ref.binEdges, counts: Array.from(histogramCounts(refSample, ref.binEdges)) } : null)
    const histogram = bins ? fixedBinsHistogram(bins, curSample) : null
    if (!refSample) {
      if (ref.rows - ref.nullCount === 0) return skipped('no finite value in the reference', curSummary)
      // A format 1 profile: only its fixed histogram is left, which answers PSI and Jensen–Shannon.
      if (!histogram || (chosen !== null && chosen !== 'psi' && chosen !== 'jensenshannon')) return skipped(ref.missingSample ?? 'the reference holds no sorted sample', curSummary)
      const method = chosen ?? 'psi'
      const score = method === 'psi' ? computePsi(histogram.reference, histogram.current) : jensenShannonDistance(histogram.reference, histogram.current)
      const limit = threshold ?? DRIFT_METHODS[method].defaultThreshold
      return {
        ...skipped(''),
        status: 'checked',
        reason: `${ref.missingSample ?? 'the reference holds no sorted sample'}; judged by ${method} on the reference's ${histogram.reference.length} fixed bins instead of the preset's method`,
        method,
        methodSource: chosen ? source : 'auto',
        scoreKind: 'distance',
        score,
        threshold: limit,
        drifted: score >= limit,
        exact: false,
        statistics: { ...NO_STATISTICS, [method === 'psi' ? 'psi' : 'jensenShannon']: score },
        current: curSummary,
        histogram: toHistogram(bins!, histogram),
      }
    }
    refSummary.std = refSample.std
    try {
      const result = numericDrift(name, refSample, curSample, { ...(chosen ? { method: chosen } : {}), ...(threshold !== undefined ? { threshold } : {}) })
      return {
        name,
        kind: 'numeric',
        status: 'checked',
        reason: null,
        method: result.method,
        methodSource: chosen ? source : 'auto',
        scoreKind: DRIFT_METHODS[result.method].score,
        score: finite(result.score),
        threshold: result.threshold,
        drifted: result.drifted,
        exact: result.exact,
        errorBound: result.errorBound,
        statistics: finiteStatistics(result.statistics),
        reference: refSummary,
        current: curSummary,
        histogram: histogram && toHistogram(bins!, histogram),
      }
    } catch (error) {
      if (error instanceof DataError) return skipped(error.message.replace(/^drift: /, ''), curSummary)
      throw error
    }
  }

  // Categorical reference.
  let counts: ReadonlyMap<string, number>
  if (cur.kind === 'numeric') {
    // Numbers where the reference has categories (e.g. codes read as numbers): compare as text.
    counts = numbersAsCategories(cur.values)
    if (cur.values.length > 0) {
      const known = [...counts.keys()].filter((k) => ref.counts.has(k)).length
      if (known === 0) {
        finding('wrong-type', 'error', cur.values.length, cur.rows, `'${name}' holds numbers in the current data but none of them is a category of the reference (e.g. ${sampleCategories(ref.counts)}); it was not checked.`)
        return skipped('numbers in the current data where the reference has categories', curSummary)
      }
    }
  } else {
    counts = cur.counts
  }
  let usable = 0
  for (const c of counts.values()) usable += c
  curSummary.usable = usable
  if (usable === 0) {
    finding('nulls', 'error', cur.rows, cur.rows, `'${name}' has no non-null current value; it was not checked.`)
    return skipped('no non-null value in the current data', curSummary)
  }
  if (ref.rows - ref.nullCount === 0) return skipped('no non-null value in the reference', curSummary)
  // Categories the profile lumped into "other" cannot be told apart from new ones: they share a bin.
  const refCounts = new Map(ref.counts)
  const curCounts = new Map<string, number>()
  let unseen = 0
  let unseenDistinct = 0
  const unseenNames: string[] = []
  for (const [k, c] of counts) {
    if (refCounts.has(k)) curCounts.set(k, c)
    else {
      unseen += c
      unseenDistinct++
      if (unseenNames.length < 5) unseenNames.push(k)
      curCounts.set(ref.otherCount > 0 ? OTHER : k, (curCounts.get(ref.otherCount > 0 ? OTHER : k) ?? 0) + c)
    }
  }
  if (ref.otherCount > 0) refCounts.set(OTHER, ref.otherCount)
  if (unseen > 0) {
    const lumped = ref.otherCount > 0 ? ' (or among the categories the profile kept only as a total)' : ''
    finding('unseen-category', 'warning', unseen, cur.rows, `${unseen} current rows of '${name}' hold categories the reference never saw${lumped}: ${unseenNames.map((n) => `'${n}'`).join(', ')}${unseenDistinct > unseenNames.length ? `, and ${unseenDistinct - unseenNames.length} more` : ''}.`)
  }
  try {
    const result = categoricalDrift(name, refCounts, curCounts, { ...(chosen ? { method: chosen } : {}), ...(threshold !== undefined ? { threshold } : {}) })
    return {
      name,
      kind: 'categorical',
      status: 'checked',
      reason: null,
      method: result.method,
      methodSource: chosen ? source : 'auto',
      scoreKind: DRIFT_METHODS[result.method].score,
      score: finite(result.score),
      threshold: result.threshold,
      drifted: result.drifted,
      exact: true,
      errorBound: null,
      statistics: finiteStatistics(result.statistics),
      reference: refSummary,
      current: curSummary,
      histogram: categoricalHistogram(ref, refCounts, curCounts),
    }
  } catch (error) {
    if (error instanceof DataError) return skipped(error.message.replace(/^drift: /, ''), curSummary)
    throw error
  }
}

/** The bin that holds categories a profile did not keep by name, and new ones with them. */
const OTHER = '(other)'

function methodFor(name: string, options: DriftCheckOptions): { method: DriftMethodName | null; threshold: number | undefined; source: 'spec' | 'option' } {
  const own = options.perFeature?.[name]
  const method = own?.method ?? options.method
  return { method: method && method !== 'auto' ? method : null, threshold: own?.threshold ?? options.threshold, source: options.methodSource ?? 'spec' }
}

function reportNulls(
  name: string,
  ref: ReferenceColumn,
  cur: CurrentColumn,
  finding: (kind: QualityFinding['kind'], severity: QualityFinding['severity'], count: number, rows: number, message: string) => void,
): void {
  if (cur.nullCount === 0 || cur.nullCount === cur.rows) return
  const refRate = rate(ref.nullCount, ref.rows) ?? 0
  const curRate = cur.nullCount / cur.rows
  // Nulls at the reference's own rate are the data as trained; more than a point above is news.
  if (curRate <= refRate + 0.01) return
  finding('nulls', 'warning', cur.nullCount, cur.rows, `'${name}' is null in ${percent(curRate)} of the current rows (${cur.nullCount} of ${cur.rows}) against ${percent(refRate)} in the reference; nulls were left out of the statistics.`)
}

function reportOutOfRange(
  name: string,
  sorted: Float64Array,
  min: number,
  max: number,
  rows: number,
  options: DriftCheckOptions,
  finding: (kind: QualityFinding['kind'], severity: QualityFinding['severity'], count: number, rows: number, message: string) => void,
): void {
  let below = 0
  while (below < sorted.length && sorted[below]! < min) below++
  let above = 0
  while (above < sorted.length - below && sorted[sorted.length - 1 - above]! > max) above++
  const count = below + above
  if (count === 0 || count / rows < (options.outOfRangeShare ?? DEFAULT_OUT_OF_RANGE_SHARE)) return
  finding('out-of-range', 'warning', count, rows, `${count} of ${rows} current rows of '${name}' lie outside the reference's range [${min}, ${max}] (${below} below, ${above} above).`)
}

/** Current counts on the reference's fixed bins; values outside them count in the first or last bin. */
function fixedBinsHistogram(bins: { edges: number[]; counts: number[] }, current: SortedSample): { reference: number[]; current: number[] } {
  const counts = histogramCounts(current, bins.edges)
  counts[0]! += rowsBelow(current, bins.edges[0]!)
  counts[counts.length - 1]! += current.rows - rowsAtMost(current, bins.edges[bins.edges.length - 1]!)
  return { reference: bins.counts, current: Array.from(counts) }
}

function toHistogram(bins: { edges: number[] }, counts: { reference: number[]; current: number[] }): DriftHistogram {
  return { bins: { kind: 'numeric', edges: bins.edges }, reference: counts.reference, current: counts.current }
}

function categoricalHistogram(ref: CategoricalReferenceColumn, refCounts: ReadonlyMap<string, number>, curCounts: ReadonlyMap<string, number>): DriftHistogram {
  // Bins are the reference's categories (fixed before the current data is seen), then one for the rest.
  const categories = [...ref.counts.keys()]
  let otherCurrent = 0
  for (const [k, c] of curCounts) if (!ref.counts.has(k)) otherCurrent += c
  return {
    bins: { kind: 'categorical', categories: [...categories, OTHER] },
    reference: [...categories.map((c) => refCounts.get(c) ?? 0), ref.otherCount],
    current: [...categories.map((c) => curCounts.get(c) ?? 0), otherCurrent],
  }
}

function numbersAsCategories(values: Float64Array): Map<string, number> {
  const counts = new Map<string, number>()
  for (let i = 0; i < values.length; i++) {
    const key = String(values[i])
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

function sampleCategories(counts: ReadonlyMap<string, number>): string {
  const names = [...counts.keys()].slice(0, 3).map((k) => `'${k}'`)
  return names.length ? names.join(', ') : 'no values'
}

function finiteStatistics(s: ColumnStatistics): ColumnStatistics {
  return { ksStatistic: finite(s.ksStatistic), ksPValue: finite(s.ksPValue), wasserstein: finite(s.wasserstein), psi: finite(s.psi), jensenShannon: finite(s.jensenShannon) }
}

function finite(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : x
}

function rate(count: number, rows: number): number | null {
  return rows > 0 ? count / rows : null
}

function mean(values: Float64Array): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]!
  return sum / values.length
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 2 : 1)}%`
}
