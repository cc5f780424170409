/** The Markdown summary of a batch run (a shard or a merge): counts, inputs, outputs, failures. */
import { markdownTable } from '../action/summary.js'
import type { BatchManifest } from './manifest.js'

const count = (n: number): string => n.toLocaleString('en-US')

/** Rows [start, end) as a person reads them: `7`, `7-12` (both included), or `whole file` for none. */
export function rowsText(start: number, end: number): string {
  if (end <= start) return 'whole file'
  return end - start === 1 ? String(start) : `${start}-${end - 1}`
}

/** Markdown for the job summary and `summary.md`; failures listed up to `maxFailures`. */
export function renderBatchSummary(manifest: BatchManifest, title: string, maxFailures = 20): string {
  const { counts } = manifest
  const lines = [
    `### ${title}: ${manifest.status === 'completed' ? 'completed' : '**failed**'}`,
    '',
    `Model ${manifest.model.name} ${manifest.model.version} (\`${manifest.model.source}\`, sha256 \`${manifest.model.sha256.slice(0, 12)}\`), error threshold ${manifest.errorThreshold} failed rows.`,
    '',
    markdownTable(
      ['rows', 'scored', 'failed', 'mini-batches', 'retries'],
      [[count(counts.rows), count(counts.scored), count(counts.failed), count(counts.batches), count(counts.retries)]],
    ),
    '',
    markdownTable(
      ['input', 'format', 'rows', 'rows scored here', 'sha256'],
      manifest.inputs.map((input) => [
        input.path,
        input.format,
        input.rows === null ? `unreadable: ${input.error ?? ''}` : count(input.rows),
        input.ranges.map((r) => rowsText(r.start, r.end)).join(', ') || 'none',
        `\`${input.sha256.slice(0, 12)}\``,
      ]),
    ),
  ]
  if (manifest.outputs.length > 0) {
    lines.push('', markdownTable(['output', 'format', 'rows', 'sha256'], manifest.outputs.map((o) => [o.path, o.format, count(o.rows), `\`${o.sha256.slice(0, 12)}\``])))
  }
  if (manifest.failures.length > 0) {
    const shown = manifest.failures.slice(0, maxFailures)
    lines.push('', markdownTable(['file', 'rows', 'reason'], shown.map((f) => [f.file, rowsText(f.start, f.end), f.reason])))
    const more = manifest.failures.length - shown.length + manifest.failuresOmitted
    if (more > 0) lines.push('', `and ${count(more)} more failures (see manifest.json)`)
  }
  return lines.join('\n') + '\n'
}
