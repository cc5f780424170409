/**
 * `modelship train <model>`: validates the model's spec, trains it (or restores it from the local
 * cache) with the training command's output streamed to stderr, and prints where the outputs and
 * run.json are. Exit 0 on success, 1 when the spec is invalid or training fails.
 */
import { resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { displayPath } from '../../fs/display-path.js'
import { validateModelFile } from '../../spec/index.js'
import { METRICS_SOURCE, RUN_RECORD_FILE, type RunRecord } from '../../train/run-record.js'
import { formatDuration } from '../../format-duration.js'
import { formatNumber } from '../../train/runs-store.js'
import { streamTrainLogger } from '../../train/logger.js'
import { defineCommand } from '../command.js'
import { checkOutputFolder, holdsFile } from '../output-paths.js'
import { findRepositoryRoot } from '../validation-targets.js'

/** The train command. */
export const trainCommand = defineCommand({
  name: 'train',
  summary: "train a model as its spec says, or restore it from the cache",
  usage: '<model> [options]',
  description: [
    'Validates models/<model>/model.yaml, then runs its train.command in train.working-directory with',
    'the spec\'s environment, GPUs, time limit and retries. The command\'s output streams to stderr. The',
    'outputs (model.onnx, metrics.json, run.json) land in .modelship/outputs/<model> once model.onnx',
    'loads and fits the spec\'s task and features; every run is also kept in .modelship/runs/<model>.',
    'When the spec, code, data and environment are unchanged, the outputs come from the local cache',
    '(.modelship/cache) and nothing is trained. Exits 0 on success, 1 on an invalid spec or a failed',
    'training, 2 on a usage error.',
  ].join('\n'),
  arguments: [{ name: 'model', description: "the model's name, as in models/<model>/model.yaml ('dir:name' for models/dir/name/)" }],
  options: {
    path: {
      type: 'string',
      valueName: '<repo>',
      description: 'repository root holding models/; default the nearest folder at or above the current one that holds models/',
    },
    'no-cache': { type: 'boolean', description: 'train even when the cache holds these outputs; the cache is neither read nor written' },
    out: { type: 'string', valueName: '<dir>', description: 'put the outputs in <dir> instead of .modelship/outputs/<model>' },
    param: {
      type: 'string',
      valueName: '<name=value>',
      multiple: true,
      description: "set one of train.params for this run (repeat for more); the value is YAML (0.5, true, [1, 2], text); recorded in run.json",
    },
    'run-as': {
      type: 'string',
      valueName: '<user>',
      description: 'run the training command as this user (needs root; default $MODELSHIP_TRAIN_USER): its outputs folder and HOME are writable by it alone, and it cannot read the runner\'s processes',
    },
  },
  maxPositionals: 1,
  examples: [
    'modelship train churn',
    'modelship train churn --path example-repo --no-cache',
    'modelship train churn --out build/churn',
    'modelship train churn --param C=0.5 --param max_iter=200',
    'sudo -E modelship train churn --run-as modelship-train',
  ],
  async run({ values, positionals }, io) {
    const model = positionals[0]
    if (model === undefined) {
      throw new UsageError("missing the model to train; give its name, e.g. 'modelship train churn'")
    }
    // Loaded here, not at start-up: training pulls in onnxruntime, which every other command would pay for.
    const { findModelSpecFile, parseParamOverrides, train, trainOptionsFromSpec } = await import('../../train/index.js')
    const root = values.path !== undefined ? resolve(io.cwd, values.path) : ((await findRepositoryRoot(io.cwd)) ?? resolve(io.cwd))
    const specFile = await findModelSpecFile(root, model)
    const shown = (path: string): string => displayPath(resolve(root, path), io.cwd, root)

    const validated = await validateModelFile(root, specFile)
    for (const problem of validated.problems) {
      const label = problem.severity === 'warning' ? 'warning: ' : ''
      io.err(`${shown(problem.file)}:${problem.line}:${problem.column} ${problem.path ? `${problem.path}: ` : ''}${label}${problem.message}\n`)
    }
    if (validated.spec === undefined) {
      const errors = validated.problems.filter((problem) => problem.severity === 'error').length
      io.err(`modelship train: ${shown(specFile)} has ${errors} problem${errors === 1 ? '' : 's'}; fix ${errors === 1 ? 'it' : 'them'} and train again (modelship validate checks the whole repository)\n`)
      return 1
    }

    // Before any work: --out is replaced as a whole, so it must be new, empty, or an earlier run's outputs.
    if (values.out !== undefined) {
      await checkOutputFolder(resolve(io.cwd, values.out), '--out', io.cwd, { owns: (dir) => holdsFile(dir, 'run.json'), what: "run.json of an earlier training" })
    }
    const noCache = values['no-cache'] === true
    const paramOverrides = parseParamOverrides(values.param ?? [], validated.spec.train.params, specFile)
    const options = await trainOptionsFromSpec(root, specFile, validated.spec, {
      paramOverrides,
      // Progress on stderr, so stdout carries only the result.
      log: streamTrainLogger((text) => io.err(text)),
      cache: !noCache,
      ...(values.out !== undefined ? { outputDir: resolve(io.cwd, values.out) } : {}),
    })
    const result = await train({ ...options, ...(values['run-as'] !== undefined ? { trainUser: values['run-as'] } : {}) })
    io.out(describeRun(result.record, { outputDir: shown(result.outputDir), runDir: result.runDir && shown(result.runDir), noCache, specCache: validated.spec.train.cache }))
    return 0
  },
})

/** What the run did, for stdout: a verdict line, then the outputs, run.json, the kept run, the cache, GPUs and metrics. */
function describeRun(
  record: RunRecord,
  where: { outputDir: string; runDir: string | undefined; noCache: boolean; specCache: boolean },
): string {
  const attempts = record.attempts.length
  const lines = [
    record.cache.hit
      ? `Restored ${record.model} from the cache in ${formatDuration(record.timing.durationMs)}: run ${record.id} (training skipped)`
      : `Trained ${record.model} in ${formatDuration(record.timing.durationMs)}${describeParts(record)}: run ${record.id} (${attempts} attempt${attempts === 1 ? '' : 's'})`,
  ]
  const row = (label: string, value: string): void => void lines.push(`  ${label.padEnd(11)} ${value}`)
  row('outputs', where.outputDir)
  row('run record', `${where.outputDir}/${RUN_RECORD_FILE}`)
  if (where.runDir !== undefined) row('kept as', where.runDir)
  row('cache', describeCache(record, where))
  const python = record.environment.python
  if (python !== undefined) {
    row('python', `${python.version}, ${python.packages.length} package${python.packages.length === 1 ? '' : 's'}${python.installer !== undefined ? `, built with ${python.installer}` : ''}`)
  }
  if (record.paramOverrides !== undefined) {
    row('params', Object.entries(record.paramOverrides).map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(' ') + ' (from --param)')
  }
  for (const device of record.gpu?.devices ?? []) {
    const utilization = device.utilizationPercent
    const memory = device.memoryUsedMiB
    row(
      'gpu',
      `${device.index} ${device.name}: utilization ${utilization ? `peak ${formatNumber(utilization.peak)}%, mean ${formatNumber(utilization.mean)}%` : 'not sampled'}` +
        `; memory ${memory ? `peak ${formatNumber(memory.peak)} MiB` : 'not sampled'}${device.memoryTotalMiB !== null ? ` of ${device.memoryTotalMiB} MiB` : ''}` +
        ` (${device.samples} sample${device.samples === 1 ? '' : 's'})`,
    )
  }
  // Labelled with their data: these are the training script's own numbers, not a test-set evaluation.
  const metrics = Object.entries(record.metrics)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([name, value]) => `${METRICS_SOURCE}:${name}=${formatNumber(value)}`)
  row(
    'metrics',
    metrics.length > 0
      ? `${metrics.join(' ')} (metrics.json of the training command; test metrics: modelship evaluate ${record.model})`
      : `none from training (it wrote no metrics.json); test metrics: modelship evaluate ${record.model}`,
  )
  return `${lines.join('\n')}\n`
}

/** ` (environment 1m40s, training 12.3s)`: the set-up apart, so a first run's slow install is not read as slow training. */
function describeParts(record: RunRecord): string {
  const { setupMs, trainingMs } = record.timing
  if (setupMs === undefined || trainingMs === undefined) return ''
  return ` (environment ${formatDuration(setupMs)}, training ${formatDuration(trainingMs)})`
}

function describeCache(record: RunRecord, where: { noCache: boolean; specCache: boolean }): string {
  if (record.cache.hit) {
    const from = record.cache.restoredFrom
    return `hit: ${record.cache.key}${from ? ` (trained by run ${from.id}${from.commit ? ` at commit ${from.commit.slice(0, 7)}` : ''})` : ''}`
  }
  if (!where.specCache) return 'off (train.cache is false in the spec)'
  if (where.noCache) return 'off (--no-cache)'
  return `miss; saved under ${record.cache.key}`
}
