/**
 * The serve configuration: a YAML file (`modelship serve --config serve.yaml`, the documented way)
 * whose keys are the flags' names, or the flags alone. Flags given beside a file override its keys.
 *
 * ```yaml
 * host: 0.0.0.0
 * port: 8080
 * request-timeout-ms: 5000
 * models:
 *   - source: churn#production        # or ./models/churn/model.onnx, or a run folder
 *     sessions: 2
 *     batching: { max-batch-size: 64, max-queue-delay-us: 500 }
 *   - { name: churn, source: churn@v0.0.3, weight: 0.1 }
 * metrics: open                         # GET /metrics: open (default), token, or off
 * prediction-log: { dir: logs/predictions, sample: 0.1, max-bytes: 67108864, max-age: 1h }
 * ```
 */
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { z } from 'zod'
import '../zod-english.js'
import { UsageError } from '../errors.js'
import { DURATION_PATTERN } from '../spec/duration.js'

const Batching = z
  .object({
    enabled: z.boolean().optional(),
    'max-batch-size': z.number().int().min(1).max(65536).optional(),
    'max-queue-delay-us': z.number().int().min(0).max(10_000_000).optional(),
  })
  .strict()

const ModelEntry = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/).optional(),
    source: z.string().min(1),
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/).optional(),
    weight: z.number().min(0).optional(),
    sessions: z.number().int().min(1).max(64).optional(),
    'intra-op-threads': z.number().int().min(1).max(256).optional(),
    batching: Batching.optional(),
    'allow-non-finite': z.boolean().optional(),
  })
  .strict()

const PredictionLog = z
  .object({
    dir: z.string().min(1),
    sample: z.number().min(0).max(1).optional(),
    'max-bytes': z.number().int().min(4096).optional(),
    'max-age': z.string().regex(DURATION_PATTERN, 'a duration such as 30s, 10m, 1h or 1d').optional(),
    'max-buffered-rows': z.number().int().min(1).optional(),
  })
  .strict()

/** The configuration file's schema (kebab-case keys, as the flags). */
export const ServeConfigSchema = z
  .object({
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    'request-timeout-ms': z.number().int().min(1).optional(),
    'max-in-flight': z.number().int().min(1).optional(),
    'max-body-bytes': z.number().int().min(1).optional(),
    'client-timeout-ms': z.number().int().min(1).optional(),
    'intra-op-threads': z.number().int().min(1).max(256).optional(),
    sessions: z.number().int().min(1).max(64).optional(),
    'token-file': z.string().min(1).optional(),
    'admin-token-file': z.string().min(1).optional(),
    'cache-dir': z.string().min(1).optional(),
    metrics: z.enum(['open', 'token', 'off']).optional(),
    'prediction-log': PredictionLog.optional(),
    models: z.array(ModelEntry).default([]),
  })
  .strict()

/** A parsed configuration file. */
export type ServeConfigFile = z.infer<typeof ServeConfigSchema>
/** One model entry of it. */
export type ServeModelEntry = z.infer<typeof ModelEntry>

/** Reads and checks a configuration file; UsageError names the file, the key and the problem. */
export async function readServeConfig(path: string): Promise<ServeConfigFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`could not read the serve configuration ${path} (${code ?? String(error)}); check the path`)
  }
  let data: unknown
  try {
    data = parse(text, { prettyErrors: true }) ?? {}
  } catch (error) {
    throw new UsageError(`${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`)
  }
  const parsed = ServeConfigSchema.safeParse(data)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${path} ${issue.path.join('.') || '(top level)'}: ${issue.message}`)
    throw new UsageError(problems.join('\n'))
  }
  return parsed.data
}
