/** Number, duration and Markdown formatting shared by the report's sections. */
import { escapeCell } from '../action/summary.js'

/** Shown for a value that is undefined or not computed. */
export const MISSING = '—'

/** Up to 4 decimals, trailing zeros dropped (0.84, 0.1235, 46710.9635); '—' for null. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return MISSING
  if (!Number.isFinite(value)) return String(value)
  return String(Number(value.toFixed(4)))
}

/** Like formatNumber with a sign: +0.0123, -0.0084, 0. */
export function formatSigned(value: number | null): string {
  const text = formatNumber(value)
  return value !== null && value > 0 && text !== '0' ? `+${text}` : text
}

/** A share as a percentage with one decimal: 0.175 → 17.5%. */
export function formatPercent(value: number | null): string {
  return value === null ? MISSING : `${Number((value * 100).toFixed(1))}%`
}

/** A GitHub-flavoured Markdown table; every cell is escaped (pipes, line breaks, HTML). */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: ReadonlyArray<'left' | 'right'>): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`
  const rule = `| ${header.map((_, i) => (align?.[i] === 'right' ? '---:' : '---')).join(' | ')} |`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

/** Text for a Mermaid double-quoted string: no quotes, backticks or line breaks that would end it or the fence. */
export function mermaidText(value: string): string {
  return value.replace(/["`]/g, "'").replace(/[\r\n]+/g, ' ').replace(/[\[\]]/g, (c) => (c === '[' ? '(' : ')'))
}
