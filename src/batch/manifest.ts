/**
 * `manifest.json`, the record of one batch-scoring run (one shard, or a merge): the model version,
 * every input with its sha256, row count and the row ranges this run scored, the outputs with their
 * sha256, the counts, and every failure with its file, row range and reason. `merge` reads shard
 * manifests back, so they are checked with a schema (they may come from another job's artifact).
 */
import { readFile } from 'node:fs/promises'
import * as z from 'zod/mini'
import { UsageError } from '../errors.js'

const Range = z.object({ start: z.number().check(z.int(), z.nonnegative()), end: z.number().check(z.int(), z.nonnegative()) })

/** The manifest's schema. */
export const BatchManifestSchema = z.object({
  manifestVersion: z.literal(1),
  status: z.enum(['completed', 'failed']),
  model: z.object({ name: z.string(), version: z.string(), source: z.string(), sha256: z.string() }),
  shard: z.object({ index: z.number(), count: z.number() }),
  batchRows: z.number(),
  maxRetries: z.number(),
  errorThreshold: z.string(),
  plan: z.string(),
  inputs: z.array(
    z.object({
      path: z.string(),
      format: z.string(),
      sha256: z.string(),
      rows: z.nullable(z.number()),
      ranges: z.array(Range),
      error: z.optional(z.string()),
    }),
  ),
  outputs: z.array(z.object({ path: z.string(), format: z.enum(['arrow', 'parquet', 'csv']), sha256: z.string(), rows: z.number() })),
  counts: z.object({ rows: z.number(), scored: z.number(), failed: z.number(), batches: z.number(), retries: z.number() }),
  failures: z.array(z.object({ file: z.string(), start: z.number(), end: z.number(), reason: z.string() })),
  failuresOmitted: z.number(),
  columns: z.array(z.object({ name: z.string(), type: z.enum(['file', 'utf8', 'int64', 'float32', 'float64']) })),
})

/** A batch manifest. */
export type BatchManifest = z.infer<typeof BatchManifestSchema>

/** File name of the manifest in an output folder. */
export const MANIFEST_FILE = 'manifest.json'

/** Most failures a manifest lists; the rest are counted in `failuresOmitted`. */
export const MAX_LISTED_FAILURES = 1000

/** Reads and checks a manifest; a UsageError naming the file and the problem otherwise. */
export async function readManifest(path: string): Promise<BatchManifest> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(code === 'ENOENT' ? `${path} does not exist; give the manifest.json of each shard's output folder` : `could not read ${path} (${code ?? String(error)})`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${path} is not JSON (${error instanceof Error ? error.message : String(error)}); give the manifest.json batch-score wrote`)
  }
  const parsed = BatchManifestSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new UsageError(`${path} is not a batch-score manifest: ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  return parsed.data
}
