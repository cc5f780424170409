/**
 * `modelship runs <model>`: the model's kept runs, newest first; with --compare, two runs side by
 * side (params, metrics, commit, duration). Runs are read from .modelship/runs/<model>/.
 */
import { join, resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { defineCommand } from '../command.js'
import { findRepositoryRoot } from '../validation-targets.js'

/** The runs command. */
export const runsCommand = defineCommand({
  name: 'runs',
  summary: "list a model's training runs, or compare two",
  usage: '<model> [--compare [A B]] [options]',
  description: [
    'Lists the runs `modelship train` kept in .modelship/runs/<model>, newest first: run id, start time',
    '(UTC), commit (+ when the tree had uncommitted changes), duration, status (trained, cached: the',
    'outputs came from the cache, failed: kept with why in its run.json), the verdict of its evaluation',
    'once `modelship evaluate` judged it, and the first metrics, each labelled with its data: test: from',
    'the evaluation on data.test, train: from the training script\'s metrics.json. With --compare, shows',
    'runs A and B side by side with B - A for each param and metric; A and B are run ids, unique',
    'prefixes of one, latest or previous (default: previous latest).',
  ].join('\n'),
  arguments: [
    { name: 'model', description: "the model's name, as in models/<model>/model.yaml" },
    { name: 'A B', description: 'with --compare: the two runs to compare (default previous latest)' },
  ],
  options: {
    path: {
      type: 'string',
      valueName: '<repo>',
      description: 'repository root holding .modelship/; default the nearest folder at or above the current one that holds models/',
    },
    compare: { type: 'boolean', description: 'compare two runs instead of listing them' },
  },
  maxPositionals: 3,
  examples: ['modelship runs churn', 'modelship runs churn --compare', 'modelship runs churn --compare 20260126T1815 latest'],
  async run({ values, positionals }, io) {
    const [model, ...refs] = positionals
    if (model === undefined) throw new UsageError("missing the model; give its name, e.g. 'modelship runs churn'")
    if (values.compare !== true && refs.length > 0) {
      throw new UsageError(`too many arguments: ${refs.map((ref) => `'${ref}'`).join(', ')}; to compare two runs add --compare`)
    }
    if (refs.length === 1) throw new UsageError(`--compare takes two runs (A and B) or none; got only '${refs[0]}'`)
    // Loaded here, not at start-up: the training core pulls in onnxruntime.
    const { MODELSHIP_DIR, findRun, formatRunComparison, formatRunList, listRuns } = await import('../../train/index.js')
    const root = values.path !== undefined ? resolve(io.cwd, values.path) : ((await findRepositoryRoot(io.cwd)) ?? resolve(io.cwd))
    const runsDir = join(root, MODELSHIP_DIR, 'runs')
    const skipped = (problem: string) => io.err(`warning: skipped a run: ${problem}\n`)
    if (values.compare !== true) {
      const runs = await listRuns(runsDir, model, skipped)
      // No runs and no spec is a typo, not an untrained model: say which models there are.
      if (runs.length === 0) {
        const { findModelSpecFile } = await import('../../evaluate/find-spec.js')
        await findModelSpecFile(root, model)
      }
      io.out(`${formatRunList(model, runs)}\n`)
      return 0
    }
    const [first = 'previous', second = 'latest'] = refs
    const a = await findRun(runsDir, model, first, skipped)
    const b = await findRun(runsDir, model, second)
    io.out(`${formatRunComparison(a.record, b.record, { a: a.evaluation, b: b.evaluation })}\n`)
    return 0
  },
})
