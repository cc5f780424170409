/**
 * `modelship batch-score <model> <inputs...>`: scores files with the model across worker threads
 * (one shard of a matrix with --shard-index/--shard-count), resumably; `modelship batch-score merge
 * <manifests...>` joins the shards into one result.
 */
import { resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { defineCommand } from '../command.js'
import { findRepositoryRoot } from '../validation-targets.js'

function intOption(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag} '${value}' is not a whole number of at least ${min}`)
  return n
}

/** The batch-score command. */
export const batchScoreCommand = defineCommand({
  name: 'batch-score',
  summary: 'score files of rows with a model across worker threads and shards, resumably',
  usage: '<model> <inputs...> --output <dir> [options] | merge <manifests...> --output <dir>',
  description: [
    'Scores every row of the inputs (files or quoted globs of CSV, Arrow IPC or Parquet) with the model',
    "named by the spec models/<model>/model.yaml (its task and data.features), taken from --model (a",
    'model.onnx, a run folder, or a registry reference, downloaded and checked against its sha256s;',
    'default <model>#production). Writes <output>/predictions.<format>, each row with its source_file',
    'and row_id, and <output>/manifest.json (inputs with sha256s, row ranges, outputs, counts, failures,',
    'model version). Rows are scored in mini-batches by a pool of worker threads, each with its own',
    'onnxruntime session; a failed mini-batch is retried --max-retries times; a row with a null or text',
    'feature fails alone. Past --error-threshold failed rows the run stops and exits 1 with the report.',
    'A killed run resumes from <output>/.batch-state when run again with the same arguments.',
    '--shard-index i --shard-count n scores the i-th of n disjoint row ranges that cover all inputs;',
    '`batch-score merge` checks the shard manifests and writes one result and summary.md.',
  ].join('\n'),
  options: {
    output: { type: 'string', short: 'o', valueName: '<dir>', description: 'output folder (required)' },
    model: { type: 'string', valueName: '<source>', description: 'model.onnx, run folder, or registry reference (default <model>#production)' },
    format: { type: 'string', valueName: '<arrow|parquet|csv>', choices: ['arrow', 'parquet', 'csv'], default: 'arrow', description: 'output format' },
    'shard-index': { type: 'string', valueName: '<i>', default: '0', description: 'which shard this run scores, from 0' },
    'shard-count': { type: 'string', valueName: '<n>', default: '1', description: 'how many shards share the inputs' },
    workers: { type: 'string', valueName: '<n>', description: 'worker threads (default: the cores, at most 4)' },
    'batch-rows': { type: 'string', valueName: '<rows>', description: 'rows per mini-batch (default sized from the model: ~8 MiB a batch)' },
    'max-retries': { type: 'string', valueName: '<n>', default: '3', description: 'retries of a failed mini-batch' },
    'error-threshold': { type: 'string', valueName: '<rows|share%>', default: '0', description: 'failed rows allowed before the run fails, e.g. 100 or 0.5%' },
    progress: { type: 'string', valueName: '<mode>', choices: ['auto', 'bar', 'log', 'batches', 'none'], default: 'auto', description: 'bar on a terminal, log lines elsewhere (auto), a line per mini-batch, or none' },
    restart: { type: 'boolean', description: 'discard an unfinished run of other inputs or options in the output folder' },
    path: { type: 'string', valueName: '<dir>', description: 'repository root holding models/ (default: found upwards)' },
    backend: { type: 'string', valueName: '<auto|local|github>', choices: ['auto', 'local', 'github'], default: 'auto', description: 'where registry references are resolved' },
  },
  examples: [
    "modelship batch-score churn 'data/score/*.parquet' --output out/churn",
    "modelship batch-score churn 'data/*.arrow' --model .modelship/outputs/churn --format parquet --output out",
    "modelship batch-score churn 'data/*.parquet' --shard-index 0 --shard-count 4 --output out/shard-0",
    'modelship batch-score merge out/shard-*/manifest.json --output out/all',
  ],
  async run({ values, positionals }, io) {
    const batch = await import('../../batch/index.js')
    if (values.output === undefined) throw new UsageError('--output <dir> is required: the folder for predictions, manifest.json and the resumable state')
    const outputDir = resolve(io.cwd, values.output)
    if (positionals[0] === 'merge') {
      const result = await batch.mergeShards({ manifests: positionals.slice(1).map((p) => resolve(io.cwd, p)), outputDir })
      io.out(result.summary)
      io.err(`merged ${positionals.length - 1} shard manifests into ${result.manifestPath} (${result.manifest.counts.scored.toLocaleString('en-US')} rows)\n`)
      return 0
    }
    const [model, ...patterns] = positionals
    if (model === undefined) throw new UsageError('name the model (as in models/<name>/model.yaml) and the input files')
    const start = resolve(io.cwd, values.path ?? '.')
    const root = values.path === undefined ? ((await findRepositoryRoot(start)) ?? start) : start
    const [{ findModelSpec }, { resolveSource }, { openRegistry }] = await Promise.all([
      import('../../evaluate/find-spec.js'),
      import('../../serve/index.js'),
      import('../../registry/index.js'),
    ])
    const { spec } = await findModelSpec(root, model)
    const source = values.model ?? `${spec.name}#production`
    const resolved = await resolveSource(
      { source, name: spec.name, ...(values.model !== undefined ? { version: 'local' } : {}) },
      { cwd: io.cwd, registry: () => openRegistry({ backend: values.backend as 'auto' | 'local' | 'github', repoDir: root }), cacheDir: resolve(root, '.modelship', 'batch') },
    )
    const inputs = await batch.describeInputs(await batch.expandInputs(patterns, io.cwd), io.cwd)
    const mode = values.progress === 'auto' ? (process.stderr.isTTY ? 'bar' : 'log') : (values.progress as 'bar' | 'log' | 'batches' | 'none')
    const progress = batch.createProgress({ mode, write: (text) => io.err(text), columns: process.stderr.columns ?? 80 })
    const workers = intOption(values.workers, 'workers', 1)
    const batchRows = intOption(values['batch-rows'], 'batch-rows', 1)
    const result = await batch.batchScore({
      model: { path: resolved.path, name: resolved.name, version: resolved.version, source },
      task: spec.task,
      features: spec.data.features,
      inputs,
      outputDir,
      format: values.format as 'arrow' | 'parquet' | 'csv',
      shardIndex: intOption(values['shard-index'], 'shard-index', 0)!,
      shardCount: intOption(values['shard-count'], 'shard-count', 1)!,
      ...(workers !== undefined ? { workers } : {}),
      ...(batchRows !== undefined ? { batchRows } : {}),
      maxRetries: intOption(values['max-retries'], 'max-retries', 0)!,
      errorThreshold: batch.parseErrorThreshold(values['error-threshold']),
      ...(values.restart === true ? { restart: true } : {}),
      progress,
    })
    const { manifest } = result
    const title = `Batch scoring of ${manifest.model.name}, shard ${manifest.shard.index + 1} of ${manifest.shard.count}`
    if (result.failed) {
      io.out(batch.renderBatchSummary(manifest, title))
      io.err(`failed: ${manifest.counts.failed} rows failed (threshold ${manifest.errorThreshold}); the report is in ${result.manifestPath}\n`)
      return 1
    }
    io.err(`scored ${manifest.counts.scored.toLocaleString('en-US')} rows (${manifest.counts.failed} failed) into ${resolve(outputDir, manifest.outputs[0]!.path)}; manifest ${result.manifestPath}\n`)
    return 0
  },
})
