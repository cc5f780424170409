/**
 * `modelship evaluate <model> [--candidate <path>]`: evaluates a candidate (default: the latest
 * training's outputs) against the spec (and a champion) on the test data and prints the result as
 * text, JSON or the Markdown report. The evaluation is recorded with the training run that made the
 * model (`.modelship/runs/<model>/<id>/evaluation.json`, where `registry register` looks); --out
 * also writes it elsewhere. Exit 0 when every check passed, 1 when one failed.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { displayPath } from '../../fs/display-path.js'
import { isDirectory } from '../../fs/file-kind.js'
import { defaultTrainDirs } from '../../train/train-dirs.js'
import { runEvaluationFile } from '../../train/runs-store.js'
import { defineCommand } from '../command.js'
import { checkOutputFile } from '../output-paths.js'
import { findRepositoryRoot } from '../validation-targets.js'

/** The evaluate command. */
export const evaluateCommand = defineCommand({
  name: 'evaluate',
  summary: 'evaluate a candidate model against its champion: metrics, gates, fairness, explanations',
  usage: '<model> [--candidate <path>] [options]',
  description: [
    "Runs the candidate (and the champion, on the same rows) over the spec's test data and computes the",
    "spec's metrics, its gates (MLflow MetricThreshold semantics; without a champion only thresholds),",
    'fairness per sensitive feature and feature attributions. The candidate defaults to the latest',
    "training's outputs (.modelship/outputs/<model>). The evaluation is kept with the training run that",
    'made the model (.modelship/runs/<model>/<run>/evaluation.json): `modelship runs` shows its test',
    'metrics and `modelship registry register <model>` finds it there. Exits 0 when every check passed,',
    '1 when one failed, 2 on a usage error.',
  ].join('\n'),
  arguments: [{ name: 'model', description: 'the model name, as in models/<name>/model.yaml' }],
  options: {
    candidate: {
      type: 'string',
      valueName: '<path>',
      description: "the candidate's model.onnx, or the run folder holding it (and run.json); default the latest training's outputs, .modelship/outputs/<model>",
    },
    champion: {
      type: 'string',
      valueName: '<path|registry>',
      description:
        "the champion's model.onnx; 'registry' takes the production version from the registry (GitHub with GITHUB_TOKEN and GITHUB_REPOSITORY, as modelship registry does; else the local one); absent: no champion",
    },
    out: { type: 'string', valueName: '<file>', description: 'also write the evaluation to this file (evaluation.json)' },
    format: { type: 'string', valueName: '<text|json|markdown>', choices: ['text', 'json', 'markdown'], default: 'text', description: 'output format' },
    path: { type: 'string', valueName: '<dir>', description: 'repository root holding models/ (default: the nearest one at or above the current folder)' },
    'no-explain': { type: 'boolean', description: 'skip feature attributions (faster)' },
  },
  maxPositionals: 1,
  examples: [
    'modelship evaluate churn',
    'modelship evaluate churn --champion registry',
    'modelship evaluate churn --candidate runs/churn/model.onnx',
    'modelship evaluate churn --candidate runs/churn --champion champion/model.onnx --out evaluation.json',
    'modelship evaluate churn --candidate runs/churn --champion registry --format markdown',
  ],
  async run({ values, positionals }, io) {
    const model = positionals[0]
    if (model === undefined) throw new UsageError('missing the model name, e.g. modelship evaluate churn --candidate model.onnx')
    // Before the evaluation, not after it: a folder or a file on the way is the user's to fix at once.
    if (values.out !== undefined) await checkOutputFile(resolve(io.cwd, values.out), '--out', io.cwd)
    // Loaded here, not at start-up: evaluation pulls in onnxruntime, which every other command would pay for.
    const [{ evaluateModel, findModelSpec, resolveChampion, writeEvaluation }, { openRegistry }, { renderEvaluationText }, { renderReport }] =
      await Promise.all([
        import('../../evaluate/index.js'),
        import('../../registry/index.js'),
        import('../../report/render-text.js'),
        import('../../report/render-report.js'),
      ])
    const start = resolve(io.cwd, values.path ?? '.')
    const root = values.path === undefined ? ((await findRepositoryRoot(start)) ?? start) : start
    const { spec } = await findModelSpec(root, model)
    const dirs = defaultTrainDirs(spec.name)
    let candidatePath: string
    if (values.candidate !== undefined) candidatePath = resolve(io.cwd, values.candidate)
    else {
      candidatePath = join(root, dirs.outputDir)
      if (!(await isDirectory(candidatePath))) {
        throw new UsageError(
          `${spec.name} has no training outputs in ${displayPath(candidatePath, io.cwd, root)}; train it first (modelship train ${spec.name}), or pass --candidate <model.onnx or run folder>`,
        )
      }
    }
    let championPath: string | undefined
    let championVersion: string | undefined
    let downloads: string | undefined
    try {
      if (values.champion === 'registry') {
        downloads = await mkdtemp(join(tmpdir(), 'modelship-champion-'))
        // The same registry `modelship registry` uses, so evaluate and register agree on the champion.
        const backend = openRegistry({ repoDir: root })
        const champion = await resolveChampion({ backend, model: spec.name, dir: downloads })
        if (champion) [championPath, championVersion] = [champion.path, champion.version]
        else io.err(`${spec.name} has no production version in ${backend.description}: only absolute thresholds are checked\n`)
      } else if (values.champion !== undefined) {
        championPath = resolve(io.cwd, values.champion)
      }
      const result = await evaluateModel({
        repoRoot: root,
        spec,
        candidatePath,
        ...(championPath !== undefined ? { championPath } : {}),
        ...(championVersion !== undefined ? { championVersion } : {}),
        pathsRelativeTo: io.cwd,
        explain: values['no-explain'] !== true,
      })
      if (values.out !== undefined) await writeEvaluation(resolve(io.cwd, values.out), result)
      // Kept with the run that made the model, so a later training cannot erase it and register finds it.
      const runId = result.training?.runId
      const kept =
        runId === undefined ? undefined : await runEvaluationFile(join(root, dirs.runsDir), spec.name, runId, result.candidate.sha256)
      if (kept !== undefined) await writeEvaluation(kept, result)
      const recorded = kept === undefined ? '' : `recorded with run ${runId} in ${displayPath(kept, io.cwd, root)}\n`
      if (values.format === 'json') io.out(`${JSON.stringify(result, null, 2)}\n`)
      else if (values.format === 'markdown') io.out(renderReport(result))
      else io.out(renderEvaluationText(result) + (values.out !== undefined ? `wrote ${values.out}\n` : '') + recorded)
      // JSON and Markdown keep stdout for the document alone.
      if (values.format !== 'text' && recorded) io.err(recorded)
      // evaluate.on-fail: sweep says a sweep is due (once per commit); it does not start one here.
      const { requestSweep } = await import('../../sweep/on-fail.js')
      const request = await requestSweep(root, spec, result.passed, result.training?.commit ?? null)
      if (request) io.err(`${request.message}\n`)
      return result.passed ? 0 : 1
    } finally {
      if (downloads) await rm(downloads, { recursive: true, force: true })
    }
  },
})
