/**
 * Trains one model: resolve the environment, restore from the cache or run the command (with GPU
 * preflight and sampling, timeout and retries; every process it starts is gone when it ends), hash
 * the outputs and check them, write run.json, verify the hashes, move the outputs into place, save
 * the cache and keep the run. A run that fails after the environment is resolved is kept too, marked
 * failed. Depends on no spec types: the caller maps the spec onto {@link TrainOptions}.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { DataError, TrainError } from '../errors.js'
import { createStagingDir, promoteDir, writeFileAtomic } from '../fs/atomic-file.js'
import { isDirectory, isFile } from '../fs/file-kind.js'
import { sha256File } from '../fs/sha256.js'
import { LocalTrainCache, computeCacheKey, type TrainCache } from './cache.js'
import {
  planEnvironment,
  prependPath,
  type EnvironmentFacts,
  type TrainEnvironmentOptions,
} from './environments.js'
import { GpuSampler, preflightGpus, type GpuSelection, type GpuUsage } from './gpu.js'
import type { TrainLogger } from './logger.js'
import { describeFailure, describeOutcome, runWithRetries } from './retry.js'
import { expandCommand, formatArgv, runCommand, type CommandResult } from './run-command.js'
import {
  compareOutputs,
  describeOutputs,
  newRunId,
  readCommit,
  readMetrics,
  readRunRecord,
  workflowRunUrl,
  writeRunRecord,
  type AttemptRecord,
  type GpuRecord,
  type RunRecord,
} from './run-record.js'
import { handOver, resolveTrainUser, takeBack, TRAIN_USER_VARIABLE, userHome, userVariables } from './run-as.js'
import { storeFailedRun, storeRun } from './runs-store.js'
import { reweighingFromFile, SAMPLE_WEIGHTS_ENV, writeSampleWeights } from './mitigation.js'
import { formatDuration } from '../format-duration.js'

/** The model file every training command must write into its outputs folder. */
export const MODEL_FILE = 'model.onnx'

/** Marker in the checkpoint folder naming the cache key its checkpoints belong to. */
const CHECKPOINT_KEY_FILE = '.modelship-key'

/**
 * Everything a training run needs. Paths may be absolute or relative to `repoRoot`.
 * Spec mapping: train.command → command, train.working-directory → workingDirectory,
 * train.environment → environment, train.compute.{accelerator,gpus,timeout-minutes,retries},
 * train.params → params, train.cache → cache, data.{train,test} → dataFiles.
 */
export interface TrainOptions {
  /** Model name (spec `name`). */
  model: string
  /** Root of the repository: relative paths start here and its git HEAD is recorded. */
  repoRoot: string
  /** Program and arguments, never a shell string; `${outputs}`, `${checkpoints}`, `${data.train}`, `${data.test}`, `${params.NAME}` are expanded. */
  command: string[]
  /** Folder the command runs in, and whose files count as code for the cache key. */
  workingDirectory: string
  environment: TrainEnvironmentOptions
  accelerator: 'none' | 'nvidia-gpu'
  /** GPUs to give the command when accelerator is nvidia-gpu (default 1). */
  gpus?: number
  /** Per-attempt limit in minutes (fractions allowed); 0 or undefined: no limit. */
  timeoutMinutes?: number
  /** Extra attempts after a retryable failure (default 0). */
  retries?: number
  /** Passed to the command as JSON in MODELSHIP_PARAMS (overrides already applied). */
  params: Record<string, unknown>
  /**
   * Bias mitigation (spec `train.mitigation`): reweighing weights computed from the training data and
   * written to a file whose path the command gets as MODELSHIP_SAMPLE_WEIGHTS (src/train/mitigation.ts).
   */
  mitigation?: { method: 'reweighing'; sensitiveFeatures: readonly string[]; target: string; sampleWeight?: string }
  /** The params set on the command line, recorded in run.json as `paramOverrides`. */
  paramOverrides?: Record<string, unknown>
  /** Restore the outputs from the cache when the key matches, and save them after training. */
  cache: boolean
  /** The spec's train section (plus anything else that shapes training), hashed into the cache key. */
  trainSection: unknown
  /** sha256 of the spec file, recorded in run.json. */
  specHash?: string
  dataFiles: { train: string; test: string }
  /** Where the outputs land (replaced as a whole on success), e.g. `.modelship/outputs/<model>`. */
  outputDir: string
  /** Kept between attempts for resuming; emptied when the cache key changes and after success. */
  checkpointDir: string
  /** Folder for virtualenvs (`envs/`) and the local cache (`cache/`), e.g. `.modelship`. */
  stateDir: string
  /** Runs folder for experiment tracking, e.g. `.modelship/runs`; undefined: runs are not kept. */
  runsDir?: string
  log: TrainLogger
  /** Cache to use; default a {@link LocalTrainCache} in `<stateDir>/cache`. */
  trainCache?: TrainCache
  /** Checks the outputs after the command succeeded (e.g. model.onnx loads and fits the spec); throw to fail the run. */
  checkOutputs?: (outputDir: string) => Promise<void>
  /** GPU sampling interval in ms (default 10,000). */
  gpuSampleIntervalMs?: number
  /** Time between SIGTERM and SIGKILL when stopping the command, ms (default 10,000). */
  killGraceMs?: number
  /** Wait before a retry, ms (default 5,000). */
  retryDelayMs?: number
  /** Base environment of the command (default process.env). */
  env?: NodeJS.ProcessEnv
  /** Aborting it cancels the run (the command is stopped; not retried). */
  signal?: AbortSignal
  /** Cancel the run when this process gets SIGINT, SIGTERM or SIGHUP (default true). */
  handleProcessSignals?: boolean
  /**
   * Run the training command as this user (needs root; see run-as.ts); default `MODELSHIP_TRAIN_USER`
   * of the base environment, and when that is unset or empty the runner's own user.
   */
  trainUser?: string
}

/** What a finished training produced. */
export interface TrainResult {
  record: RunRecord
  /** Absolute folder holding model.onnx, metrics.json (if written) and run.json. */
  outputDir: string
  /** The folder the run was kept in, when `runsDir` was given. */
  runDir?: string
}

/**
 * Variables whose values must not reach code from a pull request: action inputs, runner tokens, the
 * workflow token a job may have put in its env for other steps (GITHUB_TOKEN, GH_TOKEN), and the
 * runner's command files, through which a step sets environment variables, PATH entries, outputs
 * and the summary for the steps after it. Training code has no use for them; withholding their paths
 * keeps a training script from quietly changing later steps (a defence in depth: the runner's temp
 * folder is not hidden from the script).
 */
const WITHHELD_VARIABLE =
  /^(INPUT_.*|GITHUB_TOKEN|GH_TOKEN|ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_TOKEN|ACTIONS_ID_TOKEN_REQUEST_URL|ACTIONS_CACHE_URL|ACTIONS_RESULTS_URL|ACTIONS_RUNTIME_URL|GITHUB_ENV|GITHUB_PATH|GITHUB_OUTPUT|GITHUB_STATE|GITHUB_STEP_SUMMARY)$/

/** The environment a training command gets: the base minus withheld variables, plus `extra`. */
export function commandEnvironment(base: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(base)) if (!WITHHELD_VARIABLE.test(name)) env[name] = value
  return { ...env, ...extra }
}

/** Trains (or restores from the cache) one model; throws a {@link TrainError} that says what failed and the fix. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const log = options.log
  const startedAt = new Date()
  const runId = newRunId(startedAt)
  const baseEnv = options.env ?? process.env
  const at = (path: string): string => resolve(options.repoRoot, path)
  const workingDirectory = at(options.workingDirectory)
  const outputDir = at(options.outputDir)
  const checkpointDir = at(options.checkpointDir)
  const stateDir = at(options.stateDir)
  const retries = options.retries ?? 0
  const gpus = options.gpus ?? 1
  const killGraceMs = options.killGraceMs ?? 10_000
  const timeoutMinutes = options.timeoutMinutes ?? 0

  if (options.command.length === 0 || options.command[0] === '') {
    throw new TrainError('train.command is empty; give the program and its arguments as a list, e.g. [python, train.py]')
  }
  if (!(await isDirectory(workingDirectory))) {
    throw new TrainError(
      `train.working-directory: '${options.workingDirectory}' is not a folder (looked at ${workingDirectory}); ` +
        'give a folder relative to the repository root',
    )
  }
  if (!Number.isInteger(retries) || retries < 0) {
    throw new TrainError(`train.compute.retries is ${retries}; expected a whole number of 0 or more`)
  }
  if (options.accelerator === 'nvidia-gpu' && (!Number.isInteger(gpus) || gpus < 1)) {
    throw new TrainError(`train.compute.gpus is ${gpus}; expected a whole number of 1 or more with accelerator nvidia-gpu`)
  }

  const data = {
    train: await describeDataFile('train', options.dataFiles.train, options.repoRoot),
    test: await describeDataFile('test', options.dataFiles.test, options.repoRoot),
  }

  // Placeholders are checked now, before minutes go into environments; each attempt expands them again.
  expandCommand(options.command, {
    outputs: outputDir,
    checkpoints: checkpointDir,
    trainData: data.train.absolute,
    testData: data.test.absolute,
    params: options.params,
  })

  const trainUserName = (options.trainUser ?? baseEnv[TRAIN_USER_VARIABLE])?.trim() || undefined
  const trainUser = trainUserName === undefined ? undefined : await resolveTrainUser(trainUserName, options.trainUser !== undefined ? '--run-as' : TRAIN_USER_VARIABLE)
  if (trainUser !== undefined) log.info(`The training command runs as ${trainUser.name} (uid ${trainUser.uid}, gid ${trainUser.gid}), not as this runner's user`)

  const plan = await log.group('Resolve the training environment', () =>
    // pip and npm run the pull request's code too (setup.py, lifecycle scripts): same withholding.
    // Installing runs as this runner's user, so with a train user no package may be built from
    // source (which runs its build code): wheels only, for pip and uv alike.
    planEnvironment(options.environment, {
      workingDirectory,
      stateDir,
      env: commandEnvironment(baseEnv, trainUser === undefined ? {} : { PIP_ONLY_BINARY: ':all:', UV_NO_BUILD: '1' }),
    }),
  )
  const cacheKey = await computeCacheKey({
    model: options.model,
    trainSection: options.trainSection,
    workingDirectory,
    exclude: [outputDir, checkpointDir, stateDir],
    dataSha256: { train: data.train.sha256, test: data.test.sha256 },
    environmentKey: plan.facts.key,
  })
  const commit = await readCommit(options.repoRoot)
  const common = {
    schemaVersion: 1 as const,
    id: runId,
    model: options.model,
    params: options.params,
    commit,
    data: { train: data.train.fact, test: data.test.fact },
    specHash: options.specHash ?? null,
    workflowRunUrl: workflowRunUrl(baseEnv),
    ...(options.paramOverrides !== undefined && Object.keys(options.paramOverrides).length > 0
      ? { paramOverrides: options.paramOverrides }
      : {}),
  }
  const attempts: { result: CommandResult; argv: string[] }[] = []
  let environment: EnvironmentFacts = plan.facts
  let setupMs: number | undefined
  let gpuFacts: GpuRecord | null = null
  try {
    return await trainOrRestore()
  } catch (error) {
    // A failed run is kept too (marked), so `modelship runs` shows what was tried and why it failed.
    if (options.runsDir !== undefined) {
      const record: RunRecord = {
        ...common,
        command: attempts[attempts.length - 1]?.argv ?? options.command,
        status: 'failed',
        failure: error instanceof Error ? error.message : String(error),
        metrics: {},
        environment,
        gpu: gpuFacts,
        timing: timing(startedAt, new Date(), { setupMs, attempts: attempts.map(({ result }) => result) }),
        attempts: attempts.map(({ result }, i) => attemptRecord(i + 1, result)),
        cache: { enabled: options.cache, hit: false, key: cacheKey },
        outputs: [],
      }
      try {
        const dir = await storeFailedRun(resolve(options.repoRoot, options.runsDir), record)
        log.info(`Kept the failed run ${record.id} in ${relative(resolve(options.repoRoot), dir) || dir}`)
      } catch (storeError) {
        log.warning(`Could not keep the failed run in ${options.runsDir}: ${(storeError as Error).message}`)
      }
    }
    throw error
  }

  // Everything after the plan, so that any failure from here on is kept as a failed run (above).
  async function trainOrRestore(): Promise<TrainResult> {
    const trainCache = options.trainCache ?? new LocalTrainCache(join(stateDir, 'cache'), (message) => log.warning(message))
    if (options.cache) {
      const restored = await log.group(`Look for ${options.model} in the ${trainCache.description}`, () =>
        restoreFromCache(trainCache, cacheKey, outputDir, log),
      )
      if (restored !== undefined) {
        try {
          return await finishFromCache(restored, cacheKey, { ...common, environment: plan.facts }, startedAt, options)
        } catch (error) {
          await rm(restored, { recursive: true, force: true })
          throw error
        }
      }
    }

    const gpuSelection =
      options.accelerator === 'nvidia-gpu'
        ? await log.group('Check GPUs', () => preflightGpus(gpus, baseEnv, log))
        : undefined
    const setupStarted = Date.now()
    const prepared = await log.group('Prepare the training environment', () => plan.prepare(log))
    setupMs = Date.now() - setupStarted
    environment = prepared.facts
    log.info(`Environment ready in ${formatDuration(setupMs)}`)
    await prepareCheckpoints(checkpointDir, cacheKey)
    const sampleWeights = options.mitigation ? await log.group('Reweigh the training data', () => writeReweighing(options, data.train.absolute, stateDir, log)) : undefined
    let home: string | undefined
    if (trainUser !== undefined) {
      await handOver(checkpointDir, trainUser)
      home = await userHome(trainUser)
    }

    const path = prependPath(prepared.pathPrefix, baseEnv.PATH)
    const controller = new AbortController()
    const stopSignals = listenForCancel(controller, options)
    const sampleIntervalMs = options.gpuSampleIntervalMs ?? 10_000
    const sampler =
      gpuSelection === undefined ? undefined : new GpuSampler(gpuSelection.chosen, baseEnv, log, sampleIntervalMs)
    let staging: string | undefined
    let gpuUsage: GpuUsage[] | undefined
    try {
      sampler?.start()
      // One log group per attempt, so a retried run folds into one section per try and the retry
      // warning between them stays visible.
      const attemptGroup = (attempt: number): string =>
        retries === 0 ? `Train ${options.model}` : `Train ${options.model}: attempt ${attempt} of ${retries + 1}`
      await runWithRetries({
        retries,
        delayMs: options.retryDelayMs,
        log,
        attempt: (attempt) =>
          log.group(attemptGroup(attempt), async () => {
            if (staging !== undefined) await rm(staging, { recursive: true, force: true })
            staging = await createStagingDir(outputDir, 'attempt')
            if (trainUser !== undefined) await handOver(staging, trainUser)
            const argv = expandCommand(options.command, {
              outputs: staging,
              checkpoints: checkpointDir,
              trainData: data.train.absolute,
              testData: data.test.absolute,
              params: options.params,
            })
            const env = commandEnvironment(baseEnv, {
              ...prepared.variables,
              ...(gpuSelection?.variables ?? {}),
              PATH: path,
              MODELSHIP_MODEL: options.model,
              MODELSHIP_OUTPUT_DIR: staging,
              MODELSHIP_CHECKPOINT_DIR: checkpointDir,
              MODELSHIP_PARAMS: JSON.stringify(options.params),
              MODELSHIP_TRAIN_DATA: data.train.absolute,
              MODELSHIP_TEST_DATA: data.test.absolute,
              MODELSHIP_ATTEMPT: String(attempt),
              ...(sampleWeights !== undefined ? { [SAMPLE_WEIGHTS_ENV]: sampleWeights } : {}),
              ...(trainUser !== undefined && home !== undefined ? userVariables(trainUser, home) : {}),
            })
            log.info(`Attempt ${attempt} of ${retries + 1}: ${formatArgv(argv)}`)
            const result = await runCommand({
              argv,
              cwd: workingDirectory,
              env,
              timeoutMs: timeoutMinutes > 0 ? timeoutMinutes * 60_000 : undefined,
              killGraceMs,
              signal: controller.signal,
              log,
              ...(trainUser !== undefined ? { user: trainUser } : {}),
            })
            attempts.push({ result, argv })
            if (result.outcome !== 'succeeded') log.info(`Attempt ${attempt} ${describeOutcome(result)}`)
            return result
          }),
      })
      gpuUsage = await sampler?.stop()
      gpuFacts = gpuRecord(gpuSelection, gpuUsage, sampleIntervalMs)
      // Every process of the command is gone (runCommand): the user's folders become this runner's
      // again before anything in them is checked or hashed.
      if (trainUser !== undefined) {
        if (staging !== undefined) await takeBack(staging)
        await takeBack(checkpointDir)
      }

      const last = attempts[attempts.length - 1]!
      if (last.result.outcome !== 'succeeded') {
        throw new TrainError(
          describeFailure(last.result, {
            argv: last.argv,
            attempt: attempts.length,
            attempts: retries + 1,
            workingDirectory: options.workingDirectory,
            path,
            environment: options.environment.kind,
            timeoutMinutes,
            killGraceMs,
          }),
        )
      }
      const outputs = staging!
      if (!(await isFile(join(outputs, MODEL_FILE)))) {
        throw new TrainError(
          `train.command succeeded but wrote no ${MODEL_FILE} into its outputs folder; write the ONNX model to ` +
            `$MODELSHIP_OUTPUT_DIR/${MODEL_FILE} (or \${outputs}/${MODEL_FILE} in train.command)`,
        )
      }
      const metrics = await readMetrics(outputs)
      // Hashed before the check, and every process of the command is gone by now (runCommand kills
      // them all): the sha256s in run.json are those of the files checked, and register verifies them.
      const hashed = await describeOutputs(outputs)
      if (options.checkOutputs !== undefined) {
        await log.group('Check the outputs', () => options.checkOutputs!(outputs))
      }
      const endedAt = new Date()
      const record: RunRecord = {
        ...common,
        command: last.argv,
        status: 'succeeded',
        metrics,
        environment: prepared.facts satisfies EnvironmentFacts,
        gpu: gpuFacts,
        timing: timing(startedAt, endedAt, { setupMs, attempts: attempts.map(({ result }) => result) }),
        attempts: attempts.map(({ result }, i) => attemptRecord(i + 1, result)),
        cache: { enabled: options.cache, hit: false, key: cacheKey },
        outputs: hashed,
      }
      const result = await finish(record, outputs, outputDir, options, log, trainCache)
      staging = undefined
      await rm(checkpointDir, { recursive: true, force: true })
      return result
    } finally {
      stopSignals()
      if (sampler !== undefined && gpuUsage === undefined) await sampler.stop()
      if (staging !== undefined) await rm(staging, { recursive: true, force: true })
      if (trainUser !== undefined) {
        // A failed run keeps its checkpoints for the next one to resume from: this runner's again.
        await takeBack(checkpointDir)
        if (home !== undefined) await rm(home, { recursive: true, force: true })
      }
    }
  }
}

/** Builds the record of a cache hit, checks the restored outputs again and moves them into place. */
async function finishFromCache(
  restored: string,
  key: string,
  common: Omit<RunRecord, 'command' | 'metrics' | 'gpu' | 'timing' | 'attempts' | 'cache' | 'outputs'>,
  startedAt: Date,
  options: TrainOptions,
): Promise<TrainResult> {
  const previous = await readRunRecord(restored)
  const restoredFrom =
    previous === undefined
      ? undefined
      : { id: previous.id, commit: previous.commit?.sha ?? null, startedAt: previous.timing.startedAt }
  const hashed = await describeOutputs(restored)
  // The spec may have changed in ways the key does not cover (say the data section): check again.
  if (options.checkOutputs !== undefined) {
    await options.log.group('Check the outputs', () => options.checkOutputs!(restored))
  }
  const record: RunRecord = {
    ...common,
    command: previous?.command ?? options.command,
    status: 'succeeded',
    metrics: await readMetrics(restored),
    gpu: null,
    timing: timing(startedAt, new Date()),
    attempts: [],
    cache: { enabled: true, hit: true, key, ...(restoredFrom !== undefined ? { restoredFrom } : {}) },
    outputs: hashed,
  }
  return finish(record, restored, resolve(options.repoRoot, options.outputDir), options, options.log, undefined)
}

/** Writes run.json, saves the cache (when training ran), moves the outputs into place and keeps the run. */
async function finish(
  record: RunRecord,
  staging: string,
  outputDir: string,
  options: TrainOptions,
  log: TrainLogger,
  saveTo: TrainCache | undefined,
): Promise<TrainResult> {
  // The files saved to the cache and moved into place must be those hashed at the check.
  const changed = await compareOutputs(staging, record.outputs)
  if (changed.length > 0) {
    throw new TrainError(
      `The outputs changed after they were checked (${changed.join('; ')}); something the training started went on writing. ` +
        'Nothing was kept: make sure the training command waits for every process it starts',
    )
  }
  await writeRunRecord(staging, record)
  if (saveTo !== undefined && options.cache) {
    await log.group(`Save ${options.model} to the ${saveTo.description}`, () => saveTo.save(record.cache.key, staging))
  }
  await promoteDir(staging, outputDir)
  log.info(
    `${record.cache.hit ? 'Restored' : 'Trained'} ${options.model} into ${relative(resolve(options.repoRoot), outputDir) || outputDir}`,
  )
  let runDir: string | undefined
  if (options.runsDir !== undefined) {
    try {
      runDir = await storeRun(resolve(options.repoRoot, options.runsDir), record, outputDir)
    } catch (error) {
      log.warning(`Could not keep the run in ${options.runsDir}: ${(error as Error).message}`)
    }
  }
  return { record, outputDir, ...(runDir !== undefined ? { runDir } : {}) }
}

/** Restores the cached outputs into a staging folder; undefined on a miss or a restore that failed. */
async function restoreFromCache(
  cache: TrainCache,
  key: string,
  outputDir: string,
  log: TrainLogger,
): Promise<string | undefined> {
  const staging = await createStagingDir(outputDir, 'restore')
  await rm(staging, { recursive: true })
  try {
    if (await cache.restore(key, staging)) {
      // An entry whose files are not those its run.json recorded was changed after it was saved.
      const saved = await readRunRecord(staging)
      const changed = saved === undefined ? [] : await compareOutputs(staging, saved.outputs)
      if (!(await isFile(join(staging, MODEL_FILE)))) {
        log.warning(`The cache entry ${key} has no ${MODEL_FILE}; training instead`)
      } else if (changed.length > 0) {
        log.warning(`The cache entry ${key} does not hold the files its run.json recorded (${changed.join('; ')}); training instead`)
      } else {
        log.info(`Cache hit: ${key}; training is skipped`)
        return staging
      }
    } else {
      log.info(`Cache miss: ${key}`)
    }
  } catch (error) {
    log.warning(`Could not restore ${key} from the ${cache.description}; training instead: ${(error as Error).message}`)
  }
  await rm(staging, { recursive: true, force: true })
  return undefined
}

/**
 * Checkpoints belong to one cache key: a folder left by a run of other code, data or params is
 * emptied so the command never resumes from a stale state.
 */
async function prepareCheckpoints(dir: string, key: string): Promise<void> {
  const marker = join(dir, CHECKPOINT_KEY_FILE)
  const previous = await readFile(marker, 'utf8').catch(() => undefined)
  if (previous?.trim() !== key) await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  if (previous?.trim() !== key) await writeFileAtomic(marker, `${key}\n`)
}

async function describeDataFile(
  which: 'train' | 'test',
  path: string,
  repoRoot: string,
): Promise<{ absolute: string; sha256: string; fact: { path: string; sha256: string; bytes: number } }> {
  const absolute = resolve(repoRoot, path)
  let bytes: number
  try {
    const info = await stat(absolute)
    if (!info.isFile()) throw new Error('not a file')
    bytes = info.size
  } catch {
    throw new DataError(
      `data.${which}: '${path}' is not a file (looked at ${absolute}); give a CSV, Arrow IPC or Parquet file relative to the repository root`,
    )
  }
  const sha256 = await sha256File(absolute)
  const shown = relative(resolve(repoRoot), absolute).split(sep).join('/')
  return { absolute, sha256, fact: { path: shown, sha256, bytes } }
}

/** The run's timing; set-up and training apart, so a slow first environment is not taken for slow training. */
function timing(
  startedAt: Date,
  endedAt: Date,
  parts: { setupMs?: number; attempts?: readonly CommandResult[] } = {},
): RunRecord['timing'] {
  const first = parts.attempts?.[0]
  const last = parts.attempts?.[parts.attempts.length - 1]
  return {
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    ...(parts.setupMs !== undefined ? { setupMs: parts.setupMs } : {}),
    ...(first !== undefined && last !== undefined ? { trainingMs: last.endedAt.getTime() - first.startedAt.getTime() } : {}),
  }
}

function attemptRecord(attempt: number, result: CommandResult): AttemptRecord {
  return {
    attempt,
    startedAt: result.startedAt.toISOString(),
    endedAt: result.endedAt.toISOString(),
    durationMs: result.endedAt.getTime() - result.startedAt.getTime(),
    outcome: result.outcome,
    exitCode: result.exitCode,
    signal: result.signal,
  }
}

function gpuRecord(
  selection: GpuSelection | undefined,
  usage: GpuUsage[] | undefined,
  sampleIntervalMs: number,
): GpuRecord | null {
  if (selection === undefined) return null
  return {
    count: selection.chosen.length,
    visibleDevices: selection.visibleDevices,
    sampleIntervalMs,
    devices: usage ?? [],
  }
}

/** While training, turns SIGINT/SIGTERM/SIGHUP of this process into a cancel; returns the undo. */
function listenForCancel(controller: AbortController, options: TrainOptions): () => void {
  const onAbort = (): void => controller.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) controller.abort()
  const signals: NodeJS.Signals[] = options.handleProcessSignals === false ? [] : ['SIGINT', 'SIGTERM', 'SIGHUP']
  const onSignal = (signal: NodeJS.Signals): void => {
    options.log.warning(`Got ${signal}: stopping the training command`)
    controller.abort()
  }
  for (const signal of signals) process.on(signal, onSignal)
  return () => {
    options.signal?.removeEventListener('abort', onAbort)
    for (const signal of signals) process.removeListener(signal, onSignal)
  }
}

/**
 * Computes the reweighing weights of the training data and writes them to
 * `<stateDir>/mitigation/<model>/sample-weights.csv`; answers the file's absolute path.
 */
async function writeReweighing(options: TrainOptions, trainData: string, stateDir: string, log: TrainLogger): Promise<string> {
  const mitigation = options.mitigation!
  const result = await reweighingFromFile(trainData, options.dataFiles.train, mitigation.target, mitigation.sensitiveFeatures, mitigation.sampleWeight)
  const file = join(stateDir, 'mitigation', options.model.replace(':', '/'), 'sample-weights.csv')
  await mkdir(join(file, '..'), { recursive: true })
  await writeSampleWeights(file, result.weights)
  for (const cell of result.cells) {
    const group = Object.entries(cell.group).map(([name, value]) => `${name}=${value ?? 'missing'}`).join(', ')
    log.info(`${group}, ${mitigation.target}=${cell.label}: ${cell.rows} rows, weight ×${cell.weight.toPrecision(4)}`)
  }
  log.info(`Sample weights for ${result.weights.length} training rows in ${relative(options.repoRoot, file)} (${SAMPLE_WEIGHTS_ENV})`)
  return file
}
