/**
 * Runs a sweep: every trial of `train.sweep` is a training run with its params as `--param`
 * overrides (so each is cached under its own key: an unchanged trial is restored, not retrained),
 * in its own folders under `.modelship/sweeps/<model>/<trial>/`, at most `parallelism` at once. Each
 * trained trial is evaluated by the evaluate step on the same test data and its evaluation kept with
 * its run; the best passing trial ({@link selectTrial}) becomes the model's outputs, with sweep.json
 * beside its run.json, so `registry register` registers it and records the sweep in its lineage.
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { evaluateModel, writeEvaluation, type EvaluationResult } from '../evaluate/index.js'
import { DataError, ModelshipError, UsageError } from '../errors.js'
import { METRICS_BY_TASK } from '../metrics/catalog.js'
import type { ModelSpec } from '../spec/index.js'
import { MODELSHIP_DIR, defaultTrainDirs, runEvaluationFile, train, trainOptionsFromSpec, type TrainLogger, type TrainOptions } from '../train/index.js'
import { runPool } from './pool.js'
import { selectTrial } from './select.js'
import { SWEEP_FILE, SWEEP_SCHEMA_VERSION, type SweepResult, type SweepTrialResult } from './sweep-schema.js'
import { expandTrials, type SweepTrial } from './trials.js'

/** What a sweep needs. */
export interface RunSweepOptions {
  /** Repository root. */
  repoRoot: string
  /** The spec file, repository-relative. */
  specFile: string
  /** The model's valid spec; it must have train.sweep. */
  spec: ModelSpec
  /** Trials at once; default train.sweep.parallelism. */
  parallelism?: number
  /** false trains every trial even when the cache holds it. */
  cache?: boolean
  /** The champion's model.onnx (or folder), for gates on changes; none: thresholds only. */
  championPath?: string
  championVersion?: string
  /** A logger per trial (its lines are the trial's); default none. */
  trainLog?: (trial: SweepTrial) => TrainLogger
  /** Progress lines of the sweep itself. */
  log?: (line: string) => void
  /** Overrides for each trial's TrainOptions (tests: env, kill grace). */
  trainOverrides?: Partial<Pick<TrainOptions, 'env' | 'killGraceMs' | 'retryDelayMs' | 'handleProcessSignals' | 'signal' | 'trainCache'>>
  now?: () => Date
}

/** The sweep's folder, relative to the repository root: `.modelship/sweeps/<model>`. */
export function sweepDir(model: string): string {
  return `${MODELSHIP_DIR}/sweeps/${model.replace(':', '/')}`
}

const silentLogger: TrainLogger = { info() {}, warning() {}, output() {}, group: async (_name, fn) => fn() }

/** Runs the sweep and writes sweep.json; resolves to the result (a failed trial is in it, not thrown). */
export async function runSweep(options: RunSweepOptions): Promise<SweepResult> {
  const { spec, specFile } = options
  const sweep = spec.train.sweep
  if (sweep === undefined) {
    throw new UsageError(`${specFile} has no train.sweep; add one (params to search or candidates, and a metric), e.g. sweep: { params: { C: [0.1, 1, 10] }, metric: roc_auc }`)
  }
  const parallelism = options.parallelism ?? sweep.parallelism
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new UsageError(`--parallelism must be a whole number of at least 1, got ${parallelism}`)
  const { trials, leftOut } = expandTrials(spec, sweep)
  const log = options.log ?? (() => {})
  log(`Sweep of ${spec.name}: ${trials.length} trial${trials.length === 1 ? '' : 's'} (${sweep.strategy}${sweep.strategy === 'random' ? `, seed ${sweep.seed}` : ''}), ${parallelism} at once${leftOut > 0 ? `; the budget leaves ${leftOut} grid combinations out` : ''}`)

  const results = await runPool(trials, parallelism, (trial) => runSweepTrial(options, trial))
  return finishSweep(options, results, { parallelism, leftOut })
}

/** The trial's record beside its outputs, what a matrix job uploads and `sweep select` reads back. */
export const TRIAL_FILE = 'trial.json'

/**
 * Trains and evaluates one trial in `.modelship/sweeps/<model>/<trial>/` and writes its trial.json
 * (the result and the test data it was evaluated on); a failure is in the result, not thrown.
 */
export async function runSweepTrial(options: RunSweepOptions, trial: SweepTrial): Promise<SweepTrialResult & { testData: SweepResult['testData'] }> {
  const result = await trainAndEvaluate(options, trial)
  const file = join(resolve(options.repoRoot), sweepDir(options.spec.name), trial.id, TRIAL_FILE)
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`)
  return result
}

async function trainAndEvaluate(options: RunSweepOptions, trial: SweepTrial): Promise<SweepTrialResult & { testData: SweepResult['testData'] }> {
  const { spec, specFile } = options
  const root = resolve(options.repoRoot)
  const log = options.log ?? (() => {})
  const dirs = defaultTrainDirs(spec.name)
  const folder = sweepDir(spec.name)
  const metric = spec.train.sweep?.metric
  const trialDir = `${folder}/${trial.id}`
  // Without the sweep section: changing the budget or adding a candidate leaves the other trials' cache keys as they were.
  const { sweep: _sweep, mitigation, ...trainSection } = spec.train
  const trialSpec: ModelSpec = {
    ...spec,
    train: { ...trainSection, command: [...trial.command], ...(trial.mitigated && mitigation !== undefined ? { mitigation } : {}) },
  }
  const base = unfinishedTrial(trial)
  log(`${trial.id} ${trial.candidate} ${describeOverrides(trial)}: training`)
  let outputDir: string
  try {
    const trainOptions = await trainOptionsFromSpec(root, specFile, trialSpec, {
      paramOverrides: trial.overrides,
      log: options.trainLog?.(trial) ?? silentLogger,
      ...(options.cache === false ? { cache: false } : {}),
      outputDir: `${trialDir}/outputs`,
      checkpointDir: `${trialDir}/checkpoints`,
      ...options.trainOverrides,
    })
    const trained = await train(trainOptions)
    outputDir = trained.outputDir
    base.runId = trained.record.id
    base.cacheHit = trained.record.cache.hit
  } catch (error) {
    log(`${trial.id}: training failed: ${firstLine(error)}`)
    return { ...base, error: { stage: 'train' as const, message: messageOf(error) }, testData: null }
  }
  let evaluation: EvaluationResult
  try {
    evaluation = await evaluateModel({
      repoRoot: root,
      spec,
      candidatePath: outputDir,
      ...(options.championPath !== undefined ? { championPath: options.championPath } : {}),
      ...(options.championVersion !== undefined ? { championVersion: options.championVersion } : {}),
      // Attributions are for the report of the model that wins, not for ranking trials.
      explain: false,
      pathsRelativeTo: root,
      ...(options.now ? { now: options.now } : {}),
    })
  } catch (error) {
    log(`${trial.id}: evaluation failed: ${firstLine(error)}`)
    return { ...base, error: { stage: 'evaluate' as const, message: messageOf(error) }, testData: null }
  }
  const testData = { path: evaluation.data.test.path, sha256: evaluation.data.test.sha256 }
  // Kept with the trial's run, as modelship evaluate does, so `modelship runs` and register see it.
  const kept = base.runId === null ? undefined : await runEvaluationFile(join(root, dirs.runsDir), spec.name, base.runId, evaluation.candidate.sha256)
  if (kept !== undefined) await writeEvaluation(kept, evaluation)
  await writeEvaluation(join(root, trialDir, 'evaluation.json'), evaluation)
  const result = fromEvaluation(base, evaluation)
  log(`${trial.id}: ${result.status}, ${metric} ${String(result.metrics[metric ?? ''] ?? 'undefined')}${result.cacheHit ? ' (restored from the cache)' : ''}`)
  return { ...result, testData }
}

/**
 * Selects the winner among `trials` (each with the test data it was evaluated on), writes sweep.json,
 * and makes the winner's outputs (`.modelship/sweeps/<model>/<trial>/outputs`) the model's outputs.
 * Trials evaluated on different test data cannot be ranked together: a DataError says which.
 */
export async function finishSweep(
  options: Pick<RunSweepOptions, 'repoRoot' | 'spec' | 'specFile' | 'log' | 'now'>,
  trialResults: readonly (SweepTrialResult & { testData?: SweepResult['testData'] })[],
  facts: {
    parallelism: number
    leftOut: number
    /** Where the trial folders are; default the sweep's folder. */
    trialsDir?: string
    /** Copy sweep.json into the winner's kept run (false where runs were trained elsewhere). */
    keepInRun?: boolean
  },
): Promise<SweepResult> {
  const { spec, specFile } = options
  const root = resolve(options.repoRoot)
  const sweep = spec.train.sweep
  if (sweep === undefined) throw new UsageError(`${specFile} has no train.sweep; add one, e.g. sweep: { params: { C: [0.1, 1, 10] }, metric: roc_auc }`)
  const log = options.log ?? (() => {})
  const dirs = defaultTrainDirs(spec.name)
  const folder = sweepDir(spec.name)
  const catalogue = METRICS_BY_TASK[spec.task] as Record<string, { greaterIsBetter: boolean } | undefined>
  const greaterIsBetter = catalogue[sweep.metric]?.greaterIsBetter ?? true
  let testData: SweepResult['testData'] = null
  const results: SweepTrialResult[] = []
  for (const { testData: own, ...trial } of trialResults) {
    if (own) {
      if (testData !== null && testData.sha256 !== own.sha256) {
        throw new DataError(
          `${trial.id} was evaluated on ${own.path} (sha256 ${own.sha256.slice(0, 12)}) but an earlier trial on ${testData.path} (sha256 ${testData.sha256.slice(0, 12)}): trials are ranked only on the same test data; run every trial from the same commit`,
        )
      }
      testData ??= own
    }
    results.push(trial)
  }

  const selection = selectTrial(results, sweep.metric, greaterIsBetter)
  const result: SweepResult = {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    model: spec.name,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    strategy: sweep.strategy,
    seed: sweep.seed,
    metric: sweep.metric,
    greaterIsBetter,
    parallelism: facts.parallelism,
    testData,
    trials: results,
    leftOut: facts.leftOut,
    selected: selection.selected,
    reason: selection.reason,
  }
  const text = `${JSON.stringify(result, null, 2)}\n`
  await mkdir(join(root, folder), { recursive: true })
  await writeFile(join(root, folder, SWEEP_FILE), text)
  if (selection.selected !== null) {
    const winner = join(facts.trialsDir ?? join(root, folder), selection.selected, 'outputs')
    await writeFile(join(winner, SWEEP_FILE), text)
    // The model's outputs are replaced as a whole, as a training replaces them.
    const outputs = join(root, dirs.outputDir)
    await rm(outputs, { recursive: true, force: true })
    await cp(winner, outputs, { recursive: true })
    const runId = results.find((trial) => trial.id === selection.selected)?.runId
    // Best effort: the outputs already carry sweep.json for register; the kept run gets a copy for `modelship runs`.
    if (runId && facts.keepInRun !== false) {
      await writeFile(join(root, dirs.runsDir, spec.name, runId, SWEEP_FILE), text).catch((error: Error) =>
        log(`warning: could not write ${SWEEP_FILE} into run ${runId}'s folder (${error.message}); the outputs hold it`),
      )
    }
    log(`Selected ${selection.selected}: its outputs are now ${dirs.outputDir} (what registry register picks up)`)
  }
  return result
}

function fromEvaluation(base: SweepTrialResult, evaluation: EvaluationResult): SweepTrialResult {
  const metrics: Record<string, number | null> = {}
  for (const row of evaluation.metrics) metrics[row.name] = row.candidate
  return {
    ...base,
    status: evaluation.passed ? 'passed' : 'failed',
    metrics,
    gates: evaluation.gates.map((gate) => ({ name: `${gate.metric} ${gate.check}`, status: gate.status, value: gate.candidate, reason: gate.reason })),
    fairness: (evaluation.fairness?.gates ?? []).map((gate) => ({
      name: `${gate.metric}[${gate.feature}]`,
      status: gate.status,
      value: gate.value,
      reason: gate.reason,
    })),
  }
}

function describeOverrides(trial: SweepTrial): string {
  const entries = Object.entries(trial.overrides)
  return entries.length === 0 ? '(train.params)' : entries.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(' ')
}

function messageOf(error: unknown): string {
  // A bug (not one of our named failures) keeps its class name, so the leaderboard says what broke.
  if (error instanceof ModelshipError) return error.message
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

function firstLine(error: unknown): string {
  return messageOf(error).split('\n')[0]!
}

/** A trial's result before anything ran: its identity, status 'error', no metrics; callers fill in what happened. */
export function unfinishedTrial(trial: SweepTrial): SweepTrialResult {
  return {
    id: trial.id,
    candidate: trial.candidate,
    command: [...trial.command],
    overrides: trial.overrides,
    params: trial.params,
    mitigated: trial.mitigated,
    status: 'error',
    runId: null,
    cacheHit: false,
    metrics: {},
    gates: [],
    fairness: [],
    error: null,
  }
}
