/**
 * Pictures of how the models score, champion beside candidate: ROC and precision-recall curves of a
 * binary classifier as Mermaid `xychart-beta` line charts, and a regressor's residuals as a bar chart
 * (candidate bars, champion line), each with a table of the same numbers under it.
 *
 * Which Mermaid GitHub renders: GitHub's docs ("Creating diagrams", github/docs
 * content/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams.md) name no
 * version; they say to render an `info` block to see it. Users who did report v11.1.0 (September 2024,
 * mjbvz/vscode-markdown-mermaid#279) and v11.3.0 (October 2024, docsible/docsible#30), and GitHub's own
 * parse errors quoted for `xychart-beta` blocks (element-plus-x/x-markdown#70) show the type is known
 * there. `xychart-beta` arrived in Mermaid 10.6.0, frontmatter `config` in 10.5, so both hold on v11.
 * What xychart lacks: a legend (mermaid-js/mermaid#5292), and x values per point (a line's values are
 * spread evenly over the x-axis, hence the fixed grid in src/evaluate/curves.ts). So the series
 * colours are set in the frontmatter and named in the text, and every chart has a table beside it:
 * the table is the fallback wherever Mermaid does not render (mail, screen readers, another host).
 */
import type { EvaluationResult } from '../evaluate/evaluation-schema.js'
import { formatNumber, formatPlain, mermaidText, table } from './format.js'

/** Series colours: GitHub's accent blue for the candidate, its muted grey for the champion. */
export const CANDIDATE_COLOUR = '#0969da'
export const CHAMPION_COLOUR = '#8c959f'

/** Grid fractions listed in the curve tables (the chart has every grid point). */
const TABLE_POINTS = [0.05, 0.1, 0.2, 0.5] as const
const PR_TABLE_POINTS = [0.25, 0.5, 0.75, 0.9] as const

interface LineSeries {
  values: readonly number[]
}

/** A fenced `xychart-beta` block: numeric x-axis 0 → 1, one line per series, coloured in order. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: readonly LineSeries[], colours: readonly string[]): string {
  return [
    '```mermaid',
    ...paletteFrontmatter(colours),
    'xychart-beta',
    `    title "${mermaidText(title)}"`,
    `    x-axis "${mermaidText(xLabel)}" 0 --> 1`,
    `    y-axis "${mermaidText(yLabel)}" 0 --> 1`,
    ...series.map((line) => `    line [${line.values.map((value) => formatPlain(value)).join(', ')}]`),
    '```',
  ].join('\n')
}

function paletteFrontmatter(colours: readonly string[]): string[] {
  return ['---', 'config:', '  themeVariables:', '    xyChart:', `      plotColorPalette: "${colours.join(', ')}"`, '---']
}

/** The value at grid fraction `x` of a curve of `points` points, or null. */
function atGrid(values: readonly number[] | null | undefined, x: number): number | null {
  if (!values || values.length < 2) return null
  const index = Math.round(x * (values.length - 1))
  return values[index] ?? null
}

/** '### ROC and precision-recall curves' for a binary classifier, or '' when none was computed. */
export function curvesSection(evaluation: EvaluationResult): string {
  const curves = evaluation.curves
  if (!curves || !curves.candidate) return ''
  const champion = evaluation.champion ? curves.champion : null
  const positive = evaluation.positiveClass ? ` (positive class \`${evaluation.positiveClass.label.replace(/`/g, "'")}\`)` : ''
  const who = champion ? `Blue: candidate; grey: champion ${evaluation.champion!.version ?? evaluation.champion!.path}.` : 'Candidate only: no champion to compare with.'
  const missingChampion = evaluation.champion && !champion ? " The champion's curves could not be drawn (its probabilities are not usable as scores)." : ''
  const step = formatNumber(1 / (curves.points - 1))
  const parts = [
    `### ROC and precision-recall curves\n\n${who}${missingChampion} Curves over the test rows${positive}, at every ${step} of the x-axis; precision is the best at that recall or higher. Mermaid's charts have no legend, so the colours are named here and the numbers are in the tables.`,
  ]
  const series = (pick: 'roc' | 'pr') => [curves.candidate![pick], ...(champion ? [champion[pick]] : [])]
  const colours = champion ? [CANDIDATE_COLOUR, CHAMPION_COLOUR] : [CANDIDATE_COLOUR]
  for (const [pick, title, xLabel, yLabel, points, xName, yName] of [
    ['roc', 'ROC curve', 'false positive rate', 'true positive rate', TABLE_POINTS, 'false positive rate', 'true positive rate'],
    ['pr', 'Precision-recall curve', 'recall', 'precision', PR_TABLE_POINTS, 'recall', 'precision'],
  ] as const) {
    const lines = series(pick)
    if (lines.some((line) => line === null)) {
      parts.push(`${title}: not defined on this test data (it holds only one class).`)
      continue
    }
    parts.push(lineChart(title, xLabel, yLabel, lines.map((values) => ({ values: values! })), colours))
    const rows = points.map((x) => [
      `${yName} at ${xName} ${formatNumber(x)}`,
      ...(champion ? [formatNumber(atGrid(champion[pick], x))] : []),
      formatNumber(atGrid(curves.candidate![pick], x)),
    ])
    parts.push(table(['', ...(champion ? ['champion'] : []), 'candidate'], rows, ['left', 'right', 'right']))
  }
  return parts.join('\n\n')
}

const QUANTILE_NAMES = ['min', '5%', '25%', 'median', '75%', '95%', 'max'] as const

/** '### Residuals' for a regressor: a quantile table and a histogram, or '' when none was computed. */
export function residualsSection(evaluation: EvaluationResult): string {
  const residuals = evaluation.residuals
  if (evaluation.task !== 'regression') return ''
  if (!residuals) {
    return evaluation.residuals === null ? '### Residuals\n\nNot summarised: a residual was not finite (an infinite target or prediction).' : ''
  }
  const champion = evaluation.champion ? residuals.champion : null
  const rows = [
    ['mean', ...(champion ? [formatNumber(champion.mean)] : []), formatNumber(residuals.candidate.mean)],
    ...QUANTILE_NAMES.map((name, i) => [name, ...(champion ? [formatNumber(champion.quantiles[i] ?? null)] : []), formatNumber(residuals.candidate.quantiles[i] ?? null)]),
  ]
  const header = ['residual (true − predicted)', ...(champion ? ['champion'] : []), 'candidate']
  const weighted = evaluation.data.sampleWeight ? ' Rows are counted unweighted here, unlike the metrics.' : ''
  const lead = `### Residuals\n\nTrue minus predicted value on each test row: above 0 the model predicted too low.${weighted}`
  const edges = residuals.edges
  const bins = residuals.candidate.counts.length
  const labels = Array.from({ length: bins }, (_, i) =>
    i === 0 ? `under ${formatPlain(edges[1])}` : i === bins - 1 ? `${formatPlain(edges[i])} and up` : `${formatPlain(edges[i])} to ${formatPlain(edges[i + 1])}`,
  )
  const top = Math.max(1, ...residuals.candidate.counts, ...(champion?.counts ?? []))
  const chart = [
    '```mermaid',
    ...paletteFrontmatter(champion ? [CANDIDATE_COLOUR, CHAMPION_COLOUR] : [CANDIDATE_COLOUR]),
    'xychart-beta',
    '    title "Residuals (rows per bin)"',
    `    x-axis [${labels.map((label) => `"${mermaidText(label)}"`).join(', ')}]`,
    `    y-axis "rows" 0 --> ${Math.ceil(top * 1.1)}`,
    `    bar [${residuals.candidate.counts.join(', ')}]`,
    ...(champion ? [`    line [${champion.counts.join(', ')}]`] : []),
    '```',
  ].join('\n')
  const key = champion ? 'Bars: candidate; line: champion.' : 'Bars: candidate.'
  const histogram = table(
    ['bin', ...(champion ? ['champion rows'] : []), 'candidate rows'],
    labels.map((label, i) => [label, ...(champion ? [formatNumber(champion.counts[i] ?? null)] : []), formatNumber(residuals.candidate.counts[i] ?? null)]),
    ['left', 'right', 'right'],
  )
  const summary = table(header, rows, ['left', 'right', 'right'])
  return [
    lead,
    summary,
    `${key} Equal-width bins between the 1st and 99th percentile of both models' residuals; the first and last bins also hold the rows beyond them.`,
    chart,
    `<details><summary>Rows per bin</summary>\n\n${histogram}\n\n</details>`,
  ].join('\n\n')
}
