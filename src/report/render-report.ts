/**
 * The Markdown report of one evaluation, for the pull-request comment and the job summary: a verdict
 * line with the check counts, metrics (champion, candidate, delta judged by the metric's direction),
 * gate checks, fairness by group, the top feature attributions as a Mermaid bar chart with a table,
 * training facts and a link to the workflow run. A hidden marker names the model so that the sticky
 * comment can be found again.
 */
import type { EvaluationResult, Explanations, TrainingFacts } from '../evaluate/evaluation-schema.js'
import { confusionSection } from './confusion-table.js'
import { curvesSection, residualsSection } from './curve-charts.js'
import { dependenceSection } from './dependence-charts.js'
import { featureChart, TOP_FEATURES } from './feature-chart.js'
import { whatChangedSection } from './what-changed.js'
import { renderLeaderboardMarkdown } from '../sweep/leaderboard.js'
import type { SweepResult } from '../sweep/sweep-schema.js'
import { formatDuration } from '../format-duration.js'
import { formatNumber, formatPercent, formatSigned, MISSING, table } from './format.js'

/** The hidden line that identifies a model's report comment. */
export function reportMarker(model: string): string {
  return `<!-- modelship:report model=${model} -->`
}

/** Options of `renderReport`. */
export interface RenderReportOptions {
  /** Link to the workflow run; default the evaluation's (or its training run's). */
  runUrl?: string
  /** The sweep that picked this candidate (`modelship sweep`): its leaderboard follows fairness. */
  sweep?: SweepResult
}

/** The whole report (the job summary takes it as is; `fitComment` cuts it for a comment). */
export function renderReport(evaluation: EvaluationResult, options: RenderReportOptions = {}): string {
  const runUrl = options.runUrl ?? evaluation.workflowRunUrl ?? evaluation.training?.workflowRunUrl ?? undefined
  const sections = [
    reportMarker(evaluation.model),
    verdictHeading(evaluation),
    subjectLine(evaluation),
    whatChangedSection(evaluation),
    metricsSection(evaluation),
    confusionSection(evaluation),
    curvesSection(evaluation),
    residualsSection(evaluation),
    gatesSection(evaluation),
    fairnessSection(evaluation),
    options.sweep !== undefined && options.sweep.model === evaluation.model ? renderLeaderboardMarkdown(options.sweep).trimEnd() : '',
    explanationsSection(evaluation.explanations),
    trainingSection(evaluation.training),
    footer(evaluation, runUrl),
  ]
  return `${sections.filter((section) => section !== '').join('\n\n')}\n`
}

/** `## ✅ churn passed: 4 of 4 checks passed` (or failed, with the failed count). */
export function verdictHeading(evaluation: EvaluationResult): string {
  const { checks, passed, failed, skipped } = evaluation.summary
  const skippedNote = skipped > 0 ? ` (${skipped} skipped${evaluation.champion ? '' : ': no champion'})` : ''
  const worse = worseMetrics(evaluation)
  // Gates may not cover every metric: a pass must not hide a metric that got worse.
  const worseNote = worse.length === 0 ? '' : `; worse than the champion: ${worse.join(', ')} (${worse.length} of ${evaluation.metrics.length} metrics)`
  if (evaluation.passed) {
    const counted = checks === 0 ? 'no gates set' : `${passed} of ${checks} ${checks === 1 ? 'check' : 'checks'} passed${skippedNote}`
    return `## ✅ Modelship: ${evaluation.model} passed — ${counted}${worseNote}`
  }
  return `## ❌ Modelship: ${evaluation.model} failed — ${failed} of ${checks} ${checks === 1 ? 'check' : 'checks'} failed${skippedNote}${worseNote}`
}

/** The metrics whose delta, as shown, is a change for the worse by the metric's direction. */
export function worseMetrics(evaluation: EvaluationResult): string[] {
  if (!evaluation.champion) return []
  return evaluation.metrics
    .filter((row) => deltaCell(row.delta, row.greaterIsBetter).endsWith(' worse'))
    .map((row) => (row.interval?.withinNoise ? `${row.name} (within noise)` : row.name))
}

function subjectLine(evaluation: EvaluationResult): string {
  const champion = evaluation.champion
    ? `against the champion ${evaluation.champion.version ?? evaluation.champion.path}`
    : 'with no champion to compare with (first version: absolute thresholds only)'
  const rows = evaluation.data.test.rows.toLocaleString('en-US')
  return `Candidate ${evaluation.candidate.path} ${champion}, on ${evaluation.data.test.path} (${rows} rows).`
}

/** `↑ +0.0123 better`, `↓ -0.0084 worse`, `= 0` — the arrow is the change, the word its meaning for this metric. */
export function deltaCell(delta: number | null, greaterIsBetter: boolean): string {
  if (delta === null) return MISSING
  // A change under 0.00005 shows as 0 at the 4 decimals metrics are shown with: no change.
  if (Math.abs(delta) < 0.00005) return '= 0'
  const better = greaterIsBetter ? delta > 0 : delta < 0
  return `${delta > 0 ? '↑' : '↓'} ${formatSigned(delta)} ${better ? 'better' : 'worse'}`
}

function metricsSection(evaluation: EvaluationResult): string {
  // Evaluations written before the bootstrap, or without a champion, have no intervals: no column.
  const withIntervals = evaluation.metrics.some((row) => row.interval !== undefined)
  const rows = evaluation.metrics.map((row) => [
    `${row.name} ${row.greaterIsBetter ? '(higher is better)' : '(lower is better)'}`,
    evaluation.champion ? formatNumber(row.champion) : MISSING,
    formatNumber(row.candidate),
    deltaCell(row.delta, row.greaterIsBetter),
    ...(withIntervals ? [intervalCell(row.interval)] : []),
  ])
  const notes = [positiveClassNote(evaluation), weightNote(evaluation), intervalNote(evaluation)].filter((note) => note !== '')
  const lead = notes.length > 0 ? `${notes.join(' ')}\n\n` : ''
  const header = ['metric', 'champion', 'candidate', 'delta', ...(withIntervals ? ['95% interval of the delta'] : [])]
  return `### Metrics\n\n${lead}${table(header, rows, ['left', 'right', 'right', 'left', 'left'])}`
}

type Interval = EvaluationResult['metrics'][number]['interval']

/** `-0.02 to +0.003, within noise` where the interval spans zero; '—' where none was computed. */
export function intervalCell(interval: Interval): string {
  if (!interval) return MISSING
  return `${formatSigned(interval.low)} to ${formatSigned(interval.high)}${interval.withinNoise ? ', within noise' : ''}`
}

function intervalNote(evaluation: EvaluationResult): string {
  const row = evaluation.metrics.find((metric) => metric.interval)
  if (!row?.interval) return ''
  return `Intervals: paired Poisson bootstrap over the same test rows for both models, ${row.interval.replicates} seeded replicates; "within noise" means the interval spans zero.`
}

/** Which class precision, recall, probabilities, fairness and attributions are about, and why. */
function positiveClassNote(evaluation: EvaluationResult): string {
  const positive = evaluation.positiveClass
  if (!positive) return ''
  const label = `\`${escapeCode(positive.label)}\``
  return positive.rule === 'pos-label'
    ? `Positive class: ${label} (evaluate.pos-label).`
    : `Positive class: ${label}, the second of the model's classes (${(evaluation.candidate.classes ?? []).map((name) => `\`${escapeCode(name)}\``).join(', ')}); set evaluate.pos-label to choose another.`
}

function weightNote(evaluation: EvaluationResult): string {
  const column = evaluation.data.sampleWeight
  return column ? `Metrics and fairness are weighted by column \`${escapeCode(column)}\` (data.sample-weight).` : ''
}

/** Backticks would end the code span a label is shown in. */
function escapeCode(text: string): string {
  return text.replace(/`/g, "'").replace(/[\r\n]+/g, ' ')
}

const STATUS_ICON = { passed: '✅ passed', failed: '❌ failed', skipped: '⏭️ skipped' } as const

function gatesSection(evaluation: EvaluationResult): string {
  if (evaluation.gates.length === 0) return '### Gates\n\nThe spec sets no gates (evaluate.gates), so nothing blocks this candidate.'
  const rows = evaluation.gates.map((gate) => [
    STATUS_ICON[gate.status],
    gate.metric,
    gate.check,
    formatNumber(gate.required),
    gate.reason,
  ])
  return `### Gates\n\n${table(['result', 'metric', 'check', 'required', 'details'], rows)}`
}

function fairnessSection(evaluation: EvaluationResult): string {
  const fairness = evaluation.fairness
  if (!fairness) return ''
  const parts = ['### Fairness']
  for (const feature of fairness.features) {
    const groups = feature.groups.map((group) => [
      // A group whose weights sum to 0 has no rates; say so rather than leave a row of dashes.
      group.weight === 0 ? `${group.group} (empty: weights 0)` : group.group,
      group.count.toLocaleString('en-US'),
      formatPercent(group.selectionRate),
      formatPercent(group.truePositiveRate),
      formatPercent(group.falsePositiveRate),
      formatPercent(group.accuracy),
    ])
    const overall = feature.overall
    groups.push([
      'overall',
      overall.count.toLocaleString('en-US'),
      formatPercent(overall.selectionRate),
      formatPercent(overall.truePositiveRate),
      formatPercent(overall.falsePositiveRate),
      formatPercent(overall.accuracy),
    ])
    parts.push(
      `#### By ${feature.feature}\n\n${table(['group', 'rows', 'selection rate', 'true positive rate', 'false positive rate', 'accuracy'], groups, ['left', 'right', 'right', 'right', 'right', 'right'])}`,
    )
    const checks = fairness.gates.filter((gate) => gate.feature === feature.feature)
    const metricRows = (Object.keys(feature.metrics) as Array<keyof typeof feature.metrics>).map((metric) => {
      const check = checks.find((gate) => gate.metric === metric)
      const bound = check?.bound && check.limit !== null ? `${check.bound === 'max' ? '≤' : '≥'} ${formatNumber(check.limit)}` : MISSING
      return [
        metric,
        evaluation.champion ? formatNumber(feature.champion?.[metric] ?? null) : MISSING,
        formatNumber(feature.metrics[metric]),
        bound,
        check ? STATUS_ICON[check.status] : 'reported only',
      ]
    })
    parts.push(table(['metric', 'champion', 'candidate', 'bound', 'result'], metricRows, ['left', 'right', 'right', 'left', 'left']))
  }
  return parts.join('\n\n')
}

function explanationsSection(explanations: Explanations | null): string {
  if (!explanations || explanations.global.length === 0) return ''
  const permutation = explanations.method === 'permutation'
  const measure = permutation ? `mean drop in ${explanations.outputs[0]} when shuffled` : 'mean |SHAP value|'
  const method =
    explanations.method === 'exact'
      ? `exact Shapley values over ${explanations.backgroundRows} background rows`
      : explanations.method === 'kernel'
        ? `KernelSHAP over ${explanations.backgroundRows} background rows`
        : explanations.method === 'tree'
          ? `exact TreeSHAP (interventional) over ${explanations.backgroundRows} background rows`
          : 'permutation importance'
  const incomplete = explanations.backgroundIncompleteRows ?? 0
  const leftOut = incomplete > 0 ? ` (${incomplete} training rows with a missing feature left out)` : ''
  const top = explanations.global.slice(0, TOP_FEATURES)
  const total = (importance: ReadonlyArray<number | null>) => importance.reduce<number>((sum, value) => sum + (value ?? 0), 0)
  const outputs = explanations.outputs
  const header = outputs.length > 1 ? ['feature', ...outputs.map((output) => `${measure}: ${output}`), 'total'] : ['feature', `${measure} (${outputs[0]})`]
  const rows = top.map((entry) =>
    outputs.length > 1 ? [entry.feature, ...entry.importance.map(formatNumber), formatNumber(total(entry.importance))] : [entry.feature, formatNumber(entry.importance[0] ?? null)],
  )
  const more = explanations.global.length > top.length ? `\n\n${explanations.global.length - top.length} more features are in evaluation.json.` : ''
  const parts = [
    `### Feature attributions\n\nTop ${top.length} of ${explanations.global.length} features by ${measure}, ${method}${leftOut}, on ${explanations.explainedRows} test rows.`,
    featureChart(top.map((entry) => ({ feature: entry.feature, value: total(entry.importance) })), measure),
    table(header, rows, ['left', ...header.slice(1).map(() => 'right' as const)]) + more,
  ]
  const dependence = dependenceSection(explanations)
  if (dependence) parts.push(dependence)
  if (explanations.local.length > 0) parts.push(localExplanations(explanations))
  return parts.join('\n\n')
}

function localExplanations(explanations: Explanations): string {
  const features = explanations.features
  const rows = explanations.local.map((local) => {
    // For several outputs (a multiclass model), show the output the model rated highest for the row.
    let k = 0
    local.prediction.forEach((value, index) => {
      if ((value ?? -Infinity) > (local.prediction[k] ?? -Infinity)) k = index
    })
    return [
      String(local.row + 1),
      `${explanations.outputs[k]} = ${formatNumber(local.prediction[k] ?? null)}`,
      formatNumber(explanations.baseValue?.[k] ?? null),
      ...features.map((_, j) => formatSigned(local.attributions[j]?.[k] ?? null)),
    ]
  })
  const header = ['test row', 'prediction', 'base value', ...features]
  return `<details><summary>Attributions of the first ${explanations.local.length} test rows</summary>\n\n${table(header, rows)}\n\n</details>`
}

function trainingSection(training: TrainingFacts | null): string {
  if (!training) return ''
  const gpu =
    training.gpus.length === 0
      ? 'none'
      : training.gpus
          .map((device) => {
            const use =
              device.utilizationMeanPercent === null
                ? 'utilization not sampled'
                : `${Math.round(device.utilizationMeanPercent)}% mean, ${Math.round(device.utilizationPeakPercent ?? device.utilizationMeanPercent)}% peak utilization`
            return `${device.name} (${use})`
          })
          .join('; ')
  const rows = [
    ['duration', durationCell(training)],
    ['GPU', gpu],
    ['cache', cacheCell(training)],
    ['attempts', String(training.attempts)],
    ['run', training.runId],
  ]
  if (training.commit) rows.push(['commit', training.commit.slice(0, 12)])
  return `### Training\n\n${table(['', ''], rows)}`
}

/** `3m10s: 1m05s environment set-up, 2m05s training` where the run record splits it. */
function durationCell(training: TrainingFacts): string {
  const parts = [
    training.setupMs === undefined ? '' : `${formatDuration(training.setupMs)} environment set-up`,
    training.trainingMs === undefined ? '' : `${formatDuration(training.trainingMs)} training`,
  ].filter((part) => part !== '')
  return parts.length === 0 ? formatDuration(training.durationMs) : `${formatDuration(training.durationMs)}: ${parts.join(', ')}`
}

/** A hit says when and where the model was originally trained, when the record knows. */
function cacheCell(training: TrainingFacts): string {
  if (!training.cacheHit) return 'miss: trained'
  const origin = training.restoredFrom
  if (!origin) return 'hit: outputs restored from an earlier run'
  const commit = origin.commit ? ` at commit ${origin.commit.slice(0, 12)}` : ''
  return `hit: outputs restored from run ${origin.id}, trained ${origin.startedAt.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC')}${commit}`
}

function footer(evaluation: EvaluationResult, runUrl: string | undefined): string {
  const link = runUrl ? `[Workflow run](${runUrl}) · ` : ''
  return `---\n${link}evaluated ${evaluation.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} by Modelship in ${formatDuration(evaluation.timing.totalMs)}`
}
