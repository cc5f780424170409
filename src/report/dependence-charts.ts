/**
 * Dependence charts: for each of the top features, its mean Shapley value per bin of its own values
 * (src/explain/dependence.ts), as a Mermaid `xychart-beta` bar chart with a table of the same numbers
 * under it (the fallback wherever Mermaid does not render). For several outputs the chart shows the
 * first and the table all of them.
 */
import type { Explanations } from '../evaluate/evaluation-schema.js'
import { formatNumber, formatPlain, formatSigned, mermaidText, table } from './format.js'

type Dependence = NonNullable<Explanations['dependence']>[number]
type Bin = Dependence['bins'][number]

function binLabel(bin: Bin): string {
  if (bin.category !== undefined) return bin.category
  if (bin.otherCategories !== undefined) return `other (${bin.otherCategories} categories)`
  if (bin.low === null || bin.high === null) return 'missing'
  return bin.low === bin.high ? formatNumber(bin.low) : `${formatNumber(bin.low)} to ${formatNumber(bin.high)}`
}

function dependenceChart(entry: Dependence, output: string): string {
  const values = entry.bins.map((bin) => bin.meanAttribution[0] ?? 0)
  const top = Math.max(...values, 0)
  const bottom = Math.min(...values, 0)
  const span = top - bottom || 1
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${mermaidText(entry.feature)}: mean SHAP value by its value"`,
    `    x-axis [${entry.bins.map((bin) => `"${mermaidText(binLabel(bin))}"`).join(', ')}]`,
    `    y-axis "mean SHAP value (${mermaidText(output)})" ${formatPlain(bottom - span * 0.1)} --> ${formatPlain(top + span * 0.1)}`,
    `    bar [${values.map((value) => formatPlain(value)).join(', ')}]`,
    '```',
  ].join('\n')
}

/** The dependence charts of an explanation, in a collapsed block; '' when there are none. */
export function dependenceSection(explanations: Explanations): string {
  const entries = explanations.dependence ?? []
  if (entries.length === 0) return ''
  const outputs = explanations.outputs
  const parts = entries.map((entry) => {
    const header = [entry.feature, 'rows', ...outputs.map((output) => (outputs.length > 1 ? `mean SHAP value: ${output}` : 'mean SHAP value'))]
    const rows = entry.bins.map((bin) => [binLabel(bin), formatNumber(bin.rows), ...outputs.map((_, k) => formatSigned(bin.meanAttribution[k] ?? null))])
    return `${dependenceChart(entry, outputs[0] ?? '')}\n\n${table(header, rows, ['left', 'right', ...outputs.map(() => 'right' as const)])}`
  })
  const names = entries.map((entry) => entry.feature).join(', ')
  return `<details><summary>How the top ${entries.length} features move the prediction (${names})</summary>\n\n${parts.join('\n\n')}\n\n</details>`
}
