/**
 * actions/batch-score: scores one shard of input files with a model (batch-score in src/batch), or,
 * with `merge`, joins the shards' results; progress goes to the log every few seconds, the counts,
 * inputs, outputs and failures to the job summary; past the error threshold the step fails.
 */
import { resolve } from 'node:path'
import * as z from 'zod/mini'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { readInputs } from '../../src/action/inputs.js'
import { actionRegistry } from '../../src/action/registry.js'
import { batchScore, createProgress, describeInputs, expandInputs, mergeShards, parseErrorThreshold, renderBatchSummary, rowsText } from '../../src/batch/index.js'
import { ModelshipError, UsageError } from '../../src/errors.js'
import { findModelSpec } from '../../src/evaluate/find-spec.js'
import { resolveSource } from '../../src/serve/index.js'

const wholeNumber = (name: string, min: number) =>
  z.pipe(
    z.string(),
    z.transform((text: string, context) => {
      const n = Number(text)
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
        context.issues.push({ code: 'custom', message: `'${text}' is not a whole number of at least ${min} (${name})`, input: text })
        return z.NEVER
      }
      return n
    }),
  )

/** Inputs of action.yml, camelCase. */
export const BatchScoreInputs = z.object({
  model: z.optional(z.string()),
  path: z._default(z.string(), '.'),
  source: z.optional(z.string()),
  inputs: z.optional(z.string()),
  merge: z.optional(z.string()),
  output: z._default(z.string(), 'modelship-batch'),
  format: z._default(z.enum(['arrow', 'parquet', 'csv']), 'arrow'),
  shardIndex: z._default(wholeNumber('the shard, from 0', 0), 0),
  shardCount: z._default(wholeNumber('how many shards', 1), 1),
  workers: z.optional(wholeNumber('worker threads', 1)),
  batchRows: z.optional(wholeNumber('rows per mini-batch', 1)),
  maxRetries: z._default(wholeNumber('retries of a mini-batch', 0), 3),
  errorThreshold: z._default(z.string(), '0'),
  token: z.optional(z.string()),
})

/** Paths or globs, one a line or comma-separated. */
function list(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter(Boolean)
}

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(BatchScoreInputs, env)
  const outputDir = resolve(env.workspace, inputs.output)
  if (inputs.merge !== undefined) {
    const manifests = await expandInputs(list(inputs.merge), env.workspace)
    const result = await env.group(`Merge ${manifests.length} shards`, () => mergeShards({ manifests, outputDir }))
    env.setOutput('manifest', result.manifestPath)
    env.setOutput('output', resolve(outputDir, result.manifest.outputs[0]!.path))
    env.setOutput('scored', String(result.manifest.counts.scored))
    env.setOutput('failed', String(result.manifest.counts.failed))
    await env.summary(result.summary)
    return
  }
  if (inputs.model === undefined) throw new UsageError("input 'model': is required (the model name, as in models/<name>/model.yaml) unless 'merge' is given")
  if (inputs.inputs === undefined) throw new UsageError("input 'inputs': is required: the files or globs to score, one a line")
  const root = resolve(env.workspace, inputs.path)
  const { spec } = await findModelSpec(root, inputs.model)
  const source = inputs.source ?? `${spec.name}#production`
  const resolved = await env.group(`Resolve the model ${source}`, () =>
    resolveSource(
      { source, name: spec.name, ...(inputs.source !== undefined && !/[#@]/.test(inputs.source) ? { version: 'local' } : {}) },
      { cwd: env.workspace, registry: () => actionRegistry(env, root, inputs.token).backend, cacheDir: resolve(env.vars.RUNNER_TEMP ?? root, 'modelship-batch-models') },
    ),
  )
  const files = await describeInputs(await expandInputs(list(inputs.inputs), env.workspace), env.workspace)
  const title = `Batch scoring of ${spec.name}, shard ${inputs.shardIndex + 1} of ${inputs.shardCount}`
  const result = await env.group(title, () =>
    batchScore({
      model: { path: resolved.path, name: resolved.name, version: resolved.version, source },
      task: spec.task,
      features: spec.data.features,
      inputs: files,
      outputDir,
      format: inputs.format,
      shardIndex: inputs.shardIndex,
      shardCount: inputs.shardCount,
      ...(inputs.workers !== undefined ? { workers: inputs.workers } : {}),
      ...(inputs.batchRows !== undefined ? { batchRows: inputs.batchRows } : {}),
      maxRetries: inputs.maxRetries,
      errorThreshold: parseErrorThreshold(inputs.errorThreshold),
      progress: createProgress({ mode: 'log', write: (text) => env.info(text.replace(/\n$/, '')) }),
    }),
  )
  const { manifest } = result
  env.setOutput('manifest', result.manifestPath)
  if (manifest.outputs[0]) env.setOutput('output', resolve(outputDir, manifest.outputs[0].path))
  env.setOutput('scored', String(manifest.counts.scored))
  env.setOutput('failed', String(manifest.counts.failed))
  await env.summary(renderBatchSummary(manifest, title))
  if (result.failed) {
    const first = manifest.failures.slice(0, 10).map((f) => `- ${f.file} ${f.end > f.start ? `row ${rowsText(f.start, f.end)}` : '(whole file)'}: ${f.reason}`)
    throw new ModelshipError(
      `${manifest.counts.failed} rows failed, past the error threshold of ${manifest.errorThreshold}${manifest.failures.length > 10 ? ' (the first 10 below, all in the manifest)' : ''}:\n${first.join('\n')}`,
    )
  }
}
