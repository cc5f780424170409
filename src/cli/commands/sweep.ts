/**
 * `modelship sweep <model>`: trains and evaluates every trial of the spec's train.sweep (at most
 * --parallelism at once, each cached on its own), selects the best trial that passes every gate and
 * fairness bound, makes its outputs the model's outputs and prints the leaderboard. Exit 0 when a
 * trial was selected, 1 when none passed or the spec is invalid, 2 on a usage error.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { displayPath } from '../../fs/display-path.js'
import { validateModelFile } from '../../spec/index.js'
import { defineCommand } from '../command.js'
import { checkOutputFile } from '../output-paths.js'
import { findRepositoryRoot } from '../validation-targets.js'

/** The sweep command. */
export const sweepCommand = defineCommand({
  name: 'sweep',
  summary: "train and evaluate every trial of train.sweep and select the best one that passes",
  usage: '<model> [options]',
  description: [
    "Expands models/<model>/model.yaml's train.sweep into trials (a grid, or a seeded random search,",
    'over params, for train.command and each alternative command), trains each as `modelship train',
    "--param` would, in .modelship/sweeps/<model>/<trial>/ (an unchanged trial is restored from the",
    'cache), evaluates each on the spec\'s test data, and selects the best by train.sweep.metric among',
    'the trials that pass every gate and fairness bound; a trial that fails to train or evaluate is',
    "listed with its error. The winner's outputs become .modelship/outputs/<model> (what registry",
    'register picks up) with sweep.json beside run.json. Writes .modelship/sweeps/<model>/sweep.json',
    'and leaderboard.md. Exits 0 when a trial was selected, 1 when none was, 2 on a usage error.',
  ].join('\n'),
  arguments: [{ name: 'model', description: "the model's name, as in models/<model>/model.yaml" }],
  options: {
    path: { type: 'string', valueName: '<repo>', description: 'repository root holding models/; default the nearest one at or above the current folder' },
    parallelism: { type: 'string', valueName: '<n>', description: 'trials trained at once; default train.sweep.parallelism' },
    champion: {
      type: 'string',
      valueName: '<path|registry>',
      description: "the champion's model.onnx for gates on changes; 'registry' takes the production version (as modelship evaluate); absent: thresholds only",
    },
    'no-cache': { type: 'boolean', description: 'train every trial even when the cache holds it' },
    markdown: { type: 'string', valueName: '<file>', description: 'also write the Markdown leaderboard to this file (a job summary, a comment)' },
    verbose: { type: 'boolean', description: "stream every trial's training output to stderr, each line prefixed with its trial" },
  },
  maxPositionals: 1,
  examples: ['modelship sweep churn', 'modelship sweep churn --parallelism 2 --markdown sweep.md', 'modelship sweep churn --champion registry'],
  async run({ values, positionals }, io) {
    const model = positionals[0]
    if (model === undefined) throw new UsageError("missing the model to sweep; give its name, e.g. 'modelship sweep churn'")
    let parallelism: number | undefined
    if (values.parallelism !== undefined) {
      parallelism = Number(values.parallelism)
      if (!/^\d+$/.test(values.parallelism.trim()) || parallelism < 1 || parallelism > 64) {
        throw new UsageError(`--parallelism '${values.parallelism}' is not a whole number from 1 to 64; e.g. --parallelism 2`)
      }
    }
    if (values.markdown !== undefined) await checkOutputFile(resolve(io.cwd, values.markdown), '--markdown', io.cwd)
    // Loaded here, not at start-up: training and evaluation pull in onnxruntime.
    const [{ findModelSpecFile }, { runSweep, sweepDir, renderLeaderboardMarkdown, renderLeaderboardText }, { openRegistry }, { resolveChampion }] = await Promise.all([
      import('../../train/index.js'),
      import('../../sweep/index.js'),
      import('../../registry/index.js'),
      import('../../evaluate/index.js'),
    ])
    const root = values.path !== undefined ? resolve(io.cwd, values.path) : ((await findRepositoryRoot(io.cwd)) ?? resolve(io.cwd))
    const specFile = await findModelSpecFile(root, model)
    const shown = (path: string): string => displayPath(resolve(root, path), io.cwd, root)
    const validated = await validateModelFile(root, specFile)
    for (const problem of validated.problems) {
      io.err(`${shown(problem.file)}:${problem.line}:${problem.column} ${problem.path ? `${problem.path}: ` : ''}${problem.severity === 'warning' ? 'warning: ' : ''}${problem.message}\n`)
    }
    const spec = validated.spec
    if (spec === undefined) {
      const errors = validated.problems.filter((problem) => problem.severity === 'error').length
      io.err(`modelship sweep: ${shown(specFile)} has ${errors} problem${errors === 1 ? '' : 's'}; fix ${errors === 1 ? 'it' : 'them'} and sweep again\n`)
      return 1
    }
    if (spec.train.sweep === undefined) {
      throw new UsageError(`${shown(specFile)} has no train.sweep; add one, e.g.\n  sweep: { params: { ${Object.keys(spec.train.params)[0] ?? 'C'}: [0.1, 1, 10] }, metric: ${spec.evaluate.metrics?.[0] ?? 'roc_auc'} }`)
    }
    let downloads: string | undefined
    try {
      let championPath: string | undefined
      let championVersion: string | undefined
      if (values.champion === 'registry') {
        downloads = await mkdtemp(join(tmpdir(), 'modelship-champion-'))
        const backend = openRegistry({ repoDir: root })
        const champion = await resolveChampion({ backend, model: spec.name, dir: downloads })
        if (champion) [championPath, championVersion] = [champion.path, champion.version]
        else io.err(`${spec.name} has no production version in ${backend.description}: only absolute thresholds are checked\n`)
      } else if (values.champion !== undefined) championPath = resolve(io.cwd, values.champion)
      const verbose = values.verbose === true
      const result = await runSweep({
        repoRoot: root,
        specFile,
        spec,
        ...(parallelism !== undefined ? { parallelism } : {}),
        ...(values['no-cache'] === true ? { cache: false } : {}),
        ...(championPath !== undefined ? { championPath } : {}),
        ...(championVersion !== undefined ? { championVersion } : {}),
        log: (line) => io.err(`${line}\n`),
        ...(verbose
          ? {
              trainLog: (trial) => ({
                info: (message: string) => io.err(`[${trial.id}] ${message}\n`),
                warning: (message: string) => io.err(`[${trial.id}] warning: ${message}\n`),
                output: (line: string) => io.err(`[${trial.id}] ${line}\n`),
                group: async <T>(name: string, fn: () => Promise<T>) => {
                  io.err(`[${trial.id}] == ${name}\n`)
                  return fn()
                },
              }),
            }
          : {}),
      })
      const markdown = renderLeaderboardMarkdown(result)
      const folder = join(root, sweepDir(spec.name))
      await writeFile(join(folder, 'leaderboard.md'), markdown)
      if (values.markdown !== undefined) await writeFile(resolve(io.cwd, values.markdown), markdown)
      io.out(renderLeaderboardText(result))
      io.out(`wrote ${shown(join(sweepDir(spec.name), 'sweep.json'))} and ${shown(join(sweepDir(spec.name), 'leaderboard.md'))}\n`)
      return result.selected === null ? 1 : 0
    } finally {
      if (downloads) await rm(downloads, { recursive: true, force: true })
    }
  },
})
