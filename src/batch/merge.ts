/**
 * `batch-score merge`: checks the shards' manifests (all completed, one model version, the same
 * inputs, every shard index once, row ranges disjoint and covering every row of every input, each
 * output still matching its sha256) and writes one result file, in shard order, with one manifest
 * and one summary.
 */
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { RecordBatchReader } from 'apache-arrow'
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet'
import { UsageError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-file.js'
import { sha256, sha256File } from '../fs/sha256.js'
import { MANIFEST_FILE, MAX_LISTED_FAILURES, readManifest, type BatchManifest } from './manifest.js'
import type { ResultColumns, ResultSchema, ResultType } from './results.js'
import { fromRecordBatch } from './results.js'
import { checkCoverage } from './shard.js'
import { renderBatchSummary } from './summary.js'
import { OUTPUT_EXTENSIONS, openResultWriter, type OutputFormat } from './writers.js'
import { PARQUET_DECOMPRESSORS } from '../data/codecs.js'

/** Options of `mergeShards`. */
export interface MergeOptions {
  /** Paths of the shards' manifest.json files (or their folders). */
  readonly manifests: readonly string[]
  readonly outputDir: string
}

/** What `mergeShards` wrote. */
export interface MergeResult {
  readonly manifest: BatchManifest
  readonly manifestPath: string
  readonly summary: string
}

/** Merges shards; a UsageError listing every problem when they do not fit together. */
export async function mergeShards(options: MergeOptions): Promise<MergeResult> {
  if (options.manifests.length === 0) throw new UsageError('no shard manifests to merge; give each shard\'s manifest.json')
  const paths = options.manifests.map((p) => (p.endsWith('.json') ? resolve(p) : resolve(p, MANIFEST_FILE)))
  const shards = await Promise.all(paths.map(async (path) => ({ path, manifest: await readManifest(path) })))
  const problems: string[] = []
  const first = shards[0]!.manifest
  const inputKey = (m: BatchManifest) => JSON.stringify(m.inputs.map((i) => [i.path, i.sha256, i.rows]))
  const columnsKey = (m: BatchManifest) => JSON.stringify(m.columns)
  for (const { path, manifest } of shards) {
    if (manifest.status !== 'completed') problems.push(`${path}: shard ${manifest.shard.index} did not complete (status ${manifest.status}); rerun that shard`)
    if (manifest.model.sha256 !== first.model.sha256 || manifest.model.version !== first.model.version) {
      problems.push(`${path}: scored with ${manifest.model.name} ${manifest.model.version} (sha256 ${manifest.model.sha256.slice(0, 12)}), but ${shards[0]!.path} with ${first.model.name} ${first.model.version} (sha256 ${first.model.sha256.slice(0, 12)})`)
    }
    if (manifest.shard.count !== first.shard.count) problems.push(`${path}: shard ${manifest.shard.index} of ${manifest.shard.count}, but ${shards[0]!.path} is one of ${first.shard.count}`)
    if (inputKey(manifest) !== inputKey(first)) problems.push(`${path}: its inputs (paths, sha256s or row counts) differ from those of ${shards[0]!.path}; every shard must read the same files`)
    if (columnsKey(manifest) !== columnsKey(first)) problems.push(`${path}: its result columns differ from those of ${shards[0]!.path}`)
    if (manifest.outputs.length !== 1 || manifest.outputs[0]!.format !== first.outputs[0]?.format) problems.push(`${path}: expected one output in the format of the other shards`)
  }
  const indices = shards.map((s) => s.manifest.shard.index)
  for (let i = 0; i < first.shard.count; i++) {
    const n = indices.filter((x) => x === i).length
    if (n === 0) problems.push(`shard ${i} of ${first.shard.count} is missing`)
    if (n > 1) problems.push(`shard ${i} is given ${n} times`)
  }
  if (problems.length === 0) {
    const ranges = shards.flatMap((s) => s.manifest.inputs.flatMap((input, file) => input.ranges.map((r) => ({ file, ...r }))))
    problems.push(...checkCoverage(first.inputs.map((i) => i.rows ?? 0), ranges, (file) => first.inputs[file]!.path))
  }
  const ordered = [...shards].sort((a, b) => a.manifest.shard.index - b.manifest.shard.index)
  if (problems.length === 0) {
    for (const { path, manifest } of ordered) {
      const output = manifest.outputs[0]!
      const file = resolve(dirname(path), output.path)
      const digest = await sha256File(file).catch((error: NodeJS.ErrnoException) => `unreadable (${error.code ?? String(error)})`)
      if (digest !== output.sha256) problems.push(`${file}: sha256 ${digest.slice(0, 12)} is not the ${output.sha256.slice(0, 12)} its manifest recorded; the shard's output was changed or cut short`)
    }
  }
  if (problems.length > 0) throw new UsageError(`the shards do not merge: ${problems.length} problem${problems.length > 1 ? 's' : ''}\n${problems.map((p) => `  - ${p}`).join('\n')}`)

  const format = first.outputs[0]!.format
  await mkdir(options.outputDir, { recursive: true })
  const outputName = `predictions${OUTPUT_EXTENSIONS[format]}`
  const target = join(options.outputDir, outputName)
  const schema: ResultSchema = { columns: first.columns }
  const files = ordered.map(({ path, manifest }) => resolve(dirname(path), manifest.outputs[0]!.path))
  if (format === 'csv') await concatCsv(files, target)
  else {
    const inputs = first.inputs.map((input) => input.path)
    const writer = openResultWriter(target, format, schema, inputs)
    try {
      for (const file of files) for await (const batch of readResults(file, format, inputs)) await writer.write(batch)
      await writer.close()
    } catch (error) {
      await writer.abort()
      throw error
    }
  }
  const all = ordered.map((s) => s.manifest)
  const failures = all.flatMap((m) => m.failures)
  const manifest: BatchManifest = {
    ...first,
    shard: { index: 0, count: 1 },
    plan: sha256(all.map((m) => m.plan).join('\n')),
    inputs: first.inputs.map((input, file) => ({ ...input, ranges: [{ start: 0, end: input.rows ?? 0 }].filter(() => all.some((m) => m.inputs[file]!.ranges.length > 0)) })),
    outputs: [{ path: outputName, format, sha256: await sha256File(target), rows: all.reduce((sum, m) => sum + m.counts.scored, 0) }],
    counts: {
      rows: all.reduce((sum, m) => sum + m.counts.rows, 0),
      scored: all.reduce((sum, m) => sum + m.counts.scored, 0),
      failed: all.reduce((sum, m) => sum + m.counts.failed, 0),
      batches: all.reduce((sum, m) => sum + m.counts.batches, 0),
      retries: all.reduce((sum, m) => sum + m.counts.retries, 0),
    },
    failures: failures.slice(0, MAX_LISTED_FAILURES),
    failuresOmitted: Math.max(0, failures.length - MAX_LISTED_FAILURES) + all.reduce((sum, m) => sum + m.failuresOmitted, 0),
  }
  const manifestPath = join(options.outputDir, MANIFEST_FILE)
  await writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n')
  const summary = renderBatchSummary(manifest, `Batch scoring, ${first.shard.count} shard${first.shard.count > 1 ? 's' : ''} merged`)
  await writeFileAtomic(join(options.outputDir, 'summary.md'), summary)
  return { manifest, manifestPath, summary }
}

/** Streams a shard's result file back as result batches. */
async function* readResults(path: string, format: OutputFormat, inputs: readonly string[]): AsyncGenerator<ResultColumns> {
  if (format === 'arrow') {
    const reader = await RecordBatchReader.from(createReadStream(path))
    for await (const batch of reader) yield fromRecordBatch(batch)
    return
  }
  const index = new Map(inputs.map((input, i) => [input, i]))
  if (format === 'parquet') {
    const file = await asyncBufferFromFile(path)
    const metadata = await parquetMetadataAsync(file)
    const names = metadata.schema.slice(1).map((e) => e.name)
    const types = metadata.schema.slice(1).map((e) => (e.name === 'source_file' ? 'file' : e.type === 'BYTE_ARRAY' ? 'utf8' : e.type === 'INT64' ? 'int64' : e.type === 'DOUBLE' ? 'float64' : 'float32') as ResultType)
    let start = 0
    for (const group of metadata.row_groups) {
      const rows = Number(group.num_rows)
      const columns: unknown[][] = names.map(() => [])
      await parquetRead({
        file,
        metadata,
        rowStart: start,
        rowEnd: start + rows,
        compressors: PARQUET_DECOMPRESSORS,
        onChunk(chunk) {
          const k = names.indexOf(chunk.columnName)
          const from = Math.max(chunk.rowStart, start)
          const to = Math.min(chunk.rowEnd, start + rows)
          for (let i = from; i < to; i++) columns[k]!.push(chunk.columnData[i - chunk.rowStart])
        },
      })
      yield {
        rowCount: rows,
        columns: names.map((name, k) => {
          const values = columns[k]!
          const type = types[k]!
          return {
            name,
            type,
            values: type === 'file' ? Int32Array.from(values as string[], (name) => fileIndex(index, name)) : type === 'utf8' ? (values as string[]) : type === 'int64' ? BigInt64Array.from(values as bigint[]) : type === 'float64' ? Float64Array.from(values as number[]) : Float32Array.from(values as number[]),
          }
        }),
        files: inputs,
      }
      start += rows
    }
    return
  }
  throw new Error(`readResults: ${format} is joined as text`)
}

function fileIndex(index: ReadonlyMap<string, number>, name: string): number {
  const at = index.get(name)
  if (at === undefined) throw new UsageError(`a shard's results name the source file ${name}, which is not among the inputs of its manifest`)
  return at
}

/** CSV shard outputs joined as text: the first file's header, then every file's rows (values are never re-parsed). */
async function concatCsv(files: readonly string[], target: string): Promise<void> {
  const temp = `${target}.tmp-${process.pid}`
  const out = createWriteStream(temp)
  try {
    for (const [k, file] of files.entries()) {
      let header = k > 0
      for await (const chunk of createReadStream(file)) {
        let bytes = chunk as Buffer
        if (header) {
          const newline = bytes.indexOf(10)
          if (newline < 0) continue
          bytes = bytes.subarray(newline + 1)
          header = false
        }
        if (!out.write(bytes)) await once(out, 'drain')
      }
    }
    out.end()
    await once(out, 'finish')
    await rename(temp, target)
  } catch (error) {
    out.destroy()
    await rm(temp, { force: true })
    throw error
  }
}
