/**
 * Local experiment tracking: every finished run is kept as `<runsDir>/<model>/<run id>/` (run.json
 * plus the outputs), listed newest first and compared side by side as plain text tables.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from '../errors.js'
import { formatDuration } from '../format-duration.js'
import { copyDirAtomic } from '../fs/atomic-file.js'
import { inspectRunRecord, type RunRecord } from './run-record.js'

/** A run kept in the runs folder. */
export interface StoredRun {
  /** Its folder. */
  dir: string
  record: RunRecord
}

/** How many metrics a line of the run list shows. */
const LISTED_METRICS = 4

/** Keeps a finished run: copies its outputs folder (which holds run.json) to `<runsDir>/<model>/<id>/`; returns that folder. */
export async function storeRun(runsDir: string, record: RunRecord, outputDir: string): Promise<string> {
  const dir = join(runsDir, record.model, record.id)
  await copyDirAtomic(outputDir, dir)
  return dir
}

/**
 * A model's runs, newest first (by start time, then id). A folder without a valid run.json is
 * skipped and `onSkip` hears why (the CLI warns).
 */
export async function listRuns(runsDir: string, model: string, onSkip?: (problem: string) => void): Promise<StoredRun[]> {
  let names: string[]
  try {
    names = (await readdir(join(runsDir, model), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
  } catch {
    return []
  }
  const runs: StoredRun[] = []
  for (const name of names) {
    const dir = join(runsDir, model, name)
    const { record, problem } = await inspectRunRecord(dir)
    if (record !== undefined) runs.push({ dir, record })
    else onSkip?.(problem ?? `${dir} holds no run.json`)
  }
  return runs.sort(
    (a, b) =>
      b.record.timing.startedAt.localeCompare(a.record.timing.startedAt) || b.record.id.localeCompare(a.record.id),
  )
}

/**
 * Finds one run by its id or a unique prefix of it, or `latest`/`previous`. A {@link UsageError}
 * when none or several match.
 */
export async function findRun(runsDir: string, model: string, ref: string, onSkip?: (problem: string) => void): Promise<StoredRun> {
  const runs = await listRuns(runsDir, model, onSkip)
  const listHint = `\`modelship runs ${model}\` lists them`
  if (runs.length === 0) {
    throw new UsageError(`model '${model}' has no runs in ${join(runsDir, model)}; train it first (modelship train ${model})`)
  }
  const byName = ref === 'latest' ? runs[0] : ref === 'previous' ? runs[1] : undefined
  if (byName !== undefined) return byName
  const matches = runs.filter((run) => run.record.id.startsWith(ref))
  if (matches.length === 1 && ref !== '') return matches[0]!
  if (matches.length === 0 || ref === '' || ref === 'previous') {
    throw new UsageError(`model '${model}' has no run '${ref}'; give a run id, a unique prefix of one, latest or previous (${listHint})`)
  }
  throw new UsageError(
    `'${ref}' matches ${matches.length} runs of model '${model}' (${matches.map((run) => run.record.id).join(', ')}); give more of the id`,
  )
}

/** Formats a table: columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n')
}

/** A number with at most 4 significant digits (whole numbers as they are). */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value)
  return String(Number(value.toPrecision(4)))
}

function formatValue(value: unknown): string {
  if (value === undefined) return '-'
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

/** `2026-01-26 18:15:12Z` from an ISO time. */
function formatWhen(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

/**
 * The run list as a table, newest first: run id, when (UTC), commit (7 characters, `+` when the tree
 * had uncommitted changes), duration, cache (`hit` or `trained`), and the first four numeric metrics
 * by name.
 */
export function formatRunList(model: string, runs: readonly StoredRun[]): string {
  if (runs.length === 0) return `No runs of ${model} yet.`
  const rows = [['RUN', 'WHEN', 'COMMIT', 'DURATION', 'CACHE', 'METRICS']]
  for (const { record } of runs) {
    const metrics = Object.entries(record.metrics)
      .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, LISTED_METRICS)
      .map(([name, value]) => `${name}=${formatNumber(value)}`)
      .join(' ')
    rows.push([
      record.id,
      formatWhen(record.timing.startedAt),
      record.commit === null ? '-' : `${record.commit.sha.slice(0, 7)}${record.commit.dirty ? '+' : ''}`,
      formatDuration(record.timing.durationMs),
      record.cache.hit ? 'hit' : 'trained',
      metrics || '-',
    ])
  }
  return formatTable(rows)
}

/**
 * Two runs side by side: their commits and durations, then each param and metric with B − A for
 * numbers (signed, `+0` when equal) and `changed` for other values that differ.
 */
export function formatRunComparison(a: RunRecord, b: RunRecord): string {
  const rows = [['', `A ${a.id}`, `B ${b.id}`, 'B - A']]
  const commit = (record: RunRecord): string =>
    record.commit === null ? '-' : `${record.commit.sha.slice(0, 7)}${record.commit.dirty ? '+' : ''}`
  rows.push(['commit', commit(a), commit(b), commit(a) === commit(b) ? '' : 'changed'])
  rows.push([
    'duration',
    formatDuration(a.timing.durationMs),
    formatDuration(b.timing.durationMs),
    signedDelta(b.timing.durationMs - a.timing.durationMs, formatDuration),
  ])
  const section = (title: string, left: Record<string, unknown>, right: Record<string, unknown>): void => {
    const names = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort()
    for (const name of names) {
      const x = left[name]
      const y = right[name]
      let delta = ''
      if (typeof x === 'number' && typeof y === 'number') delta = signedDelta(y - x, formatNumber)
      else if (JSON.stringify(x) !== JSON.stringify(y)) delta = 'changed'
      rows.push([`${title} ${name}`, formatValue(x), formatValue(y), delta])
    }
  }
  section('param', a.params, b.params)
  section('metric', a.metrics, b.metrics)
  return formatTable(rows)
}

function signedDelta(delta: number, format: (value: number) => string): string {
  // Rounding noise (0.1 + 0.2 - 0.3) must not show as a change.
  const rounded = Math.abs(delta) < 1e-12 ? 0 : delta
  return rounded < 0 ? `-${format(-rounded)}` : `+${format(rounded)}`
}
