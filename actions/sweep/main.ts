/**
 * actions/sweep: one step of a sweep run as matrix jobs (reusable-workflows/modelship-sweep.yml).
 * `plan` puts the trials in the `matrix` output; `trial` trains and evaluates one trial on this
 * runner and leaves its folder (outputs, evaluation.json, trial.json) for upload; `select` reads
 * the downloaded trial folders and selects the winner with src/sweep's own selection, writes
 * sweep.json and puts the leaderboard in the job summary. The same steps as `modelship sweep plan |
 * trial | select`.
 */
import { join, resolve } from 'node:path'
import * as z from 'zod/mini'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { booleanInput } from '../../src/action/boolean-input.js'
import { readInputs } from '../../src/action/inputs.js'
import { actionRegistry } from '../../src/action/registry.js'
import { DataError, UsageError } from '../../src/errors.js'
import { resolveChampion } from '../../src/evaluate/index.js'
import { validateModelFile } from '../../src/spec/index.js'
import {
  SWEEP_FILE,
  TRIAL_FILE,
  expandTrials,
  renderLeaderboardMarkdown,
  runSweepTrial,
  selectFromTrials,
  sweepDir,
  sweepMatrix,
} from '../../src/sweep/index.js'
import { ActionsTrainCache, defaultTrainDirs, findModelSpecFile } from '../../src/train/index.js'
import { actionTrainLogger, hasActionsCache } from '../train/main.js'

/** Inputs of action.yml, camelCase. */
export const SweepInputs = z.object({
  operation: z.enum(['plan', 'trial', 'select'], { error: "expected 'plan', 'trial' or 'select'" }),
  model: z.string({ error: "is required: the model to sweep, e.g. 'churn' for models/churn/model.yaml" }),
  path: z._default(z.string(), '.'),
  trial: z.optional(z.string()),
  from: z.optional(z.string()),
  champion: z.optional(z.string()),
  cache: booleanInput('true'),
  token: z.optional(z.string()),
})

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(SweepInputs, env)
  if (inputs.operation === 'trial' && inputs.trial === undefined) throw new UsageError("input 'trial' is required with operation 'trial': a trial id from the plan, e.g. t01")
  if (inputs.operation === 'select' && inputs.from === undefined) throw new UsageError("input 'from' is required with operation 'select': the folder the trial artifacts were downloaded into")
  const root = resolve(env.workspace, inputs.path)
  const specFile = await findModelSpecFile(root, inputs.model)
  const validated = await validateModelFile(root, specFile)
  const spec = validated.spec
  if (spec === undefined) {
    const first = validated.problems.find((problem) => problem.severity === 'error')
    throw new DataError(`${specFile} is not a valid spec${first ? `: ${first.path ? `${first.path}: ` : ''}${first.message} (line ${first.line})` : ''}; run modelship validate and fix it`)
  }
  if (spec.train.sweep === undefined) throw new DataError(`${specFile} has no train.sweep: there is nothing to sweep; add one, e.g. sweep: { params: { C: [0.1, 1, 10] }, metric: roc_auc }`)

  if (inputs.operation === 'plan') {
    const matrix = sweepMatrix(spec, specFile)
    env.setOutput('matrix', JSON.stringify({ include: matrix.include }))
    env.setOutput('max-parallel', String(matrix.parallelism))
    env.setOutput('trials', String(matrix.include.length))
    env.info(`${spec.name}: ${matrix.include.length} trials, ${matrix.parallelism} at once${matrix.leftOut > 0 ? `; the budget leaves ${matrix.leftOut} grid combinations out` : ''}`)
    return
  }

  if (inputs.operation === 'select') {
    const result = await selectFromTrials({ repoRoot: root, specFile, spec, log: (line) => env.info(line) }, resolve(env.workspace, inputs.from!))
    const folder = join(root, sweepDir(spec.name))
    env.setOutput('sweep', join(folder, SWEEP_FILE))
    env.setOutput('selected', result.selected ?? '')
    env.setOutput('output-dir', result.selected === null ? '' : join(root, defaultTrainDirs(spec.name).outputDir))
    await env.summary(renderLeaderboardMarkdown(result))
    if (result.selected === null) env.setFailed(`${spec.name}: no trial selected: ${result.reason}`)
    else env.info(`selected ${result.selected}: ${result.reason}`)
    return
  }

  const trial = expandTrials(spec, spec.train.sweep).trials.find((candidate) => candidate.id === inputs.trial)
  if (trial === undefined) throw new UsageError(`${spec.name}'s sweep has no trial '${inputs.trial}'; the plan step's matrix lists them (modelship sweep plan ${spec.name})`)
  let championPath: string | undefined
  let championVersion: string | undefined
  if (inputs.champion === 'registry') {
    const { backend } = actionRegistry(env, root, inputs.token)
    const dir = join(env.vars.RUNNER_TEMP ?? root, `modelship-champion-${spec.name.replace(/[:/]/g, '=')}`)
    const champion = await env.group(`Download the production version of ${spec.name}`, () => resolveChampion({ backend, model: spec.name, dir }))
    if (champion) [championPath, championVersion] = [champion.path, champion.version]
    else env.info(`${spec.name} has no production version yet: only absolute thresholds are checked`)
  } else if (inputs.champion !== undefined) championPath = resolve(env.workspace, inputs.champion)
  const log = actionTrainLogger(env)
  const result = await runSweepTrial(
    {
      repoRoot: root,
      specFile,
      spec,
      ...(inputs.cache ? {} : { cache: false }),
      ...(championPath !== undefined ? { championPath } : {}),
      ...(championVersion !== undefined ? { championVersion } : {}),
      trainLog: () => log,
      log: (line) => env.info(line),
      trainOverrides: {
        env: { ...env.vars },
        ...(inputs.cache && hasActionsCache(env.vars) ? { trainCache: new ActionsTrainCache({ client: await import('@actions/cache'), log, workspace: env.workspace }) } : {}),
      },
    },
    trial,
  )
  const dir = join(root, sweepDir(spec.name), trial.id)
  env.setOutput('trial-dir', dir)
  env.setOutput('status', result.status)
  await env.summary(`### Sweep of ${spec.name}: ${trial.id} ${result.status}\n\n${trial.candidate}, ${Object.entries(trial.overrides).map(([name, value]) => `${name}=${String(value)}`).join(', ') || 'train.params'}${result.error ? `: ${result.error.stage} failed` : ''}\n`)
  // A failed gate is the select job's business (the trial is ranked out); a trial that did not train
  // or evaluate fails its job, after its trial.json is written for the select job to list.
  if (result.status === 'error') env.setFailed(`${trial.id} did not ${result.error?.stage ?? 'train'}: ${result.error?.message ?? ''} (recorded in ${join(sweepDir(spec.name), trial.id, TRIAL_FILE)})`)
}
