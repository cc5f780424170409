/**
 * The drift report as Markdown (job summary, sticky issue, `--report drift.md`): the verdict, a
 * per-feature table, the top drifted features as a Mermaid xychart-beta bar chart, each feature's
 * score across the previous checks as a trend when a history is given, prediction drift, data
 * quality and realised performance. Numbers and tables go through src/report/format.ts, the one
 * way the reports render them. Every chart has a table with the same numbers beside it.
 */
import { featureChart, TOP_FEATURES } from '../report/feature-chart.js'
import { formatNumber, formatPercent, formatPlain, MISSING, mermaidText, table } from '../report/format.js'
import type { ColumnDriftReport, DriftReport } from './drift-report.js'

/** One earlier check of the same model, as the publisher keeps it: score per feature. */
export interface DriftHistoryEntry {
  checkedAt: string
  /** Feature name → its score that day (null: skipped). */
  scores: Record<string, number | null>
}

/** Options of renderDriftReport. */
export interface RenderDriftOptions {
  /** Earlier checks, oldest first (the current one is appended from the report). */
  history?: readonly DriftHistoryEntry[]
  /** Trend charts drawn at most (the most drifted features first); default 5. */
  trendFeatures?: number
}

/** The history entry this report adds, for the publisher to keep. */
export function historyEntry(report: DriftReport): DriftHistoryEntry {
  return { checkedAt: report.checkedAt, scores: Object.fromEntries(report.features.map((f) => [f.name, f.score])) }
}

/**
 * How far past its threshold a score is, on one scale for both kinds: a distance ÷ its threshold,
 * a p-value as −log₁₀ p ÷ −log₁₀ threshold. 1 is the threshold; more is more drift.
 */
export function driftIntensity(column: Pick<ColumnDriftReport, 'score' | 'threshold' | 'scoreKind'>): number | null {
  const { score, threshold, scoreKind } = column
  if (score === null || threshold === null || scoreKind === null) return null
  if (scoreKind === 'distance') return threshold > 0 ? score / threshold : null
  const p = Math.max(score, 1e-300)
  return -Math.log10(p) / -Math.log10(threshold)
}

/** The Markdown report. */
export function renderDriftReport(report: DriftReport, options: RenderDriftOptions = {}): string {
  const parts: string[] = []
  const { dataset } = report
  const verdict = dataset.drifted ? '🔴 Drift detected' : '🟢 No dataset drift'
  parts.push(`## ${verdict}: ${report.model}${report.version ? ` (${report.version})` : ''}`)
  parts.push(
    `${dataset.driftedColumns} of ${dataset.columns} features drifted (${formatPercent(dataset.share)}; the dataset drifts at ${formatPercent(dataset.driftShare)}). ` +
      `Reference: ${report.reference.source} ${report.reference.location}, ${formatNumber(report.reference.rows)} rows. ` +
      `Current: ${report.current.source === 'prediction-logs' ? 'prediction logs' : 'dataset'} ${report.current.location}, ${formatNumber(report.current.rows)} rows` +
      (report.current.window ? ` from ${report.current.window.start} to ${report.current.window.end} (${report.current.window.duration})` : '') +
      `. Checked ${report.checkedAt}.`,
  )
  parts.push(featureSection('Features', report.features))
  const ranked = report.features
    .map((f) => ({ feature: f.name, value: driftIntensity(f) }))
    .filter((b): b is { feature: string; value: number } => b.value !== null)
    .sort((a, b) => b.value - a.value)
    .slice(0, TOP_FEATURES)
  if (ranked.length > 0) {
    parts.push('### Most drifted features')
    parts.push('Score relative to its threshold (distances: score ÷ threshold; p-values: −log₁₀ p ÷ −log₁₀ threshold); 1 or more is drift.')
    parts.push(featureChart(ranked, 'score ÷ threshold'))
  }
  if (options.history && options.history.length > 0) parts.push(trendSection(report, options.history, options.trendFeatures ?? 5))
  if (report.predictions) parts.push(featureSection('Prediction drift', report.predictions))
  if (report.quality.length > 0) {
    parts.push('### Data quality')
    parts.push(
      table(
        ['column', 'side', 'finding', 'severity', 'rows', 'share', 'detail'],
        report.quality.map((q) => [q.column, q.side, q.kind, q.severity, formatNumber(q.count), formatPercent(q.share), q.message]),
        ['left', 'left', 'left', 'left', 'right', 'right', 'left'],
      ),
    )
  }
  if (report.performance) parts.push(performanceSection(report.performance))
  return `${parts.join('\n\n')}\n`
}

function featureSection(title: string, columns: readonly ColumnDriftReport[]): string {
  const rows = columns.map((c) => [
    c.name,
    c.status === 'skipped' ? 'skipped' : c.drifted ? '🔴 drift' : '🟢 ok',
    c.method ?? MISSING,
    c.score === null ? MISSING : `${formatNumber(c.score)}${c.exact ? '' : c.errorBound !== null ? ` ±${formatPlain(c.errorBound)}` : ' (approx.)'}`,
    c.threshold === null ? MISSING : `${c.scoreKind === 'p-value' ? (c.method === 'ks' ? '≤' : '<') : '≥'} ${formatNumber(c.threshold)}`,
    formatNumber(c.statistics.ksStatistic),
    formatNumber(c.statistics.wasserstein),
    formatNumber(c.statistics.psi),
    formatPercent(c.current.nullRate),
    c.reason ?? '',
  ])
  return [
    `### ${title}`,
    table(
      ['feature', 'verdict', 'method', 'score', 'drift when', 'KS D', 'Wasserstein/σ', 'PSI', 'current nulls', 'note'],
      rows,
      ['left', 'left', 'left', 'right', 'left', 'right', 'right', 'right', 'right', 'left'],
    ),
  ].join('\n')
}

function trendSection(report: DriftReport, history: readonly DriftHistoryEntry[], most: number): string {
  const checks = [...history, historyEntry(report)]
  const features = [...report.features]
    .filter((f) => f.score !== null)
    .sort((a, b) => (driftIntensity(b) ?? 0) - (driftIntensity(a) ?? 0))
    .slice(0, most)
  const labels = checks.map((c) => `"${mermaidText(c.checkedAt.slice(0, 10))}"`).join(', ')
  const out = ['### Trend', `Each feature's score over the last ${checks.length} checks (the newest last).`]
  for (const f of features) {
    const series = checks.map((c) => c.scores[f.name] ?? null)
    const known = series.filter((v): v is number => v !== null)
    const top = Math.max(...known, f.threshold ?? 0)
    out.push(
      [
        '```mermaid',
        'xychart-beta',
        `    title "${mermaidText(f.name)}: ${mermaidText(f.method ?? '')} score (threshold ${formatPlain(f.threshold)})"`,
        `    x-axis [${labels}]`,
        `    y-axis "${mermaidText(f.method ?? 'score')}" 0 --> ${formatPlain(top > 0 ? top * 1.1 : 1)}`,
        // Mermaid has no gaps in a line: a skipped check is drawn at 0 and shown as — in the table.
        `    line [${series.map((v) => formatPlain(v ?? 0)).join(', ')}]`,
        '```',
      ].join('\n'),
    )
  }
  out.push(
    table(
      ['check', ...features.map((f) => f.name)],
      checks.map((c) => [c.checkedAt, ...features.map((f) => formatNumber(c.scores[f.name] ?? null))]),
      ['left', ...features.map(() => 'right' as const)],
    ),
  )
  return out.join('\n\n')
}

function performanceSection(performance: NonNullable<DriftReport['performance']>): string {
  const names = Object.keys(performance.metrics)
  const out = [
    '### Realised performance',
    `${formatNumber(performance.joinedRows)} predictions joined to labels in ${performance.labelsFile} by request id (${formatNumber(performance.unmatchedLabels)} labels matched no prediction in the window).`,
    table(
      ['metric', 'production', 'at evaluation'],
      names.map((m) => [m, formatNumber(performance.metrics[m]), formatNumber(performance.reference?.[m] ?? null)]),
      ['left', 'right', 'right'],
    ),
  ]
  for (const f of performance.fairness) {
    out.push(`Fairness by ${f.feature}:`)
    out.push(
      table(
        ['metric', 'value'],
        Object.entries(f.metrics).map(([m, v]) => [m, formatNumber(v)]),
        ['left', 'right'],
      ),
    )
  }
  return out.join('\n\n')
}
