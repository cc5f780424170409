/**
 * The drift report as it may be published under `monitor.privacy.epsilon`: every count that comes
 * from the private rows gets two-sided geometric noise (discrete-laplace.ts), and every other
 * number is recomputed from those noised counts (post-processing, which costs no privacy).
 *
 * Neighbouring data sets differ by one row added or removed. One row moves the row count by 1 and at
 * most one bin of each column's histogram by 1, so the report is m counting queries of sensitivity
 * 1, m = (1 + columns) per side noised. m depends only on the column list (the spec's and the
 * reference's), never on the data: a column skipped for lack of data still takes its share. By
 * basic composition each query gets ε/m and the report costs ε.
 *
 * The bins are the reference's (fixed edges or categories, chosen before the current data was read),
 * so the bins themselves reveal nothing about the current rows. The current side is always noised;
 * the reference side only when it came from raw data: a reference profile is already published as
 * the registered version's `reference-profile.json`.
 *
 * Published, derived from noised counts: histograms (clamped at 0), usable rows (their sum), null
 * rates, mean and std from bin midpoints (values beyond the outer edges sit in the outer bins),
 * PSI and Jensen-Shannon, and the score of a column judged by PSI, Jensen-Shannon or chi-square.
 * Not published (null): KS and Wasserstein, which need the raw values; realised performance; the
 * rows of each data-quality finding (count 0, share null: which findings exist is data-dependent, so
 * their counts could not get a budget share fixed in advance).
 * Kept as computed: the verdicts (drifted or not, per column and for the dataset) and which quality
 * findings there are, which are what the check is for; they are not protected by the noise, and the
 * README says so.
 */
import { DataError } from '../../errors.js'
import { chiSquareGoodnessOfFit } from '../chi-square.js'
import type { ColumnDriftReport, DriftHistogram, DriftReport, QualityFinding } from '../drift-report.js'
import { jensenShannonDistance } from '../jensen-shannon.js'
import { computePsi } from '../psi.js'
import { noisyCount, type UniformInt } from './discrete-laplace.js'

/** Options of privatizeReport. */
export interface PrivatizeOptions {
  /** The privacy loss the whole published report may cost (the spec's monitor.privacy.epsilon). */
  epsilon: number
  /** Randomness for the noise; node:crypto's by default. */
  uniform?: UniformInt
}

/** The published report and what it cost. */
export interface PrivatizedReport {
  report: DriftReport
  /** ε spent: the options' epsilon. */
  epsilon: number
  /** Counting queries the budget was split over; each got epsilon / queries. */
  queries: number
}

/** The noised copy of `report`; the input is not changed. */
export function privatizeReport(report: DriftReport, options: PrivatizeOptions): PrivatizedReport {
  const noiseReference = report.reference.source === 'data'
  const columns = [...report.features, ...(report.predictions ?? [])]
  const queries = (noiseReference ? 2 : 1) * (1 + columns.length)
  const share = options.epsilon / queries
  const count = (n: number): number => Math.max(0, noisyCount(n, share, 1, ...(options.uniform ? [options.uniform] : [])))

  const currentRows = count(report.current.rows)
  const referenceRows = noiseReference ? count(report.reference.rows) : report.reference.rows
  const column = (c: ColumnDriftReport): ColumnDriftReport => privatizeColumn(c, { count, noiseReference, currentRows, referenceRows })
  const published: DriftReport = {
    ...report,
    reference: { ...report.reference, rows: referenceRows },
    current: { ...report.current, rows: currentRows },
    features: report.features.map(column),
    predictions: report.predictions === null ? null : report.predictions.map(column),
    quality: report.quality.map(withheldFinding),
    performance: null,
  }
  return { report: published, epsilon: options.epsilon, queries }
}

interface ColumnNoise {
  count(n: number): number
  noiseReference: boolean
  currentRows: number
  referenceRows: number
}

function privatizeColumn(column: ColumnDriftReport, noise: ColumnNoise): ColumnDriftReport {
  const unpublished = { ksStatistic: null, ksPValue: null, wasserstein: null, psi: null, jensenShannon: null }
  if (column.histogram === null) {
    // Nothing was counted on fixed bins: no number of this column can be published.
    return {
      ...column,
      score: null,
      exact: false,
      errorBound: null,
      statistics: unpublished,
      reference: noise.noiseReference ? hiddenSide(column.reference, noise.referenceRows) : column.reference,
      current: hiddenSide(column.current, noise.currentRows),
    }
  }
  const histogram: DriftHistogram = {
    bins: column.histogram.bins,
    reference: noise.noiseReference ? column.histogram.reference.map(noise.count) : column.histogram.reference,
    current: column.histogram.current.map(noise.count),
  }
  const psi = guarded(() => computePsi(histogram.reference, histogram.current))
  const jensenShannon = guarded(() => jensenShannonDistance(histogram.reference, histogram.current))
  const score =
    column.method === 'psi' ? psi : column.method === 'jensenshannon' ? jensenShannon : column.method === 'chisquare' ? guarded(() => chiSquareGoodnessOfFit(histogram.reference, histogram.current).pValue) : null
  return {
    ...column,
    score: column.status === 'checked' ? score : null,
    exact: false,
    errorBound: null,
    statistics: { ...unpublished, psi, jensenShannon },
    reference: noise.noiseReference ? sideFromHistogram(column, histogram.reference, noise.referenceRows) : column.reference,
    current: sideFromHistogram(column, histogram.current, noise.currentRows),
    histogram,
  }
}

type Side = ColumnDriftReport['current']

function hiddenSide(side: Side, rows: number): Side {
  return { rows, usable: 0, nullRate: null, mean: null, std: null }
}

/** A side's summary from its noised histogram: usable rows are its total; mean and std from bin midpoints. */
function sideFromHistogram(column: ColumnDriftReport, counts: readonly number[], rows: number): Side {
  const usable = counts.reduce((a, b) => a + b, 0)
  const nullRate = rows > 0 ? Math.min(1, Math.max(0, 1 - usable / rows)) : null
  if (column.kind === 'categorical' || column.histogram?.bins.kind !== 'numeric' || usable === 0) return { rows, usable, nullRate, mean: null, std: null }
  const edges = column.histogram.bins.edges
  let sum = 0
  let squares = 0
  counts.forEach((c, i) => {
    const mid = (edges[i]! + edges[i + 1]!) / 2
    sum += c * mid
    squares += c * mid * mid
  })
  const mean = sum / usable
  return { rows, usable, nullRate, mean, std: Math.sqrt(Math.max(0, squares / usable - mean * mean)) }
}

function withheldFinding(finding: QualityFinding): QualityFinding {
  // The engine's message quotes exact counts and values; the published one says only what and where.
  return {
    ...finding,
    count: 0,
    share: null,
    message: `${finding.kind} in ${finding.column} (${finding.side}); its rows are not published under differential privacy (run the check without publishing to see them)`,
  }
}

/** A statistic of noised counts, or null where the counts leave it undefined (an empty side). */
function guarded(compute: () => number): number | null {
  try {
    const value = compute()
    return Number.isFinite(value) ? value : null
  } catch (error) {
    if (error instanceof DataError) return null
    throw error
  }
}
