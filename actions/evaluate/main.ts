/**
 * actions/evaluate: evaluates a candidate against its champion on the spec's test data, writes
 * evaluation.json, puts the report in the job summary, and fails the step when a check fails.
 * Champion 'registry' reads the GitHub releases; under `act` (ACT=true) with no token it reads the
 * local registry of the checkout instead (tags in the repository, release files under refs/modelship/releases).
 */
import { join, resolve } from 'node:path'
import * as z from 'zod/mini'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { readInputs } from '../../src/action/inputs.js'
import { actionRegistry } from '../../src/action/registry.js'
import { evaluateModel, findModelSpec, resolveChampion, writeEvaluation, type EvaluationResult } from '../../src/evaluate/index.js'
import { GateFailedError } from '../../src/errors.js'
import { readRunUrl } from '../../src/github/context.js'
import { renderReport } from '../../src/report/render-report.js'
import { requestSweep } from '../../src/sweep/on-fail.js'

/** Inputs of action.yml, camelCase. */
export const EvaluateInputs = z.object({
  model: z.string({ error: 'is required: the model name, as in models/<name>/model.yaml' }),
  path: z._default(z.string(), '.'),
  candidate: z.string({ error: "is required: the candidate's model.onnx or its run folder" }),
  champion: z.optional(z.string()),
  output: z._default(z.string(), 'evaluation.json'),
  token: z.optional(z.string()),
})

/** The GateFailedError for a failed evaluation: every failed check, one line each. */
export function gateFailure(result: EvaluationResult): GateFailedError {
  const lines = [
    ...result.gates.filter((gate) => gate.status === 'failed').map((gate) => `- ${gate.check} on ${gate.metric}: ${gate.reason}`),
    ...(result.fairness?.gates ?? []).filter((gate) => gate.status === 'failed').map((gate) => `- fairness: ${gate.reason}`),
  ]
  return new GateFailedError(`${result.model} failed ${result.summary.failed} of ${result.summary.checks} evaluation checks:\n${lines.join('\n')}`)
}

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(EvaluateInputs, env)
  const root = resolve(env.workspace, inputs.path)
  const { spec } = await findModelSpec(root, inputs.model)
  let championPath: string | undefined
  let championVersion: string | undefined
  if (inputs.champion === 'registry') {
    const { backend } = actionRegistry(env, root, inputs.token)
    const dir = join(env.vars.RUNNER_TEMP ?? root, `modelship-champion-${spec.name.replace(/[:/]/g, '=')}`)
    const champion = await env.group(`Download the production version of ${spec.name}`, () => resolveChampion({ backend, model: spec.name, dir }))
    if (champion) {
      championPath = champion.path
      championVersion = champion.version
      env.info(`champion: ${champion.version}`)
    } else {
      env.info(`${spec.name} has no production version yet: only absolute thresholds are checked`)
    }
  } else if (inputs.champion !== undefined) {
    championPath = resolve(env.workspace, inputs.champion)
  }
  const result = await env.group(`Evaluate ${spec.name}`, () =>
    evaluateModel({
      repoRoot: root,
      spec,
      candidatePath: resolve(env.workspace, inputs.candidate),
      ...(championPath !== undefined ? { championPath } : {}),
      ...(championVersion !== undefined ? { championVersion } : {}),
      ...(readRunUrl(env.vars) !== undefined ? { workflowRunUrl: readRunUrl(env.vars)! } : {}),
      pathsRelativeTo: env.workspace,
      log: (line) => env.info(line),
    }),
  )
  const output = resolve(env.workspace, inputs.output)
  await writeEvaluation(output, result)
  env.info(`${spec.name}: ${result.verdict} (${result.summary.passed} passed, ${result.summary.failed} failed, ${result.summary.skipped} skipped); wrote ${output}`)
  env.setOutput('passed', String(result.passed))
  env.setOutput('evaluation', output)
  env.setOutput('verdict', result.verdict)
  // evaluate.on-fail: sweep: the workflow starts the sweep job when this is 'true'; the marker in the
  // workspace bounds it to once per commit within a job (a fresh runner starts without it).
  const request = await requestSweep(root, spec, result.passed, env.vars.GITHUB_SHA?.trim() || (result.training?.commit ?? null))
  env.setOutput('sweep-needed', String(request?.due === true))
  if (request) env.info(request.message)
  await env.summary(renderReport(result))
  if (!result.passed) throw gateFailure(result)
}
