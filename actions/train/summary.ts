/**
 * The train action's job summary: a verdict heading, a table of the run's facts (duration, attempts,
 * cache, environment, commit, outputs), one row per GPU with its utilization and memory, and the
 * metrics the training wrote, the spec's evaluate.metrics first.
 */
import { relative, sep } from 'node:path'
import { markdownTable } from '../../src/action/summary.js'
import type { RunRecord } from '../../src/train/index.js'
import { formatDuration } from '../../src/format-duration.js'
import { formatNumber } from '../../src/train/runs-store.js'

/** Most metrics listed; a script that writes hundreds of numbers should not flood the summary. */
const MAX_METRICS = 20

/** Where the run's files are, for the summary. */
export interface TrainSummaryPlaces {
  /** The workspace the paths are shown relative to. */
  workspace: string
  outputDir: string
  /** Metric names to list first (the spec's evaluate.metrics). */
  keyMetrics: readonly string[]
}

/** The summary of a finished run. */
export function renderTrainSummary(record: RunRecord, places: TrainSummaryPlaces): string {
  const duration = formatDuration(record.timing.durationMs)
  const heading = record.cache.hit
    ? `## Modelship train: ✅ ${record.model} restored from the cache in ${duration}\n\n`
    : `## Modelship train: ✅ ${record.model} trained in ${duration}\n\n`
  const shown = relative(places.workspace, places.outputDir).split(sep).join('/') || '.'
  const facts: string[][] = [
    ['Run', record.id],
    ['Duration', describeDuration(record)],
    ['Attempts', describeAttempts(record)],
    ['Cache', describeCache(record)],
    ['Environment', describeEnvironment(record)],
    ['GPUs', record.gpu === null ? 'none asked for' : `${record.gpu.count} (CUDA_VISIBLE_DEVICES=${record.gpu.visibleDevices ?? 'unset'})`],
    ['Commit', record.commit === null ? 'not a git repository' : `${record.commit.sha.slice(0, 7)}${record.commit.dirty ? ' (uncommitted changes)' : ''}`],
    ['Outputs', `${shown} (${record.outputs.map((file) => file.path).join(', ')}, run.json)`],
  ]
  const parts = [heading, markdownTable(['Fact', 'Value'], facts)]
  const devices = record.gpu?.devices ?? []
  if (devices.length > 0) {
    parts.push(
      `\n### GPUs (sampled every ${formatDuration(record.gpu!.sampleIntervalMs)})\n\n` +
        markdownTable(
          ['GPU', 'Name', 'Driver', 'Utilization peak', 'Utilization mean', 'Memory peak', 'Memory mean', 'Memory total', 'Samples'],
          devices.map((device) => [
            String(device.index),
            device.name,
            device.driverVersion,
            percent(device.utilizationPercent?.peak),
            percent(device.utilizationPercent?.mean),
            mebibytes(device.memoryUsedMiB?.peak),
            mebibytes(device.memoryUsedMiB?.mean),
            mebibytes(device.memoryTotalMiB ?? undefined),
            String(device.samples),
          ]),
        ),
    )
  }
  const metrics = orderedMetrics(record.metrics, places.keyMetrics)
  parts.push(
    metrics.length === 0
      ? '\nThe training wrote no metrics.json.\n'
      : `\n### Training metrics from metrics.json\n\nThe training script's own numbers on the data it chose (by convention its training data); actions/evaluate measures the test data.\n\n${markdownTable(['Metric', 'Value'], metrics.slice(0, MAX_METRICS))}` +
          (metrics.length > MAX_METRICS ? `\n${metrics.length - MAX_METRICS} more in ${shown}/metrics.json.\n` : ''),
  )
  return parts.join('')
}

/** The summary of a run that failed: the heading and the message, as the step's error says it. */
export function renderTrainFailure(model: string, message: string): string {
  return `## Modelship train: ❌ ${model} failed\n\n\`\`\`text\n${message.replace(/```/g, "'''")}\n\`\`\`\n`
}

function describeAttempts(record: RunRecord): string {
  if (record.attempts.length === 0) return '0 (outputs restored from the cache)'
  return record.attempts
    .map((attempt) => {
      const how =
        attempt.outcome === 'succeeded'
          ? 'succeeded'
          : attempt.outcome === 'exited'
            ? `exited with code ${attempt.exitCode}`
            : attempt.outcome === 'signalled'
              ? `killed by ${attempt.signal}`
              : attempt.outcome
      return `${attempt.attempt}: ${how} after ${formatDuration(attempt.durationMs)}`
    })
    .join('; ')
}

/** The whole duration, with the environment set-up and the training apart when both were measured. */
function describeDuration(record: RunRecord): string {
  const { durationMs, setupMs, trainingMs } = record.timing
  const whole = formatDuration(durationMs)
  if (setupMs === undefined || trainingMs === undefined) return whole
  return `${whole} (environment ${formatDuration(setupMs)}, training ${formatDuration(trainingMs)})`
}

function describeCache(record: RunRecord): string {
  const { cache } = record
  if (!cache.enabled) return 'off'
  if (!cache.hit) return `miss; saved under ${cache.key}`
  const from = cache.restoredFrom
  return `hit: ${cache.key}${from ? ` (trained by run ${from.id}${from.commit ? ` at ${from.commit.slice(0, 7)}` : ''})` : ''}`
}

function describeEnvironment(record: RunRecord): string {
  const { environment } = record
  if (environment.python) {
    const built = environment.python.installer === undefined ? '' : `, built with ${environment.python.installer}`
    return `python ${environment.python.version} (${environment.platform}${built})`
  }
  if (environment.node) return `node ${environment.node.version} (${environment.platform})`
  return `the runner's PATH (${environment.platform})`
}

function orderedMetrics(metrics: Record<string, unknown>, first: readonly string[]): string[][] {
  const names = Object.keys(metrics)
  const ordered = [...first.filter((name) => names.includes(name)), ...names.filter((name) => !first.includes(name)).sort()]
  return ordered.map((name) => {
    const value = metrics[name]
    return [name, typeof value === 'number' ? formatNumber(value) : JSON.stringify(value)]
  })
}

function percent(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${formatNumber(value)}%`
}

function mebibytes(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${formatNumber(value)} MiB`
}
