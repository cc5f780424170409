/**
 * actions/train: validates a model's spec, trains it on this runner as the spec says (environment,
 * GPU preflight and sampling, time limit, retries) or restores it from the cache, checks that
 * model.onnx fits the spec, and reports the run in outputs and the job summary.
 */
import { join, resolve } from 'node:path'
import * as z from 'zod/mini'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { booleanInput } from '../../src/action/boolean-input.js'
import { readInputs } from '../../src/action/inputs.js'
import { problemAnnotation } from '../../src/action/validation-summary.js'
import { isUserError } from '../../src/errors.js'
import { formatProblem } from '../../src/spec/problem.js'
import { validateModelFile } from '../../src/spec/index.js'
import {
  ActionsTrainCache,
  RUN_RECORD_FILE,
  findModelSpecFile,
  train,
  trainOptionsFromSpec,
  type TrainLogger,
} from '../../src/train/index.js'
import { renderTrainFailure, renderTrainSummary } from './summary.js'


/** Inputs of action.yml, camelCase. */
export const TrainInputs = z.object({
  model: z.string({ error: "the model to train is required, e.g. 'churn' for models/churn/model.yaml" }),
  path: z._default(z.string(), '.'),
  cache: booleanInput('true'),
  gpuSampleInterval: z._default(
    z.coerce
      .number({ error: 'expected a number of seconds' })
      .check(z.positive({ error: 'expected a number of seconds above 0' }), z.maximum(3600, { error: 'expected at most 3600 seconds' })),
    10,
  ),
})

/**
 * True when the runner offers the GitHub Actions cache service (as `@actions/cache` decides it:
 * ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL is set); elsewhere (`act` without its cache server, a
 * laptop) the local folder cache under .modelship/cache is used.
 */
export function hasActionsCache(vars: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(vars.ACTIONS_RESULTS_URL || vars.ACTIONS_CACHE_URL)
}

/** Training phases as log groups (GitHub cannot nest them, so an inner phase is a plain heading), warnings as annotations. */
export function actionTrainLogger(env: ActionEnv): TrainLogger {
  let open = false
  return {
    info: (message) => env.info(message),
    warning: (message) => void env.annotate({ level: 'warning', title: 'Modelship train', message }),
    // Through env.info, so a line of training output that looks like a workflow command is not run as one.
    output: (line) => env.info(line),
    group: async (name, fn) => {
      if (open) {
        env.info(`== ${name}`)
        return fn()
      }
      open = true
      try {
        return await env.group(name, fn)
      } finally {
        open = false
      }
    },
  }
}

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(TrainInputs, env)
  const root = resolve(env.workspace, inputs.path)
  const specFile = await findModelSpecFile(root, inputs.model)
  const validated = await env.group(`Validate ${specFile}`, () => validateModelFile(root, specFile))
  for (const problem of validated.problems) {
    env.annotate(problemAnnotation(problem, root, env.workspace))
    env.info(formatProblem(problem))
  }
  const spec = validated.spec
  if (spec === undefined) {
    const errors = validated.problems.filter((problem) => problem.severity === 'error')
    const message =
      `${specFile} is not a valid spec (${errors.length} problem${errors.length === 1 ? '' : 's'})` +
      `${errors[0] !== undefined ? `; the first is ${formatProblem(errors[0])}` : ''}. ` +
      'Each problem is annotated on its line; fix them and run again.'
    await env.summary(renderTrainFailure(inputs.model, message))
    env.setFailed(message)
    return
  }

  const log = actionTrainLogger(env)
  const useActionsCache = hasActionsCache(env.vars)
  const options = await trainOptionsFromSpec(root, specFile, spec, {
    log,
    cache: inputs.cache,
    env: { ...env.vars },
    gpuSampleIntervalMs: inputs.gpuSampleInterval * 1000,
    ...(useActionsCache
      ? { trainCache: new ActionsTrainCache({ client: await import('@actions/cache'), log, workspace: env.workspace }) }
      : {}),
  })
  env.info(
    options.cache
      ? `Cache: ${useActionsCache ? 'the GitHub Actions cache' : `the local folder ${join(options.stateDir, 'cache')} (no Actions cache service on this runner)`}`
      : `Cache: off (${spec.train.cache ? "the cache input is 'false'" : 'train.cache is false in the spec'})`,
  )

  let result
  try {
    result = await train(options)
  } catch (error) {
    if (isUserError(error)) await env.summary(renderTrainFailure(spec.name, error.message))
    throw error
  }
  const { record, outputDir } = result
  env.setOutput('output-dir', outputDir)
  env.setOutput('run-record', join(outputDir, RUN_RECORD_FILE))
  env.setOutput('cache-hit', String(record.cache.hit))
  env.setOutput('attempts', String(record.attempts.length))
  env.setOutput('duration-seconds', (record.timing.durationMs / 1000).toFixed(1))
  // Apart, so a first run's environment build is not read as slow training.
  env.setOutput('setup-seconds', ((record.timing.setupMs ?? 0) / 1000).toFixed(1))
  env.setOutput('training-seconds', ((record.timing.trainingMs ?? 0) / 1000).toFixed(1))
  await env.summary(renderTrainSummary(record, { workspace: env.workspace, outputDir, keyMetrics: spec.evaluate.metrics }))
}
