/**
 * Job-summary helpers: GitHub rejects a step summary over 1 MiB, so appends are cut to fit with a
 * note saying so, and Markdown tables escape the characters that would break a cell.
 */

/** GitHub's limit on one step's summary file, in bytes (1 MiB). */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024

/** Appended in place of whatever did not fit under the limit. */
export const SUMMARY_CUT_NOTE =
  "\n\n> [!WARNING]\n> This summary was cut here: GitHub shows at most 1 MiB of a step's summary. The step log has everything.\n"

/**
 * The part of `markdown` that still fits after `usedBytes` bytes are already in the summary file.
 * When it does not all fit, the text is cut at the last line break that fits (or at a character
 * boundary when a single line is too long) and `SUMMARY_CUT_NOTE` is added; `cut` is then true.
 */
export function fitSummary(
  usedBytes: number,
  markdown: string,
  limitBytes: number = SUMMARY_LIMIT_BYTES,
): { text: string; cut: boolean } {
  const bytes = Buffer.from(markdown, 'utf8')
  if (usedBytes + bytes.length <= limitBytes) return { text: markdown, cut: false }
  const note = Buffer.byteLength(SUMMARY_CUT_NOTE, 'utf8')
  const room = limitBytes - usedBytes - note
  if (room <= 0) {
    const bare = SUMMARY_CUT_NOTE.trimStart()
    return { text: limitBytes - usedBytes >= Buffer.byteLength(bare, 'utf8') ? bare : '', cut: true }
  }
  let end = room
  // Step back to a UTF-8 character start (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1
  const head = bytes.subarray(0, end).toString('utf8')
  const lastLine = head.lastIndexOf('\n')
  return { text: (lastLine > 0 ? head.slice(0, lastLine) : head) + SUMMARY_CUT_NOTE, cut: true }
}

/** Escapes text for one Markdown table cell: HTML, pipes, backslashes and line breaks. */
export function escapeCell(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>')
}

/** A GitHub-flavoured Markdown table; cells are escaped. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n') + '\n'
}
