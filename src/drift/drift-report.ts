/**
 * `drift.json`: what one drift check of one model found — per-feature (and per-output) scores and
 * verdicts, the dataset verdict, data-quality findings, and, when labels were joined, the realised
 * performance and fairness. The zod schema below is the one definition; `schemas/drift.schema.json`
 * is generated from it, and the publisher (sticky issue, retraining, privacy noise) reads this type.
 * Undefined numbers (NaN) are written as null, since JSON has no NaN.
 *
 * Histograms are on bins fixed before the current data was seen (the reference profile's edges, or
 * the categories of the reference), so noise can be added to them for publishing without the bins
 * themselves leaking anything about the current data.
 */
import { readFile } from 'node:fs/promises'
import * as z from 'zod/mini'
import { described } from '../described.js'
import '../zod-english.js'
import { DataError } from '../errors.js'

/** The version of the drift.json format this release writes and reads. */
export const DRIFT_REPORT_SCHEMA_VERSION = 1

/** Default file name of a drift report. */
export const DRIFT_REPORT_FILE = 'drift.json'

const value = described(z.nullable(z.number()), 'a number, or null when undefined (NaN) or not computed')

const methodSchema = described(z.enum(['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi']), 'drift method (Evidently names)')

const HistogramSchema = described(
  z.object({
    bins: described(
      z.union([
        z.object({ kind: z.literal('numeric'), edges: described(z.array(z.number()), 'bin edges, ascending, edges.length = counts.length + 1; values outside count in the first or last bin') }),
        z.object({ kind: z.literal('categorical'), categories: described(z.array(z.string()), "categories of the reference, then '(other)' for anything else") }),
      ]),
      'bins fixed by the reference before the current data is seen',
    ),
    reference: described(z.array(z.number()), 'reference counts per bin'),
    current: described(z.array(z.number()), 'current counts per bin'),
  }),
  'counts of both sides on the same fixed bins (what a published report may noise)',
)

const SideSummarySchema = z.object({
  rows: described(z.int(), 'rows on this side, nulls included'),
  usable: described(z.int(), 'rows the statistic used: finite numbers, or non-null categories'),
  nullRate: described(value, 'share of rows that are null (NaN counts as null)'),
  mean: described(value, 'mean of the usable rows; null for a categorical column'),
  std: described(value, 'population std of the usable rows; null for a categorical column'),
})

const ColumnDriftSchema = described(
  z.object({
    name: described(z.string(), 'feature name, or output column name (e.g. output.probabilities[1])'),
    kind: z.enum(['numeric', 'categorical']),
    status: described(z.enum(['checked', 'skipped']), 'skipped: no verdict was computed, see reason'),
    reason: described(z.nullable(z.string()), 'why the column was skipped; null when checked'),
    method: z.nullable(methodSchema),
    methodSource: described(z.nullable(z.enum(['auto', 'spec', 'option'])), "who chose the method: the preset ('auto'), the spec's monitor.drift, or a CLI option"),
    scoreKind: z.nullable(z.enum(['p-value', 'distance'])),
    score: described(value, 'the method\'s score: a p-value (small is drift) or a distance (large is drift)'),
    threshold: value,
    drifted: described(z.boolean(), 'the verdict; false when skipped'),
    exact: described(
      z.boolean(),
      'true when the score was computed from every reference value; false when the reference profile held a quantile sketch (see errorBound)',
    ),
    errorBound: described(value, 'bound on |score − exact score| when not exact; null when exact'),
    statistics: described(
      z.object({
        ksStatistic: value,
        ksPValue: value,
        wasserstein: described(value, 'Wasserstein-1 distance / max(reference population std, 0.001)'),
        psi: value,
        jensenShannon: value,
      }),
      'every statistic the column answers, whichever method judged it (null when not applicable)',
    ),
    reference: SideSummarySchema,
    current: SideSummarySchema,
    histogram: z.nullable(HistogramSchema),
  }),
  'drift of one column',
)

const QualityFindingSchema = described(
  z.object({
    column: z.string(),
    side: z.enum(['reference', 'current']),
    kind: z.enum(['missing-column', 'wrong-type', 'nulls', 'non-finite', 'out-of-range', 'unseen-category']),
    severity: described(z.enum(['warning', 'error']), 'error: the column could not be checked; warning: checked without the affected rows'),
    count: described(z.int(), 'rows affected'),
    share: described(value, 'rows affected / rows on that side'),
    message: described(z.string(), 'what was found and what to do, for a person'),
  }),
  'a data-quality finding: reported, never a crash',
)

const PerformanceSchema = described(
  z.object({
    labelsFile: z.string(),
    target: described(z.string(), 'the label column'),
    joinedRows: described(z.int(), 'prediction rows whose request id has a label'),
    unmatchedLabels: described(z.int(), 'label rows whose request id matched no prediction in the window'),
    metrics: described(z.record(z.string(), value), 'realised metrics of the predictions against the labels'),
    reference: described(z.nullable(z.record(z.string(), value)), "the metrics the registered version's evaluation measured, when known"),
    fairness: described(
      z.array(
        z.object({
          feature: z.string(),
          groups: z.array(z.object({ group: z.string(), count: z.int(), selectionRate: value, truePositiveRate: value, falsePositiveRate: value })),
          metrics: z.record(z.string(), value),
        }),
      ),
      'fairness metrics of the evaluate step over the joined rows, per sensitive feature',
    ),
  }),
  'realised performance once labels arrived (joined to the prediction logs by request id)',
)

/** The drift.json document. */
export const DriftReportSchema = described(
  z.object({
    schemaVersion: z.literal(DRIFT_REPORT_SCHEMA_VERSION),
    model: z.string(),
    version: described(z.nullable(z.string()), "the reference's registered version (e.g. 'churn@v1.2.0') when known"),
    checkedAt: described(z.string(), 'ISO 8601 UTC time of the check'),
    reference: z.object({
      source: z.enum(['data', 'profile', 'registry']),
      location: described(z.string(), 'the data file, profile file or registry reference as given'),
      rows: z.int(),
    }),
    current: z.object({
      source: z.enum(['dataset', 'prediction-logs']),
      location: described(z.string(), 'the data file, glob or log folder as given'),
      files: described(z.array(z.string()), 'the files read'),
      rows: z.int(),
      window: described(
        z.nullable(z.object({ start: z.string(), end: z.string(), duration: z.string() })),
        'the prediction-log window (ISO 8601 UTC, start inclusive, end exclusive); null for a dataset',
      ),
    }),
    dataset: z.object({
      columns: described(z.int(), 'features checked'),
      driftedColumns: z.int(),
      share: value,
      driftShare: described(z.number(), 'share of drifted features that makes the dataset drift'),
      drifted: z.boolean(),
    }),
    features: z.array(ColumnDriftSchema),
    predictions: described(
      z.nullable(z.array(ColumnDriftSchema)),
      'drift of the model outputs (prediction drift); null when the reference has no outputs to compare with',
    ),
    quality: z.array(QualityFindingSchema),
    performance: z.nullable(PerformanceSchema),
    timing: described(z.object({ readMs: z.number(), statisticsMs: z.number(), totalMs: z.number() }), 'wall time of the check, in ms'),
  }),
  'drift.json: one drift check of one model',
)

/** What drift.json holds. */
export type DriftReport = z.output<typeof DriftReportSchema>
/** One column's drift in a DriftReport. */
export type ColumnDriftReport = DriftReport['features'][number]
/** One data-quality finding. */
export type QualityFinding = DriftReport['quality'][number]
/** The fixed-bin histogram of a column. */
export type DriftHistogram = NonNullable<ColumnDriftReport['histogram']>
/** Realised performance and fairness. */
export type DriftPerformance = NonNullable<DriftReport['performance']>

/** Reads and validates a drift.json file; every problem is a DataError naming the file. */
export async function readDriftReport(path: string): Promise<DriftReport> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DataError(code === 'ENOENT' ? `${path}: no such drift report` : `${path}: could not read the drift report (${code ?? String(error)})`)
  }
  return parseDriftReport(text, path)
}

/** Parses drift.json text (`where` names it in messages). */
export function parseDriftReport(text: string, where = DRIFT_REPORT_FILE): DriftReport {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new DataError(`${where}: not JSON (${(error as Error).message})`)
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion
  if (typeof version === 'number' && version !== DRIFT_REPORT_SCHEMA_VERSION) {
    throw new DataError(
      `${where}: drift report format ${version}; this modelship reads format ${DRIFT_REPORT_SCHEMA_VERSION}. ` +
        (version > DRIFT_REPORT_SCHEMA_VERSION ? 'Fix: upgrade modelship.' : 'Fix: run the drift check again with this modelship.'),
    )
  }
  const parsed = DriftReportSchema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]!
    throw new DataError(`${where}: not a drift report: ${first.path.join('.') || '(root)'}: ${first.message}`)
  }
  return parsed.data
}

/** The report as the JSON text written to drift.json. */
export function renderDriftJson(report: DriftReport): string {
  return `${JSON.stringify(DriftReportSchema.parse(report), null, 2)}\n`
}
