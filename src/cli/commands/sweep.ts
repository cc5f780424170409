/**
 * `modelship sweep <model>`: trains and evaluates every trial of the spec's train.sweep (at most
 * --parallelism at once, each cached on its own), selects the best trial that passes every gate and
 * fairness bound, makes its outputs the model's outputs and prints the leaderboard. Exit 0 when a
 * trial was selected, 1 when none passed or the spec is invalid, 2 on a usage error.
 * The same sweep as matrix jobs (reusable-workflows/modelship-sweep.yml): `sweep plan <model> --json`
 * prints the trials as a job matrix, `sweep trial <model> <id>` runs one, and `sweep select <model>
 * --from <dir>` selects among the trial folders the jobs uploaded, exactly as the local sweep does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { displayPath } from '../../fs/display-path.js'
import { validateModelFile } from '../../spec/index.js'
import { defineCommand } from '../command.js'
import type { RunSweepOptions, SweepResult } from '../../sweep/index.js'
import { checkOutputFile } from '../output-paths.js'
import { findRepositoryRoot } from '../validation-targets.js'

/** The sweep command. */
export const sweepCommand = defineCommand({
  name: 'sweep',
  summary: "train and evaluate every trial of train.sweep and select the best one that passes",
  usage: '<model> [options] | plan <model> [--json] | trial <model> <trial> | select <model> --from <dir>',
  description: [
    "Expands models/<model>/model.yaml's train.sweep into trials (a grid, or a seeded random search,",
    'over params, for train.command and each alternative command), trains each as `modelship train',
    "--param` would, in .modelship/sweeps/<model>/<trial>/ (an unchanged trial is restored from the",
    'cache), evaluates each on the spec\'s test data, and selects the best by train.sweep.metric among',
    'the trials that pass every gate and fairness bound; a trial that fails to train or evaluate is',
    "listed with its error. The winner's outputs become .modelship/outputs/<model> (what registry",
    'register picks up) with sweep.json beside run.json. Writes .modelship/sweeps/<model>/sweep.json',
    'and leaderboard.md. Exits 0 when a trial was selected, 1 when none was, 2 on a usage error.',
    '',
    'As matrix jobs (reusable-workflows/modelship-sweep.yml): `plan` prints the trials (with --json, a',
    'strategy.matrix of the trial ids on the spec\'s runners); `trial` trains and evaluates one trial and',
    "writes its trial.json beside its outputs (exit 0 when it trained and evaluated, whether or not it",
    "passed); `select` reads <dir>/<trial>/trial.json for every planned trial (a missing one is listed as",
    "an error) and selects, writes and prints as the local sweep does.",
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
    json: { type: 'boolean', description: 'with plan: print the job matrix as JSON' },
    from: { type: 'string', valueName: '<dir>', description: 'with select: the folder holding one <trial>/ folder per trial (the downloaded artifacts)' },
    verbose: { type: 'boolean', description: "stream every trial's training output to stderr, each line prefixed with its trial" },
  },
  maxPositionals: 3,
  examples: ['modelship sweep churn', 'modelship sweep plan churn --json', 'modelship sweep trial churn t02', 'modelship sweep select churn --from trials/', 'modelship sweep churn --parallelism 2 --markdown sweep.md', 'modelship sweep churn --champion registry'],
  async run({ values, positionals }, io) {
    // One positional is always a model (a model may be called 'plan'); two or three start with a verb.
    const verb = positionals.length > 1 ? positionals[0]! : 'run'
    if (!['run', 'plan', 'trial', 'select'].includes(verb)) throw new UsageError(`unknown sweep step '${verb}'; use plan, trial or select, or give only the model, e.g. 'modelship sweep churn'`)
    const model = verb === 'run' ? positionals[0] : positionals[1]
    if (model === undefined) throw new UsageError("missing the model to sweep; give its name, e.g. 'modelship sweep churn'")
    const trialId = positionals[2]
    if (verb === 'trial' && trialId === undefined) throw new UsageError(`missing the trial to run; e.g. 'modelship sweep trial ${model} t01' (modelship sweep plan ${model} lists them)`)
    if (verb !== 'trial' && trialId !== undefined) throw new UsageError(`unexpected '${trialId}': only 'sweep trial <model> <trial>' takes a third argument`)
    if (verb === 'select' && values.from === undefined) throw new UsageError(`select needs --from <dir>, the folder holding one <trial>/ folder per trial, e.g. 'modelship sweep select ${model} --from trials'`)
    if (verb !== 'select' && values.from !== undefined) throw new UsageError('--from is for sweep select only')
    if (verb !== 'plan' && values.json === true) throw new UsageError('--json is for sweep plan only')
    let parallelism: number | undefined
    if (values.parallelism !== undefined) {
      parallelism = Number(values.parallelism)
      if (!/^\d+$/.test(values.parallelism.trim()) || parallelism < 1 || parallelism > 64) {
        throw new UsageError(`--parallelism '${values.parallelism}' is not a whole number from 1 to 64; e.g. --parallelism 2`)
      }
    }
    if (values.markdown !== undefined) await checkOutputFile(resolve(io.cwd, values.markdown), '--markdown', io.cwd)
    // Loaded here, not at start-up: training and evaluation pull in onnxruntime.
    const [{ findModelSpecFile }, { runSweep, runSweepTrial, expandTrials, sweepMatrix, selectFromTrials, sweepDir, TRIAL_FILE, renderLeaderboardMarkdown, renderLeaderboardText }, { openRegistry }, { resolveChampion }] = await Promise.all([
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
    const writeLeaderboard = async (result: SweepResult): Promise<number> => {
      const markdown = renderLeaderboardMarkdown(result)
      const folder = join(root, sweepDir(spec.name))
      await writeFile(join(folder, 'leaderboard.md'), markdown)
      if (values.markdown !== undefined) await writeFile(resolve(io.cwd, values.markdown), markdown)
      io.out(renderLeaderboardText(result))
      io.out(`wrote ${shown(join(sweepDir(spec.name), 'sweep.json'))} and ${shown(join(sweepDir(spec.name), 'leaderboard.md'))}\n`)
      return result.selected === null ? 1 : 0
    }
    if (verb === 'plan') {
      const matrix = sweepMatrix(spec, specFile)
      if (values.json === true) io.out(`${JSON.stringify(matrix)}\n`)
      else {
        for (const entry of matrix.include) io.out(`${entry.trial}  ${entry.candidate}  ${entry.params}\n`)
        io.out(`${matrix.include.length} trial${matrix.include.length === 1 ? '' : 's'}, ${matrix.parallelism} at once, on ${matrix.include[0]?.['runs-on'].join(', ') ?? '-'}${matrix.leftOut > 0 ? `; the budget leaves ${matrix.leftOut} grid combinations out` : ''}\n`)
      }
      return 0
    }
    if (verb === 'select') {
      const result = await selectFromTrials({ repoRoot: root, specFile, spec, log: (line) => io.err(`${line}\n`) }, resolve(io.cwd, values.from!))
      return writeLeaderboard(result)
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
      const options: RunSweepOptions = {
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
      }
      if (verb === 'trial') {
        const trial = expandTrials(spec, spec.train.sweep).trials.find((candidate) => candidate.id === trialId)
        if (trial === undefined) throw new UsageError(`${spec.name}'s sweep has no trial '${trialId}'; modelship sweep plan ${model} lists them`)
        const result = await runSweepTrial(options, trial)
        const where = shown(join(sweepDir(spec.name), trial.id, TRIAL_FILE))
        if (result.status === 'error') {
          io.err(`modelship sweep: ${trial.id} did not ${result.error?.stage ?? 'train'}: ${result.error?.message ?? ''}\n`)
          io.out(`wrote ${where}\n`)
          return 1
        }
        io.out(`${trial.id} ${result.status}; wrote ${where}\n`)
        return 0
      }
      return await writeLeaderboard(await runSweep(options))
    } finally {
      if (downloads) await rm(downloads, { recursive: true, force: true })
    }

  },
})
