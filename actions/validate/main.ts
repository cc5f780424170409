/**
 * actions/validate: checks every model spec and environment file, puts each problem on its YAML line
 * as an annotation, writes a job summary, and outputs the job matrix of models to train.
 */
import { resolve } from 'node:path'
import * as z from 'zod/mini'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { readInputs } from '../../src/action/inputs.js'
import { allProblems, problemAnnotation, renderValidationSummary, verdictLine } from '../../src/action/validation-summary.js'
import { planTraining } from '../../src/git/training-plan.js'
import { validateRepository } from '../../src/spec/index.js'
import { formatProblem, type SpecProblem } from '../../src/spec/problem.js'

/** Inputs of action.yml, camelCase. */
export const ValidateInputs = z.object({
  path: z._default(z.string(), '.'),
  changedSince: z.optional(z.string()),
})

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(ValidateInputs, env)
  const root = resolve(env.workspace, inputs.path)
  const report = await env.group(`Validate specs in ${inputs.path}`, () => validateRepository(root))
  const hidden: SpecProblem[] = []
  for (const problem of allProblems(report)) {
    if (!env.annotate(problemAnnotation(problem, report.root, env.workspace))) hidden.push(problem)
  }
  env.info(verdictLine(report))
  const plan = await planTraining(report, inputs.changedSince)
  env.info(
    plan.changedSince === undefined
      ? `models to train: ${plan.models.join(', ') || 'none'}`
      : `models changed since ${plan.changedSince}: ${plan.models.join(', ') || 'none'}`,
  )
  env.setOutput('valid', String(report.valid))
  env.setOutput('models', JSON.stringify(plan.matrix))
  await env.summary(renderValidationSummary(report, { hidden, plan }))
  if (!report.valid) {
    const first = allProblems(report).find((p) => p.severity === 'error')
    env.setFailed(
      `${verdictLine(report)}${first ? `; the first is ${first.file === '.' ? first.message : formatProblem(first)}` : ''}. ` +
        'Each problem is annotated on its line (GitHub shows the first 10) and listed in the job summary.',
    )
  }
}
