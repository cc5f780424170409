/** Number, duration and Markdown formatting shared by the report's sections. */
import { escapeCell } from '../action/summary.js'

/** Shown for a value that is undefined or not computed. */
export const MISSING = '—'

/**
 * A number as a person reads it: 4 significant digits, at most 4 decimals, whole digits never dropped,
 * thousands separators (0.8267, 0.765, 45,227, 1,234,568); a nonzero value under 0.0001 keeps 2 significant
 * digits (0.000012) rather than read as 0. '—' for null.
 */
export function formatNumber(value: number | null | undefined): string {
  const plain = formatPlain(value)
  if (plain === MISSING || !Number.isFinite(value)) return plain
  const [whole = '', fraction] = plain.split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return fraction === undefined ? grouped : `${grouped}.${fraction}`
}

/** formatNumber without separators, for Mermaid charts, whose number lists are split at commas. */
export function formatPlain(value: number | null | undefined): string {
  if (value === null || value === undefined) return MISSING
  if (!Number.isFinite(value)) return String(value)
  const magnitude = Math.abs(value)
  if (magnitude !== 0 && magnitude < 0.0001) return plainDecimal(Number(value.toPrecision(2)))
  const wholeDigits = magnitude < 1 ? 0 : Math.floor(Math.log10(magnitude)) + 1
  const decimals = Math.min(4, Math.max(0, 4 - wholeDigits))
  return plainDecimal(Number(value.toFixed(decimals)))
}

/** A number's decimal digits without the exponent String() uses under 1e-6 (1.2e-7 → 0.00000012). */
function plainDecimal(value: number): string {
  const text = String(value)
  if (!/e/i.test(text)) return text
  return value.toFixed(20).replace(/\.?0+$/, '')
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
