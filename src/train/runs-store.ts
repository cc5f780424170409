/**
 * Local experiment tracking: every finished run is kept as `<runsDir>/<model>/<run id>/` (run.json
 * plus the outputs), listed newest first and compared side by side as plain text tables.
 */
import { readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from '../errors.js'
import { formatDuration } from '../format-duration.js'
import { copyDirAtomic, createStagingDir, promoteDir } from '../fs/atomic-file.js'
import { METRICS_SOURCE, inspectRunRecord, writeRunRecord, type RunRecord } from './run-record.js'

/** A run kept in the runs folder. */
export interface StoredRun {
  /** Its folder. */
  dir: string
  record: RunRecord
  /** The run's evaluation on data.test, once `modelship evaluate` has judged its model. */
  evaluation?: RunEvaluation
}

/** What the runs list shows of an evaluation kept with a run. */
export interface RunEvaluation {
  passed: boolean
  /** The candidate's metrics on the spec's test data, by name (null: not computable). */
  metrics: Record<string, number | null>
}

/** The evaluation of a kept run, inside its folder (as `modelship evaluate` records it). */
export const RUN_EVALUATION_FILE = 'evaluation.json'

/** How many metrics a line of the run list shows. */
const LISTED_METRICS = 4

/** Keeps a finished run: copies its outputs folder (which holds run.json) to `<runsDir>/<model>/<id>/`; returns that folder. */
export async function storeRun(runsDir: string, record: RunRecord, outputDir: string): Promise<string> {
  const dir = join(runsDir, record.model, record.id)
  await copyDirAtomic(outputDir, dir)
  return dir
}

/** Keeps a failed run: its run.json alone (it left no outputs) in `<runsDir>/<model>/<id>/`; returns that folder. */
export async function storeFailedRun(runsDir: string, record: RunRecord): Promise<string> {
  const dir = join(runsDir, record.model, record.id)
  // Written beside and renamed into place, so a listing never sees a run folder without its run.json.
  const staging = await createStagingDir(dir, 'failed')
  try {
    await writeRunRecord(staging, record)
    await promoteDir(staging, dir)
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error
  }
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
    if (record === undefined) {
      onSkip?.(problem ?? `${dir} holds no run.json`)
      continue
    }
    const evaluation = await readRunEvaluation(dir, onSkip)
    runs.push({ dir, record, ...(evaluation !== undefined ? { evaluation } : {}) })
  }
  return runs.sort(
    (a, b) =>
      b.record.timing.startedAt.localeCompare(a.record.timing.startedAt) || b.record.id.localeCompare(a.record.id),
  )
}

/**
 * Where the evaluation of run `runId` of `model` is kept (`<runsDir>/<model>/<id>/evaluation.json`),
 * when that run is kept in `runsDir` and produced the model.onnx with sha256 `modelSha256`;
 * undefined otherwise (an evaluation is recorded only with the run whose model it judged).
 */
export async function runEvaluationFile(runsDir: string, model: string, runId: string, modelSha256: string): Promise<string | undefined> {
  const dir = join(runsDir, model, runId)
  const { record } = await inspectRunRecord(dir)
  if (record === undefined || record.id !== runId) return undefined
  const trained = record.outputs.find((output) => output.path === 'model.onnx')
  return trained?.sha256 === modelSha256 ? join(dir, RUN_EVALUATION_FILE) : undefined
}

/**
 * The evaluation kept in a run folder; undefined when there is none, or when it cannot be read
 * (`onProblem` hears why: the run is still listed, without test metrics).
 */
async function readRunEvaluation(dir: string, onProblem?: (problem: string) => void): Promise<RunEvaluation | undefined> {
  const file = join(dir, RUN_EVALUATION_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onProblem?.(`${file} cannot be read (${(error as Error).message}); its test metrics are not shown`)
    return undefined
  }
  try {
    const json = JSON.parse(text) as { passed?: unknown; candidate?: { metrics?: unknown } }
    const metrics = json.candidate?.metrics
    if (typeof json.passed !== 'boolean' || metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
      throw new Error('it has no passed and candidate.metrics')
    }
    const numbers = Object.fromEntries(
      Object.entries(metrics).filter((entry): entry is [string, number | null] => typeof entry[1] === 'number' || entry[1] === null),
    )
    return { passed: json.passed, metrics: numbers }
  } catch (error) {
    onProblem?.(`${file} is not an evaluation (${(error as Error).message}); its test metrics are not shown`)
    return undefined
  }
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

/** How a run ended, in one word: `failed`, `cached` (outputs restored from the cache) or `trained`. */
export function runStatus(record: RunRecord): 'failed' | 'cached' | 'trained' {
  if (record.status === 'failed') return 'failed'
  return record.cache.hit ? 'cached' : 'trained'
}

/**
 * Up to {@link LISTED_METRICS} numeric metrics by name, each labelled with the data it came from
 * (`test:` from the evaluation on data.test, `train:` from the training script's metrics.json).
 */
function labelledMetrics(source: string, metrics: Record<string, unknown>): string[] {
  return Object.entries(metrics)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .sort(([a], [b]) => a.localeCompare(b))
    .slice(0, LISTED_METRICS)
    .map(([name, value]) => `${source}:${name}=${formatNumber(value)}`)
}

/**
 * The run list as a table, newest first: run id, when (UTC), commit (7 characters, `+` when the tree
 * had uncommitted changes), duration, status (`trained`, `cached`, `failed`), the evaluation's
 * verdict (`passed`, `failed`, `-` when not evaluated), then up to four metrics of each source,
 * labelled `test:` and `train:`.
 */
export function formatRunList(model: string, runs: readonly StoredRun[]): string {
  if (runs.length === 0) return `No runs of ${model} yet.`
  const rows = [['RUN', 'WHEN', 'COMMIT', 'DURATION', 'STATUS', 'EVALUATION', 'METRICS']]
  for (const { record, evaluation } of runs) {
    const metrics = [
      ...(evaluation !== undefined ? labelledMetrics('test', evaluation.metrics) : []),
      ...labelledMetrics(METRICS_SOURCE, record.metrics),
    ].join(' ')
    rows.push([
      record.id,
      formatWhen(record.timing.startedAt),
      record.commit === null ? '-' : `${record.commit.sha.slice(0, 7)}${record.commit.dirty ? '+' : ''}`,
      formatDuration(record.timing.durationMs),
      runStatus(record),
      evaluation === undefined ? '-' : evaluation.passed ? 'passed' : 'failed',
      metrics || '-',
    ])
  }
  return formatTable(rows)
}

/**
 * Two runs side by side: their status, commits and durations, then each param and metric with B − A
 * for numbers (signed, `+0` when equal) and `changed` for other values that differ. Metrics are
 * labelled with their data: `test metric` from the kept evaluations, `train metric` from metrics.json.
 */
export function formatRunComparison(
  a: RunRecord,
  b: RunRecord,
  evaluations: { a?: RunEvaluation; b?: RunEvaluation } = {},
): string {
  const rows = [['', `A ${a.id}`, `B ${b.id}`, 'B - A']]
  rows.push(['status', runStatus(a), runStatus(b), runStatus(a) === runStatus(b) ? '' : 'changed'])
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
  if (evaluations.a !== undefined || evaluations.b !== undefined) {
    section('test metric', evaluations.a?.metrics ?? {}, evaluations.b?.metrics ?? {})
  }
  section(`${METRICS_SOURCE} metric`, a.metrics, b.metrics)
  return formatTable(rows)
}

function signedDelta(delta: number, format: (value: number) => string): string {
  // Rounding noise (0.1 + 0.2 - 0.3) must not show as a change.
  const rounded = Math.abs(delta) < 1e-12 ? 0 : delta
  return rounded < 0 ? `-${format(-rounded)}` : `+${format(rounded)}`
}
