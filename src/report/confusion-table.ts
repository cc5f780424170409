/**
 * The confusion matrix of a classifier as a Markdown table, champion beside candidate in each cell
 * (a table renders everywhere GitHub shows Markdown, unlike a heat map). Rows are the true classes,
 * columns the predicted ones, as in evaluation.json; counts may be weighted, so they go through formatNumber.
 */
import type { EvaluationResult } from '../evaluate/evaluation-schema.js'
import { formatNumber, table } from './format.js'

/** '### Confusion matrix' with its table, or '' for a regressor or when no matrix was computed. */
export function confusionSection(evaluation: EvaluationResult): string {
  const candidate = evaluation.candidate.confusionMatrix
  if (!candidate || candidate.classes.length === 0) return ''
  const champion = evaluation.champion?.confusionMatrix ?? null
  // Champion counts are shown only when both matrices are over the same classes in the same order.
  const sameClasses = champion !== null && champion.classes.length === candidate.classes.length && champion.classes.every((name, i) => name === candidate.classes[i])
  const positive = evaluation.positiveClass?.label
  const label = (name: string) => (name === positive ? `${name} (positive)` : name)
  const cell = (row: number, column: number) => {
    const mine = formatNumber(candidate.counts[row]?.[column] ?? null)
    return sameClasses ? `${mine} (champion ${formatNumber(champion.counts[row]?.[column] ?? null)})` : mine
  }
  const header = ['true ↓ / predicted →', ...candidate.classes.map(label)]
  const rows = candidate.classes.map((name, i) => [label(name), ...candidate.classes.map((_, j) => cell(i, j))])
  const note = sameClasses
    ? "Candidate counts, the champion's in brackets."
    : champion
      ? "Candidate counts; the champion's matrix is over other classes, so it is not shown beside it."
      : 'Candidate counts.'
  const weighted = evaluation.data.sampleWeight ? ' Counts are sums of sample weights.' : ''
  return `### Confusion matrix\n\n${note}${weighted}\n\n${table(header, rows, ['left', ...candidate.classes.map(() => 'right' as const)])}`
}
