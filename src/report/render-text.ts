/** The plain-text view of an evaluation, for a terminal (`modelship evaluate --format text`). */
import type { EvaluationResult } from '../evaluate/evaluation-schema.js'
import { formatNumber, formatSigned, MISSING } from './format.js'

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd())
}

/** Verdict, metrics table, fairness metrics and the failed checks, as aligned text lines. */
export function renderEvaluationText(evaluation: EvaluationResult): string {
  const { checks, failed, passed, skipped } = evaluation.summary
  const counts = evaluation.passed
    ? `${passed} of ${checks} checks passed${skipped > 0 ? `, ${skipped} skipped` : ''}`
    : `${failed} of ${checks} checks failed`
  const lines = [
    `${evaluation.model}: ${evaluation.verdict} (${counts})`,
    `candidate ${evaluation.candidate.path}, ${evaluation.champion ? `champion ${evaluation.champion.version ?? evaluation.champion.path}` : 'no champion'}, on ${evaluation.data.test.path} (${evaluation.data.test.rows} rows)`,
    ...(evaluation.positiveClass
      ? [`positive class ${evaluation.positiveClass.label} (${evaluation.positiveClass.rule === 'pos-label' ? 'evaluate.pos-label' : "the second of the model's classes"})`]
      : []),
    ...(evaluation.data.sampleWeight ? [`weighted by column ${evaluation.data.sampleWeight} (data.sample-weight)`] : []),
    '',
    ...pad([
      ['metric', 'champion', 'candidate', 'delta'],
      ...evaluation.metrics.map((row) => {
        const better = row.delta === null ? '' : row.delta === 0 ? '' : (row.greaterIsBetter ? row.delta > 0 : row.delta < 0) ? ' better' : ' worse'
        return [row.name, formatNumber(row.champion), formatNumber(row.candidate), row.delta === null ? MISSING : `${formatSigned(row.delta)}${better}`]
      }),
    ]),
  ]
  for (const feature of evaluation.fairness?.features ?? []) {
    lines.push('', `fairness by ${feature.feature} (${feature.groups.length} groups):`)
    for (const [metric, value] of Object.entries(feature.metrics)) lines.push(`  ${metric} ${formatNumber(value)}`)
  }
  const failedChecks = [
    ...evaluation.gates.filter((gate) => gate.status === 'failed').map((gate) => `${gate.check} on ${gate.metric}: ${gate.reason}`),
    ...(evaluation.fairness?.gates ?? []).filter((gate) => gate.status === 'failed').map((gate) => `fairness: ${gate.reason}`),
  ]
  if (failedChecks.length > 0) lines.push('', 'failed checks:', ...failedChecks.map((line) => `  - ${line}`))
  const top = evaluation.explanations?.global.slice(0, 5)
  if (top && top.length > 0) lines.push('', `top features (${evaluation.explanations!.method}): ${top.map((entry) => `${entry.feature} ${formatNumber(entry.importance[0] ?? null)}`).join(', ')}`)
  return `${lines.join('\n')}\n`
}
