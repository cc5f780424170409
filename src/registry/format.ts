/** Plain-text renderings of registry answers for the CLI (fixed-width tables, one item a line). */
import type { ArtifactAnnotation } from './annotations.js'
import type { HistoryEntry, ModelSummary, TagFacts, VersionDetails, VersionRow } from './lookup.js'

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}

/** `modelship registry list`: model, latest version, stages, number of versions. */
export function formatModelList(models: readonly ModelSummary[]): string {
  if (models.length === 0) return 'No model is registered yet.\n'
  return table(
    ['MODEL', 'LATEST', 'VERSIONS', 'STAGES'],
    models.map((m) => [
      m.deprecated ? `${m.model} (deprecated)` : m.model,
      m.latest ?? '-',
      String(m.versions),
      Object.entries(m.stages).map(([stage, version]) => `${stage}=${version}`).join(' ') || '-',
    ]),
  )
}

/** `modelship registry show`: one version's facts and assets, and its `artifacts.yaml` annotation when given. */
export function formatVersionDetails(d: VersionDetails, annotation?: ArtifactAnnotation): string {
  const lines = [
    `${d.tag}${d.deprecated ? ' (model deprecated)' : ''}`,
    `  commit      ${d.commit}`,
    `  stages      ${d.stages.join(', ') || '-'}`,
  ]
  if (d.registered) lines.push(`  registered  ${d.registered.date.toISOString()} by ${d.registered.name} <${d.registered.email}>`)
  const run = d.lineage?.run as { url?: unknown } | undefined
  if (typeof run?.url === 'string') lines.push(`  run         ${run.url}`)
  lines.push(`  release     ${releaseState(d)}`)
  for (const a of d.assets) lines.push(`  asset       ${a.name}  ${a.size} bytes${a.state === 'broken' ? '  (broken upload)' : ''}`)
  if (annotation) {
    // GTO's annotation fields, as `gto describe` shows them.
    if (annotation.type) lines.push(`  type        ${annotation.type}  (${annotation.file})`)
    if (annotation.path) lines.push(`  path        ${annotation.path}`)
    if (annotation.description) lines.push(`  description ${annotation.description}`)
    if (annotation.labels) lines.push(`  labels      ${annotation.labels.join(', ')}`)
  }
  return lines.join('\n') + '\n'
}

function releaseState(d: VersionDetails): string {
  if (d.published) return 'published'
  // Only a Modelship registration writes lineage JSON, and it does so before publishing.
  if (d.lineage?.schema !== 'modelship/lineage@1') {
    return d.assets.length > 0 ? 'a draft (registered outside Modelship)' : 'none: registered outside Modelship (e.g. by gto register), so it has no release or assets'
  }
  // A local clone without the release ref: the registration finished elsewhere, fetching is the fix.
  if (d.releaseHelp) return `not found: ${d.releaseHelp}`
  return `not published (registration unfinished: finish it with modelship registry register ${d.model} --commit ${d.commit.slice(0, 12)})`
}

/** `modelship registry history`: events oldest first. */
export function formatHistory(entries: readonly HistoryEntry[]): string {
  return table(
    ['WHEN', 'EVENT', 'VERSION', 'STAGE', 'BY', 'RUN', 'NOTE'],
    entries.map((e) => [
      e.at ? e.at.toISOString().replace('.000Z', 'Z') : '-',
      e.type,
      e.version ?? '-',
      e.stage ?? '-',
      e.actor ?? e.by?.name ?? '-',
      e.runUrl ?? '-',
      e.note ?? '-',
    ]),
  )
}

/** `modelship registry show <model>`: every version, highest first, as `gto show <model>`. */
export function formatVersionTable(model: string, rows: readonly VersionRow[]): string {
  return table(
    ['VERSION', 'STATE', 'STAGES', 'REGISTERED', 'BY', 'COMMIT'],
    rows.map((r) => [
      `${model}@${r.version}`,
      r.active ? 'active' : 'withdrawn',
      r.stages.join(', ') || '-',
      r.registered ? r.registered.date.toISOString().replace('.000Z', 'Z') : '-',
      r.registered?.name ?? '-',
      r.commit.slice(0, 7),
    ]),
  )
}

/** `modelship registry check-ref <tag>`: one `key value` line each, for a shell to read. */
export function formatTagFacts(facts: TagFacts): string {
  return [`model ${facts.model}`, `event ${facts.event}`, `version ${facts.version ?? '-'}`, `stage ${facts.stage ?? '-'}`, `commit ${facts.commit}`].join('\n') + '\n'
}
