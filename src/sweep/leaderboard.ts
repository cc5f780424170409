/**
 * The sweep's leaderboard: one row per trial (params, metrics, gates, fairness, selected), as
 * Markdown with a Mermaid bar chart of the selection metric for the pull-request comment and the job
 * summary, and as plain text for the terminal.
 */
import { formatValue } from './select.js'
import type { SweepResult, SweepTrialResult } from './sweep-schema.js'

function paramsText(trial: SweepTrialResult): string {
  const entries = Object.entries(trial.overrides)
  return entries.length === 0 ? '(train.params)' : entries.map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ')
}

function checksText(checks: SweepTrialResult['gates']): string {
  if (checks.length === 0) return '—'
  const failed = checks.filter((check) => check.status === 'failed')
  const skipped = checks.filter((check) => check.status === 'skipped').length
  if (failed.length > 0) return `failed: ${failed.map((check) => check.name).join(', ')}`
  return `passed ${checks.length - skipped}/${checks.length}${skipped > 0 ? ` (${skipped} skipped)` : ''}`
}

function metricNames(result: SweepResult): string[] {
  const names: string[] = [result.metric]
  for (const trial of result.trials) for (const name of Object.keys(trial.metrics)) if (!names.includes(name)) names.push(name)
  return names
}

/** Markdown escaping for a table cell: pipes and line breaks would break the row. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

function statusText(trial: SweepTrialResult): string {
  if (trial.error) {
    // Training errors hold the command's last output lines, which say why: keep them, on one line.
    const text = trial.error.message.split('\n').map((line) => line.trim()).filter(Boolean).join(' / ')
    return `error (${trial.error.stage}): ${text.length > 400 ? `${text.slice(0, 399)}…` : text}`
  }
  return trial.status
}

/** The leaderboard as Markdown: a heading, the verdict, the table and a Mermaid bar chart. */
export function renderLeaderboardMarkdown(result: SweepResult): string {
  const metrics = metricNames(result)
  const lines = [
    `### Sweep of ${result.model}: ${result.trials.length} trial${result.trials.length === 1 ? '' : 's'}, selected by ${result.metric} (${result.greaterIsBetter ? 'higher' : 'lower'} is better)`,
    '',
    result.selected ? `**Selected ${result.selected}**: ${cell(result.reason)}.` : `**No trial selected**: ${cell(result.reason)}.`,
    '',
    `| trial | candidate | params | ${metrics.join(' | ')} | gates | fairness | status | selected |`,
    `| --- | --- | --- | ${metrics.map(() => '---:').join(' | ')} | --- | --- | --- | :---: |`,
  ]
  for (const trial of result.trials) {
    const selected = trial.id === result.selected ? '✅' : ''
    const values = metrics.map((name) => (trial.error ? '—' : formatValue(trial.metrics[name])))
    lines.push(
      `| ${trial.id} | ${cell(trial.candidate)} | ${cell(paramsText(trial))} | ${values.join(' | ')} | ${cell(checksText(trial.gates))} | ${cell(checksText(trial.fairness))} | ${cell(statusText(trial))} | ${selected} |`,
    )
  }
  if (result.leftOut > 0) lines.push('', `${result.leftOut} more grid combination${result.leftOut === 1 ? ' was' : 's were'} left out by the budget.`)
  const charted = result.trials.filter((trial) => typeof trial.metrics[result.metric] === 'number')
  if (charted.length > 0) {
    // Mermaid's xychart takes plain labels; trial ids are safe ones.
    lines.push(
      '',
      '```mermaid',
      'xychart-beta',
      `    title "${result.metric} by trial"`,
      `    x-axis [${charted.map((trial) => trial.id).join(', ')}]`,
      `    y-axis "${result.metric}"`,
      `    bar [${charted.map((trial) => String(trial.metrics[result.metric])).join(', ')}]`,
      '```',
    )
  }
  const compared = mitigationComparison(result)
  if (compared !== '') lines.push('', compared)
  return `${lines.join('\n')}\n`
}

/**
 * Fairness with and without train.mitigation, side by side, when the sweep trained both: for each
 * side the selected trial if it is on that side, else that side's best evaluated trial by the metric.
 */
export function mitigationComparison(result: SweepResult): string {
  const evaluated = result.trials.filter((trial) => trial.error === null)
  const pick = (mitigated: boolean): SweepTrialResult | undefined => {
    const side = evaluated.filter((trial) => trial.mitigated === mitigated)
    const selected = side.find((trial) => trial.id === result.selected)
    if (selected) return selected
    const value = (trial: SweepTrialResult): number => trial.metrics[result.metric] ?? (result.greaterIsBetter ? -Infinity : Infinity)
    return side.reduce<SweepTrialResult | undefined>((best, trial) => (best === undefined || (result.greaterIsBetter ? value(trial) > value(best) : value(trial) < value(best)) ? trial : best), undefined)
  }
  const withWeights = pick(true)
  const without = pick(false)
  if (withWeights === undefined || without === undefined) return ''
  const names = [...new Set([...withWeights.fairness, ...without.fairness].map((check) => check.name))]
  const valueOf = (trial: SweepTrialResult, name: string): string => {
    const check = trial.fairness.find((item) => item.name === name)
    return check === undefined ? '—' : `${formatValue(check.value)} (${check.status})`
  }
  return [
    '#### Fairness with and without mitigation',
    '',
    `| | with train.mitigation (${withWeights.id}) | without (${without.id}) |`,
    '| --- | ---: | ---: |',
    `| ${result.metric} | ${formatValue(withWeights.metrics[result.metric])} | ${formatValue(without.metrics[result.metric])} |`,
    ...names.map((name) => `| ${cell(name)} | ${valueOf(withWeights, name)} | ${valueOf(without, name)} |`),
  ].join('\n')
}

/** The leaderboard as aligned plain text for the terminal, the winner marked with `*`. */
export function renderLeaderboardText(result: SweepResult): string {
  const metrics = metricNames(result)
  const header = ['', 'trial', 'candidate', 'params', ...metrics, 'gates', 'fairness', 'status']
  const rows = result.trials.map((trial) => [
    trial.id === result.selected ? '*' : '',
    trial.id,
    trial.candidate,
    paramsText(trial),
    ...metrics.map((name) => (trial.error ? '—' : formatValue(trial.metrics[name]))),
    checksText(trial.gates),
    checksText(trial.fairness),
    statusText(trial),
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  const line = (row: string[]): string => row.map((text, column) => (column === row.length - 1 ? text : text.padEnd(widths[column]!))).join('  ').trimEnd()
  const verdict = result.selected ? `selected ${result.selected}: ${result.reason}` : `no trial selected: ${result.reason}`
  return `${[line(header), ...rows.map(line)].join('\n')}\n${verdict}\n`
}
