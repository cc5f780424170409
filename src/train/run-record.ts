/**
 * `run.json`: everything needed to say what a training run was and to repeat it — params, metrics,
 * environment, GPUs, timing per attempt, cache, commit, data hashes, spec hash, workflow run.
 * {@link RunRecordSchema} is the one definition; the JSON Schema in schemas/ is generated from it.
 */
import { randomBytes } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import * as z from 'zod/mini'
import { TrainError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-file.js'
import { sha256File } from '../fs/sha256.js'
import { capture } from './capture.js'
import '../zod-english.js'

/** File name of the run record inside the outputs. */
export const RUN_RECORD_FILE = 'run.json'

/** File name of the metrics a training script may write into its outputs. */
export const METRICS_FILE = 'metrics.json'

const PeakMeanSchema = z.nullable(z.object({ peak: z.number(), mean: z.number() }))

const FileFactSchema = z.object({
  /** Path relative to the repository root (data) or the outputs folder (outputs), forward slashes. */
  path: z.string(),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  bytes: z.int().check(z.nonnegative()),
})

const AttemptSchema = z.object({
  attempt: z.int().check(z.positive()),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  durationMs: z.number().check(z.nonnegative()),
  outcome: z.enum(['succeeded', 'exited', 'signalled', 'timed-out', 'cancelled', 'not-found', 'not-executable']),
  exitCode: z.nullable(z.int()),
  signal: z.nullable(z.string()),
})

const EnvironmentSchema = z.object({
  kind: z.enum(['none', 'python', 'node']),
  key: z.string(),
  platform: z.string(),
  python: z.optional(
    z.object({
      version: z.string(),
      executable: z.string(),
      requirements: z.optional(z.string()),
      requirementsSha256: z.optional(z.string()),
      venv: z.string(),
      packages: z.array(z.string()),
      /** What built the virtualenv: uv when it was on PATH, else pip (absent in older records). */
      installer: z.optional(z.enum(['uv', 'pip'])),
    }),
  ),
  node: z.optional(z.object({ version: z.string(), lockfileSha256: z.optional(z.string()) })),
})

const GpuSchema = z.object({
  /** GPUs the command was given. */
  count: z.int().check(z.nonnegative()),
  /** CUDA_VISIBLE_DEVICES as the command saw it. */
  visibleDevices: z.nullable(z.string()),
  /** Sampling interval, milliseconds. */
  sampleIntervalMs: z.number().check(z.positive()),
  devices: z.array(
    z.object({
      index: z.int().check(z.nonnegative()),
      name: z.string(),
      driverVersion: z.string(),
      memoryTotalMiB: z.nullable(z.number()),
      utilizationPercent: PeakMeanSchema,
      memoryUsedMiB: PeakMeanSchema,
      samples: z.int().check(z.nonnegative()),
    }),
  ),
})

/** The shape of run.json (version 1). */
export const RunRecordSchema = z.object({
  schemaVersion: z.literal(1),
  /** `<UTC timestamp>-<6 hex>`, e.g. `20260126T181512Z-3fa9c1`; also the run's folder name. */
  id: z.string().check(z.regex(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/)),
  model: z.string(),
  /** The command as run, placeholders expanded (the outputs path is the temporary folder it wrote to). */
  command: z.array(z.string()),
  /** How the run ended; absent in older records, which kept only successful runs. */
  status: z.optional(z.enum(['succeeded', 'failed'])),
  /** Why a failed run failed: the message Modelship printed. */
  failure: z.optional(z.string()),
  /** The params the command got: train.params with the overrides applied. */
  params: z.record(z.string(), z.unknown()),
  /** The params set on the command line (`modelship train --param NAME=VALUE`), as given. */
  paramOverrides: z.optional(z.record(z.string(), z.unknown())),
  /**
   * What the script wrote to metrics.json; empty when it wrote none. They are the script's own
   * numbers on the data it chose (by convention the training data): {@link METRICS_SOURCE}.
   */
  metrics: z.record(z.string(), z.unknown()),
  environment: EnvironmentSchema,
  /** Null when the run asked for no accelerator (or came from the cache). */
  gpu: z.nullable(GpuSchema),
  timing: z.object({
    startedAt: z.iso.datetime(),
    endedAt: z.iso.datetime(),
    /** The whole run: environment, training, checks. */
    durationMs: z.number().check(z.nonnegative()),
    /** Building or reusing the environment (virtualenv, npm ci); absent on a cache hit and in older records. */
    setupMs: z.optional(z.number().check(z.nonnegative())),
    /** From the first attempt's start to the last one's end, retries included; absent when no attempt ran. */
    trainingMs: z.optional(z.number().check(z.nonnegative())),
  }),
  /** One entry per attempt of the command; empty on a cache hit. */
  attempts: z.array(AttemptSchema),
  cache: z.object({
    enabled: z.boolean(),
    hit: z.boolean(),
    key: z.string(),
    /** On a hit: the run that produced the restored outputs, when its record was found. */
    restoredFrom: z.optional(z.object({ id: z.string(), commit: z.nullable(z.string()), startedAt: z.string() })),
  }),
  /** `git rev-parse HEAD` of the repository, and whether tracked files had uncommitted changes; null outside git. */
  commit: z.nullable(z.object({ sha: z.string(), dirty: z.boolean() })),
  data: z.object({ train: FileFactSchema, test: FileFactSchema }),
  /** sha256 of the spec, as given by the caller; null when not given. */
  specHash: z.nullable(z.string()),
  /** `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`, null outside Actions. */
  workflowRunUrl: z.nullable(z.string()),
  /** Every file in the outputs except run.json itself, sorted by path. */
  outputs: z.array(FileFactSchema),
})

/**
 * The label of run.json's `metrics`: the training script computes them on the data it chooses,
 * which by convention is its training data; `modelship evaluate` measures on data.test ('test').
 */
export const METRICS_SOURCE = 'train'

/** A parsed run.json. */
export type RunRecord = z.infer<typeof RunRecordSchema>

/** One attempt in a run record. */
export type AttemptRecord = z.infer<typeof AttemptSchema>

/** GPU facts in a run record. */
export type GpuRecord = z.infer<typeof GpuSchema>

/** A new run id: UTC time to the second, then 6 random hex digits so two runs in a second differ. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '')
  return `${stamp}-${randomBytes(3).toString('hex')}`
}

/** Commit and dirtiness of the git repository at `repoRoot`; null when it is not one (or git is missing). */
export async function readCommit(repoRoot: string): Promise<{ sha: string; dirty: boolean } | null> {
  const head = await capture('git', ['rev-parse', 'HEAD'], { cwd: repoRoot })
  if (head.code !== 0) return null
  const status = await capture('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot })
  return { sha: head.stdout.trim(), dirty: status.code === 0 && status.stdout.trim() !== '' }
}

/** The workflow run's URL from the runner's environment, or null outside GitHub Actions. */
export function workflowRunUrl(env: NodeJS.ProcessEnv): string | null {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env
  if (!server || !repository || !runId) return null
  return `${server}/${repository}/actions/runs/${runId}`
}

/**
 * Reads metrics.json from an outputs folder: {} when absent; a {@link TrainError} when it is not a
 * JSON object (a run with unreadable metrics cannot be judged).
 */
export async function readMetrics(outputDir: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(join(outputDir, METRICS_FILE), 'utf8')
  } catch {
    return {}
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new TrainError(
      `The training command wrote ${METRICS_FILE} that is not valid JSON (${(error as Error).message}); ` +
        `write one JSON object of metric names to numbers, e.g. {"accuracy": 0.91}`,
    )
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TrainError(
      `The training command wrote ${METRICS_FILE} holding ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}; ` +
        `write one JSON object of metric names to numbers, e.g. {"accuracy": 0.91}`,
    )
  }
  return value as Record<string, unknown>
}

/** Path, sha256 and size of every file under `dir` (run.json excluded), sorted by path. */
export async function describeOutputs(dir: string): Promise<{ path: string; sha256: string; bytes: number }[]> {
  const found: { path: string; sha256: string; bytes: number }[] = []
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.isFile()) {
        const name = relative(dir, path).split(sep).join('/')
        if (name === RUN_RECORD_FILE) continue
        found.push({ path: name, sha256: await sha256File(path), bytes: (await stat(path)).size })
      }
    }
  }
  await walk(dir)
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/**
 * What differs between the files in `dir` now and `expected` (as {@link describeOutputs} gave them
 * earlier): one line per file changed, added or gone; empty when they match.
 */
export async function compareOutputs(dir: string, expected: readonly { path: string; sha256: string }[]): Promise<string[]> {
  const now = new Map((await describeOutputs(dir)).map((file) => [file.path, file.sha256]))
  const differences: string[] = []
  for (const file of expected) {
    const sha = now.get(file.path)
    if (sha === undefined) differences.push(`${file.path} is gone`)
    else if (sha !== file.sha256) differences.push(`${file.path} changed (sha256 ${file.sha256.slice(0, 12)}… then, ${sha.slice(0, 12)}… now)`)
    now.delete(file.path)
  }
  for (const path of now.keys()) differences.push(`${path} appeared`)
  return differences
}

/** Checks a record against the schema and writes it as `run.json` in `dir` (atomically, pretty-printed). */
export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  const checked = RunRecordSchema.parse(record)
  await writeFileAtomic(join(dir, RUN_RECORD_FILE), `${JSON.stringify(checked, null, 2)}\n`)
}

/** Reads and checks `run.json` in `dir`; undefined when it is missing or not a valid record. */
export async function readRunRecord(dir: string): Promise<RunRecord | undefined> {
  return (await inspectRunRecord(dir)).record
}

/**
 * Reads and checks `run.json` in `dir`: the record, or what is wrong with the file (a sentence
 * starting with the file's path), or neither when there is no run.json.
 */
export async function inspectRunRecord(dir: string): Promise<{ record?: RunRecord; problem?: string }> {
  const file = join(dir, RUN_RECORD_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    return { problem: `${file} cannot be read (${(error as Error).message})` }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { problem: `${file} is not valid JSON (${(error as Error).message})` }
  }
  const parsed = RunRecordSchema.safeParse(json)
  if (parsed.success) return { record: parsed.data }
  const issue = parsed.error.issues[0]!
  const where = issue.path.length > 0 ? issue.path.join('.') : 'the top level'
  return { problem: `${file} is not a run record: ${where}: ${issue.message}` }
}
