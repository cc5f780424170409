/**
 * Feature attributions as a Mermaid `xychart-beta` bar chart: the API takes no images, but GitHub
 * renders Mermaid in comments and summaries. A table with the same numbers always goes with it
 * (readers without Mermaid, screen readers).
 */
import { formatPlain, mermaidText } from './format.js'

/** Features charted and tabled at most. */
export const TOP_FEATURES = 10

/** The fenced Mermaid block for bars in the order given. */
export function featureChart(bars: ReadonlyArray<{ feature: string; value: number }>, measure: string): string {
  const names = bars.map((bar) => `"${mermaidText(bar.feature)}"`).join(', ')
  const values = bars.map((bar) => formatPlain(bar.value)).join(', ')
  const top = Math.max(...bars.map((bar) => bar.value), 0)
  // Permutation importance can be negative (shuffling helped by chance): let the axis show it.
  const bottom = Math.min(...bars.map((bar) => bar.value), 0)
  return [
    '```mermaid',
    'xychart-beta',
    `    title "Top features by ${mermaidText(measure)}"`,
    `    x-axis [${names}]`,
    `    y-axis "${mermaidText(measure)}" ${formatPlain(bottom * 1.1)} --> ${formatPlain(top > 0 ? top * 1.1 : 1)}`,
    `    bar [${values}]`,
    '```',
  ].join('\n')
}
