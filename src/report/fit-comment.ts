/**
 * GitHub refuses a comment body over 65,536 characters. A longer report is cut at a line break,
 * any open code fence or <details> block is closed so the rest still renders, and a note points to
 * the job summary, which holds the whole report (a summary may hold 1 MiB).
 */

/** GitHub's limit on an issue or pull-request comment body, in characters. */
export const COMMENT_LIMIT = 65_536

/** The note that replaces what was cut; `summaryUrl` links the workflow run when known. */
export function cutNote(summaryUrl?: string): string {
  const where = summaryUrl ? `the [job summary](${summaryUrl})` : 'the job summary of the workflow run'
  return `\n> [!WARNING]\n> This report was cut at GitHub's limit of 65,536 characters for a comment. The full report is in ${where}.\n`
}

/** `markdown` when it fits in `limit` characters (UTF-16 units, never fewer than GitHub counts), else cut with a note. */
export function fitComment(markdown: string, options: { summaryUrl?: string; limit?: number } = {}): { text: string; cut: boolean } {
  const limit = options.limit ?? COMMENT_LIMIT
  if (markdown.length <= limit) return { text: markdown, cut: false }
  const note = cutNote(options.summaryUrl)
  // Room for the note and for closing a fence and a <details> block.
  const closers = '```\n</details>\n'
  let head = markdown.slice(0, Math.max(0, limit - note.length - closers.length))
  const lastBreak = head.lastIndexOf('\n')
  if (lastBreak > 0) head = head.slice(0, lastBreak + 1)
  // Do not leave half a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1)
  let tail = ''
  const fences = head.split('\n').filter((line) => line.startsWith('```')).length
  if (fences % 2 === 1) tail += '```\n'
  const opened = head.match(/<details>/g)?.length ?? 0
  const closed = head.match(/<\/details>/g)?.length ?? 0
  if (opened > closed) tail += '</details>\n'
  return { text: head + tail + note, cut: true }
}
