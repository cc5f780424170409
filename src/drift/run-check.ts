/**
 * One drift check end to end, as `modelship drift` and actions/drift run it: resolve the reference
 * (a data file, a reference-profile.json, or a registry reference whose profile is downloaded and
 * verified), read the current data (a dataset or the prediction logs over a window), take methods
 * and thresholds from the spec's `monitor.drift` when there is a spec, and check.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { extname, join, relative, resolve } from 'node:path'
import { readTable } from '../data/read-table.js'
import { DataError, UsageError } from '../errors.js'
import { readReferenceProfile } from '../registry/reference-profile.js'
import type { RegistryBackend } from '../registry/backend.js'
import { parseDurationMs } from '../spec/duration.js'
import type { ModelSpec } from '../spec/model-schema.js'
import { checkDrift, type DriftCheckOptions, type DriftCurrent, type DriftReference } from './check-drift.js'
import type { DriftMethodName } from './choose-method.js'
import type { DriftReport } from './drift-report.js'
import { joinLabels } from './labels.js'
import { readCurrentDataset, readPredictionLogs, logWindow, type LoggedPredictions } from './read-current.js'
import { referenceFromProfile, referenceFromTable } from './reference.js'

/** Options of runDriftCheck. */
export interface RunDriftOptions {
  model: string
  /** A data file, a reference-profile.json, or a registry reference (`churn#production`, `churn@v1.2.0`). */
  reference: string
  /** A data file or glob, or a prediction-log folder; default the spec's monitor.current dataset. */
  current?: string
  /** Prediction-log window, e.g. '7d'; default the spec's, else 7d. */
  window?: string
  /** Labels (CSV, Arrow, Parquet) with `request_id` and the spec's target, joined to the logs. */
  labels?: string
  /** The model's spec, when there is one (features, monitor.drift, target, fairness). */
  spec?: ModelSpec
  /** Where relative paths start. */
  cwd: string
  /** For registry references. */
  registry?: () => RegistryBackend
  /** The check's time (ms since the epoch); default now. */
  now?: number
  /** Overrides of the spec: one method for every feature, its threshold, the dataset share. */
  method?: DriftMethodName | 'auto'
  threshold?: number
  driftShare?: number
}

/** Runs the check and returns drift.json's content. */
export async function runDriftCheck(options: RunDriftOptions): Promise<DriftReport> {
  const started = performance.now()
  const now = options.now ?? Date.now()
  const reference = await loadReference(options)
  const monitor = options.spec?.monitor
  const features = options.spec ? options.spec.data.features.filter((f) => reference.features.has(f)) : [...reference.features.keys()]
  if (options.spec) {
    const missing = options.spec.data.features.filter((f) => !reference.features.has(f))
    if (missing.length > 0) throw new DataError(`drift: the reference (${reference.location}) has no column for feature${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} of ${options.model}'s spec. Fix: pass the training data or the version's reference-profile.json as --reference.`)
  }
  const wanted = new Map<string, 'numeric' | 'categorical'>()
  for (const name of features) wanted.set(name, reference.features.get(name)!.kind)
  for (const [name, column] of reference.outputs ?? []) wanted.set(name, column.kind)

  const currentLocation = options.current ?? (monitor?.current.source === 'dataset' ? monitor.current.path : undefined)
  if (currentLocation === undefined) throw new UsageError(`missing --current: give a data file, a glob or a prediction-log folder${options.spec ? ` (the spec's monitor.current names no dataset)` : ''}`)
  const currentPath = resolve(options.cwd, currentLocation)
  const isLogFolder = await stat(currentPath).then((s) => s.isDirectory(), () => false)
  let predictions: LoggedPredictions | null = null
  let current: DriftCurrent
  if (isLogFolder) {
    const duration = options.window ?? (monitor?.current.source === 'endpoint-logs' ? monitor.current.window : '7d')
    // Outputs beyond those the reference knows are kept with the request ids when labels need them.
    const logs = await readPredictionLogs(currentPath, options.model, wanted, {
      window: logWindow(duration, now, parseDurationMs),
      cwd: options.cwd,
      keepPredictions: options.labels !== undefined,
    })
    current = logs.current
    predictions = logs.predictions
  } else {
    if (options.window !== undefined) throw new UsageError(`--window applies to prediction logs; ${currentLocation} is a dataset, read whole`)
    if (options.labels !== undefined) throw new UsageError('--labels joins labels to prediction logs by request id; --current must be a prediction-log folder')
    current = await readCurrentDataset(currentLocation, wanted, { cwd: options.cwd })
  }
  const readMs = performance.now() - started
  const drift = monitor?.drift
  const checkOptions: DriftCheckOptions = {
    model: options.model,
    features,
    method: options.method ?? drift?.method ?? 'auto',
    methodSource: options.method !== undefined || options.threshold !== undefined ? 'option' : 'spec',
    ...(options.threshold ?? drift?.threshold) !== undefined ? { threshold: (options.threshold ?? drift?.threshold)! } : {},
    perFeature: drift?.features ?? {},
    driftShare: options.driftShare ?? drift?.driftShare ?? 0.5,
    checkedAt: new Date(now).toISOString(),
    timing: { readMs },
  }
  const report = checkDrift(reference, current, checkOptions)
  if (options.labels !== undefined && predictions) {
    if (!options.spec) throw new UsageError('--labels needs the model\'s spec (its task, target and fairness); run it inside the repository, or pass --path')
    report.performance = await joinLabels({ labelsFile: options.labels, cwd: options.cwd, spec: options.spec, predictions })
  }
  report.timing.totalMs = performance.now() - started
  return report
}

async function loadReference(options: RunDriftOptions): Promise<DriftReference> {
  const location = options.reference
  const path = resolve(options.cwd, location)
  const kind = await stat(path).then(
    (s) => (s.isDirectory() ? 'directory' : 'file'),
    (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? 'missing' : error),
  )
  if (kind === 'directory') throw new UsageError(`--reference ${location} is a folder; give a data file, a reference-profile.json or a registry reference such as ${options.model}#production`)
  if (kind instanceof Error) throw new DataError(`--reference ${location}: could not read it (${(kind as NodeJS.ErrnoException).code ?? kind.message})`)
  if (kind === 'file') {
    if (extname(path).toLowerCase() === '.json') return referenceFromProfile(await readReferenceProfile(location === path ? path : relative(options.cwd, path) || path), { source: 'profile', location })
    const table = await readTable(path, { displayName: location })
    return referenceFromTable(table, { source: 'data', location })
  }
  // Not a file: a registry reference, or a path that is not there.
  if (!/[#@]/.test(location)) throw new DataError(`--reference ${location}: no such file. Fix: give a data file, a reference-profile.json, or a registry reference such as ${options.model}#production or ${options.model}@v1.0.0`)
  if (!options.registry) throw new UsageError(`--reference ${location} is a registry reference, but no registry is available here`)
  const [{ download }, { ModelRef }] = await Promise.all([import('../registry/download.js'), import('../registry/tags.js')])
  const ref = ModelRef.parse(location)
  const dir = await mkdtemp(join(tmpdir(), 'modelship-drift-'))
  try {
    const result = await download({ backend: options.registry(), ref, assets: ['reference-profile.json'], dir })
    const file = result.files.find((f) => f.name === 'reference-profile.json')!
    return referenceFromProfile(await readReferenceProfile(file.path).catch((error: unknown) => {
      if (error instanceof DataError) throw new DataError(error.message.replace(file.path, `${result.tag}'s reference-profile.json`))
      throw error
    }), { source: 'registry', location, version: result.tag })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
