/**
 * `batchScore`: one shard of a batch-scoring job, from input files to one result file and its
 * manifest. The shard's rows are cut into mini-batches; segments of consecutive batches go to a pool
 * of worker threads, each reading, scoring and writing its own; each finished batch leaves a part and
 * a done marker (state.ts), so a killed run resumes where it stopped; once every batch is done the
 * parts are streamed, in plan order, into the output (written aside and renamed), then the manifest.
 */
import { availableParallelism } from 'node:os'
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { DataError, ModelError, UsageError } from '../errors.js'
import { sha256, sha256File } from '../fs/sha256.js'
import { writeFileAtomic } from '../fs/atomic-file.js'
import type { Task } from '../metrics/catalog.js'
import { loadModel } from '../onnx/model.js'
import { assertSignature } from '../onnx/signature.js'
import type { BatchInput } from './inputs.js'
import { MANIFEST_FILE, MAX_LISTED_FAILURES, type BatchManifest } from './manifest.js'
import { WorkerPool } from './pool.js'
import type { Progress } from './progress.js'
import { resultSchema, type ResultColumns, type ResultSchema } from './results.js'
import type { BatchOutcome } from './segment.js'
import { defaultBatchRows, miniBatches, segmentsOf, shardRanges, type FileRange, type MiniBatch } from './shard.js'
import { batchKey, ensureStateDir, partPath, readMarkers, STATE_DIR } from './state.js'
import { OUTPUT_EXTENSIONS, openResultWriter, readPart, type OutputFormat } from './writers.js'

/** Out-of-order batches whose results the main thread holds in memory until their turn (see append). */
const HELD_RESULTS = 4

/** Failed rows allowed before the job fails: a row count, or a share of the shard's rows. */
export type ErrorThreshold = { readonly rows: number } | { readonly share: number }

/** Parses `--error-threshold`: `100` (rows) or `2.5%` (a share of the rows). */
export function parseErrorThreshold(text: string): ErrorThreshold {
  const trimmed = text.trim()
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(trimmed)
  if (percent) {
    const share = Number(percent[1]) / 100
    if (share <= 1) return { share }
  } else if (/^\d+$/.test(trimmed) && Number.isSafeInteger(Number(trimmed))) return { rows: Number(trimmed) }
  throw new UsageError(`--error-threshold '${text}' is neither a row count (e.g. 100) nor a share of the rows (e.g. 2.5%)`)
}

function thresholdText(threshold: ErrorThreshold): string {
  return 'rows' in threshold ? String(threshold.rows) : `${threshold.share * 100}%`
}

/** The model to score with, resolved to a file. */
export interface BatchModel {
  readonly path: string
  readonly name: string
  readonly version: string
  /** As given (a path or a registry reference). */
  readonly source: string
}

/** Options of `batchScore`. */
export interface BatchScoreOptions {
  readonly model: BatchModel
  readonly task: Task
  /** Feature names in spec order. */
  readonly features: readonly string[]
  /** Described inputs (describeInputs), sorted. */
  readonly inputs: readonly BatchInput[]
  /** Output folder: `predictions.<ext>`, `manifest.json` and, during the run, `.batch-state/`. */
  readonly outputDir: string
  readonly format: OutputFormat
  /** Default 0 of 1. */
  readonly shardIndex?: number
  readonly shardCount?: number
  /** Worker threads (default: the cores, at most 4). */
  readonly workers?: number
  /** Rows per mini-batch (default from the model's width, see defaultBatchRows). */
  readonly batchRows?: number
  /** Retries of a failed mini-batch (default 3). */
  readonly maxRetries?: number
  /** Default: 0 rows, any failed row fails the job. */
  readonly errorThreshold?: ErrorThreshold
  /** Discard an unfinished run of other inputs in the output folder instead of refusing. */
  readonly restart?: boolean
  readonly progress: Progress
}

/** What `batchScore` did. */
export interface BatchScoreResult {
  readonly manifest: BatchManifest
  readonly manifestPath: string
  /** True when the failed rows passed the threshold (or an input could not be read): the job fails. */
  readonly failed: boolean
  /** True when the output folder already held this very run, completed. */
  readonly alreadyDone: boolean
}

/** Scores one shard; see the module comment. Throws ModelError at once when the model does not fit. */
export async function batchScore(options: BatchScoreOptions): Promise<BatchScoreResult> {
  const shardIndex = options.shardIndex ?? 0
  const shardCount = options.shardCount ?? 1
  const maxRetries = options.maxRetries ?? 3
  const threshold = options.errorThreshold ?? { rows: 0 }
  const workers = options.workers ?? Math.min(4, availableParallelism())
  if (!Number.isSafeInteger(shardCount) || shardCount < 1) throw new UsageError(`--shard-count ${shardCount} is not a whole number of at least 1`)
  if (!Number.isSafeInteger(shardIndex) || shardIndex < 0 || shardIndex >= shardCount) throw new UsageError(`--shard-index ${shardIndex} is not between 0 and ${shardCount - 1} (--shard-count ${shardCount})`)
  if (!Number.isSafeInteger(workers) || workers < 1) throw new UsageError(`--workers ${workers} is not a whole number of at least 1`)
  if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) throw new UsageError(`--max-retries ${maxRetries} is not a whole number of at least 0`)

  // The model is checked here, once, before any worker starts: a model that does not fit fails at once.
  const modelSha256 = await sha256File(options.model.path).catch((error: NodeJS.ErrnoException) => {
    throw new ModelError(`could not read model file ${options.model.path} (${error.code ?? String(error)})`)
  })
  const probe = await loadModel(options.model.path, { intraOpThreads: 1 })
  let schema: ResultSchema
  let outputWidth: number
  try {
    const signature = assertSignature(probe, { task: options.task, features: options.features })
    schema = resultSchema(probe, signature)
    outputWidth = schema.columns.length - 2
  } finally {
    await probe.release()
  }
  const batchRows = options.batchRows ?? defaultBatchRows(options.features.length, outputWidth)
  if (!Number.isSafeInteger(batchRows) || batchRows < 1) throw new UsageError(`--batch-rows ${batchRows} is not a whole number of at least 1`)

  const inputs = options.inputs
  const ranges = shardRanges(inputs.map((input) => input.rows ?? 0), shardIndex, shardCount)
  const batches = miniBatches(ranges, batchRows)
  const totalRows = ranges.reduce((sum, r) => sum + r.end - r.start, 0)
  const fingerprint = {
    inputs: inputs.map((i) => ({ path: i.display, sha256: i.sha256, rows: i.rows ?? null })),
    ranges,
    batchRows,
    model: modelSha256,
    format: options.format,
    shard: [shardIndex, shardCount],
  }
  const plan = sha256(JSON.stringify(fingerprint))
  const stateDir = join(options.outputDir, STATE_DIR)
  const manifestPath = join(options.outputDir, MANIFEST_FILE)
  const outputName = `predictions${OUTPUT_EXTENSIONS[options.format]}`

  await mkdir(options.outputDir, { recursive: true })
  const previous = await readJson<BatchManifest>(manifestPath)
  if (previous?.plan === plan && previous.status === 'completed' && (await exists(join(options.outputDir, outputName)))) {
    options.progress.note(`${manifestPath} already holds this run, completed: nothing to do`)
    return { manifest: previous, manifestPath, failed: false, alreadyDone: true }
  }
  const planPath = join(stateDir, 'plan.json')
  const started = await readJson<{ plan: string }>(planPath)
  if (started && started.plan !== plan) {
    if (!options.restart) {
      throw new UsageError(
        `${options.outputDir} holds an unfinished run of other inputs, model or options (${planPath}); ` +
          'pass --restart to discard it, or write to another --output folder',
      )
    }
    await rm(stateDir, { recursive: true, force: true })
  }
  await ensureStateDir(stateDir)
  // A run killed while writing its output leaves the writer's temporary sibling behind.
  for (const name of await readdir(options.outputDir)) if (name.startsWith(`${outputName}.tmp-`)) await rm(join(options.outputDir, name), { force: true })
  if (!started || started.plan !== plan) await writeFileAtomic(planPath, JSON.stringify({ plan, ...fingerprint }, null, 2))

  const done = await readMarkers(stateDir, batches)
  const tally = { scored: 0, failed: 0, retries: 0 }
  for (const outcome of done.values()) {
    tally.scored += outcome.scored
    tally.failed += outcome.failedRows
    tally.retries += outcome.attempts - 1
  }
  const limit = 'rows' in threshold ? threshold.rows : Math.floor(threshold.share * totalRows)
  const unreadable = inputs.filter((input) => input.error !== undefined)
  for (const input of unreadable) options.progress.note(`${input.error}`)
  const pending = batches.filter((batch) => !done.has(batchKey(batch)))
  const rowsOf = (list: readonly MiniBatch[]) => list.reduce((sum, b) => sum + b.end - b.start, 0)
  options.progress.start(totalRows, totalRows - rowsOf(pending))

  let exceeded = tally.failed > limit
  // The output is assembled while the workers score: each batch's part is appended as soon as every
  // batch before it is done, so writing the result overlaps scoring instead of following it.
  const target = join(options.outputDir, outputName)
  const writer = openResultWriter(target, options.format, schema, inputs.map((input) => input.display))
  let cursor = 0
  // Results the workers sent with their outcomes, by batch key, appended from memory instead of read
  // back from their parts. Only a few batches ahead of the cursor are kept (memory stays bounded by
  // the batch size); a batch further ahead, or one done by an earlier run, is read from its part.
  const sent = new Map<string, ResultColumns>()
  let appending: Promise<void> = Promise.resolve()
  const append = (): void => {
    appending = appending.then(async () => {
      while (cursor < batches.length && !exceeded) {
        const key = batchKey(batches[cursor]!)
        const outcome = done.get(key)
        if (!outcome) return
        const inMemory = sent.get(key)
        sent.delete(key)
        if (inMemory) await writer.write(inMemory)
        else if (outcome.scored > 0) for (const part of await readPart(partPath(stateDir, batches[cursor]!))) await writer.write(part)
        cursor++
      }
    })
  }
  append()
  if (pending.length > 0 && !exceeded) {
    const poolSize = Math.max(1, Math.min(workers, pending.length))
    // Each worker gets about a 1/(2·workers) share of the rows a segment: few reader opens, and no
    // worker is left with a long tail while the others idle.
    const perSegment = Math.max(1, Math.ceil(pending.length / (2 * poolSize)))
    const segments = segmentsOf(pending, perSegment)
    const pool = await WorkerPool.start(poolSize, {
      modelPath: options.model.path,
      task: options.task,
      features: options.features,
      intraOpThreads: Math.max(1, Math.floor(availableParallelism() / poolSize)),
      stateDir,
      batchRows,
      maxRetries,
      files: inputs.map((input) => ({ path: input.path, display: input.display })),
    }).catch(async (error: unknown) => {
      await writer.abort()
      throw error
    })
    let doneRows = totalRows - rowsOf(pending)
    try {
      await pool.run(
        segments,
        {
          onMessage(message) {
            if (message.type === 'retry') {
              tally.retries++
              options.progress.note(`retrying ${inputs[message.file]!.display} rows ${message.start}-${message.end} (try ${message.attempt + 1} of ${maxRetries + 1}): ${message.reason}`)
              return
            }
            const outcome = message.outcome
            const key = batchKey(outcome.batch)
            done.set(key, outcome)
            if (message.results && (key === batchKey(batches[cursor] ?? outcome.batch) || sent.size < HELD_RESULTS)) sent.set(key, message.results)
            tally.scored += outcome.scored
            tally.failed += outcome.failedRows
            doneRows += outcome.batch.end - outcome.batch.start
            exceeded = tally.failed > limit
            options.progress.batch(doneRows, tally.failed, `${inputs[outcome.batch.file]!.display} rows ${outcome.batch.start}-${outcome.batch.end}: ${outcome.scored} scored, ${outcome.failedRows} failed`)
            append()
          },
        },
        () => exceeded,
      )
    } catch (error) {
      await appending.catch(() => {})
      await writer.abort()
      throw error
    } finally {
      await pool.close()
    }
  }
  try {
    await appending
  } catch (error) {
    await writer.abort()
    throw error
  }
  options.progress.finish()

  const failures: BatchManifest['failures'] = []
  let failuresOmitted = 0
  for (const input of unreadable) failures.push({ file: input.display, start: 0, end: 0, reason: input.error! })
  for (const batch of batches) {
    for (const failure of done.get(batchKey(batch))?.failures ?? []) {
      if (failures.length < MAX_LISTED_FAILURES) failures.push({ file: inputs[batch.file]!.display, ...failure })
      else failuresOmitted++
    }
  }
  const failed = exceeded || unreadable.length > 0
  const outputs: BatchManifest['outputs'] = []
  if (failed) await writer.abort()
  else {
    try {
      await writer.close()
    } catch (error) {
      await writer.abort()
      throw error
    }
    outputs.push({ path: outputName, format: options.format, sha256: await sha256File(target), rows: tally.scored })
  }
  const manifest: BatchManifest = {
    manifestVersion: 1,
    status: failed ? 'failed' : 'completed',
    model: { name: options.model.name, version: options.model.version, source: options.model.source, sha256: modelSha256 },
    shard: { index: shardIndex, count: shardCount },
    batchRows,
    maxRetries,
    errorThreshold: thresholdText(threshold),
    plan,
    inputs: inputs.map((input) => ({
      path: input.display,
      format: input.format,
      sha256: input.sha256,
      rows: input.rows ?? null,
      ranges: ranges.filter((r: FileRange) => inputs[r.file] === input).map((r) => ({ start: r.start, end: r.end })),
      ...(input.error !== undefined ? { error: input.error } : {}),
    })),
    outputs,
    counts: { rows: totalRows, scored: tally.scored, failed: tally.failed, batches: batches.length, retries: tally.retries },
    failures,
    failuresOmitted,
    columns: schema.columns.map((c) => ({ ...c })),
  }
  await writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n')
  // A failed run keeps its state: a rerun with the same inputs picks the finished batches up again.
  if (!failed) await rm(stateDir, { recursive: true, force: true })
  return { manifest, manifestPath, failed, alreadyDone: false }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DataError(`could not read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined // written atomically, so not ours: treat the folder as holding no run
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
