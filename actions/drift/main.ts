/**
 * actions/drift: the scheduled drift check of one model. Runs the check of src/drift (the same as
 * `modelship drift`), then publishes it: drift.json, the job summary and the model's drift issue,
 * with differential-privacy noise under monitor.privacy and a retraining dispatch under on-drift
 * retrain. Under act with no token the publication goes to .modelship/drift/<model>/ instead.
 * Drift itself does not fail the step (the issue is the signal); a refused privacy budget does.
 */
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import * as z from 'zod/mini'
import { actWithoutToken } from '../../src/action/act.js'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { readInputs } from '../../src/action/inputs.js'
import { actionRegistry } from '../../src/action/registry.js'
import { publishDriftLocally, publishDriftToGitHub, publishPolicy, renderDriftJson, runDriftCheck, type PublicationPlan } from '../../src/drift/index.js'
import { PrivacyBudgetError } from '../../src/errors.js'
import { findModelSpec } from '../../src/evaluate/find-spec.js'
import { readGitHubContext, readRunUrl } from '../../src/github/context.js'

/** Inputs of action.yml, camelCase. */
export const DriftInputs = z.object({
  model: z.string({ error: 'is required: the model name, as in models/<name>/model.yaml' }),
  current: z.optional(z.string()),
  reference: z.optional(z.string()),
  window: z.optional(z.string()),
  path: z._default(z.string(), '.'),
  out: z._default(z.string(), 'drift.json'),
  token: z.optional(z.string()),
})

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(DriftInputs, env)
  const root = resolve(env.workspace, inputs.path)
  const { spec } = await findModelSpec(root, inputs.model)
  const local = actWithoutToken(env.vars, inputs.token)
  const reference = inputs.reference ?? `${spec.name}#production`
  const report = await env.group(`Drift check of ${spec.name} against ${reference}`, () =>
    runDriftCheck({
      model: spec.name,
      reference,
      ...(inputs.current !== undefined ? { current: inputs.current } : {}),
      ...(inputs.window !== undefined ? { window: inputs.window } : {}),
      spec,
      cwd: env.workspace,
      registry: () => actionRegistry(env, root, inputs.token).backend,
    }),
  )
  const policy = publishPolicy(spec.monitor)
  let plan: PublicationPlan
  try {
    if (local) {
      env.annotate({ level: 'warning', title: 'Modelship drift', message: `running under act with no GitHub token: the drift issue and any retraining dispatch are written to .modelship/drift/${spec.name}/ in ${root}, not to GitHub.` })
      const result = await env.group('Publish locally', () => publishDriftLocally({ root, report, policy, retrainWorkflow: policy.retrainWorkflow }))
      plan = result.plan
      if (result.dispatch) env.info(`would dispatch ${result.dispatch.workflow} with operation=retrain model=${result.dispatch.inputs.model} reason=${result.dispatch.inputs.reason}`)
      env.setOutput('issue', '')
      env.setOutput('issue-url', '')
      env.setOutput('dispatched', String(result.dispatch !== null))
    } else {
      const context = readGitHubContext({ ...(inputs.token ? { token: inputs.token } : {}), env: env.vars })
      env.setSecret(context.token)
      const { createOctokit } = await import('../../src/github/octokit.js')
      const warn = (message: string) => void env.annotate({ level: 'warning', title: 'Modelship drift', message })
      const interval = env.vars.MODELSHIP_GITHUB_WRITE_INTERVAL_MS?.trim()
      const octokit = createOctokit({
        token: context.token,
        baseUrl: context.apiUrl,
        ...(interval && /^\d+$/.test(interval) ? { writeIntervalMs: Number(interval) } : {}),
        log: { debug: (m) => env.debug(m), info: (m) => env.info(m), warn, error: warn },
      })
      const summaryUrl = readRunUrl(env.vars)
      const result = await env.group('Publish the drift issue', () =>
        publishDriftToGitHub({
          octokit,
          owner: context.owner,
          repo: context.repo,
          report,
          policy,
          retrainWorkflow: policy.retrainWorkflow,
          ...(env.vars.GITHUB_REF_NAME ? { ref: env.vars.GITHUB_REF_NAME } : {}),
          ...(summaryUrl ? { summaryUrl } : {}),
        }),
      )
      plan = result.plan
      env.info(`drift issue #${result.issue.number} ${result.issue.action}: ${result.issue.url}`)
      if (result.dispatched) env.info(`dispatched ${policy.retrainWorkflow} for ${spec.name}: ${plan.retrain}`)
      env.setOutput('issue', String(result.issue.number))
      env.setOutput('issue-url', result.issue.url)
      env.setOutput('dispatched', String(result.dispatched))
    }
  } catch (error) {
    if (error instanceof PrivacyBudgetError) {
      // Fails closed: the summary says why and carries no number from the data.
      await env.summary(`## Modelship drift: ${spec.name} not published\n\n${error.message}\n`)
    }
    throw error
  }
  for (const warning of plan.warnings) env.annotate({ level: 'warning', title: 'Modelship drift', message: warning })
  if (plan.retrainSkipped) env.info(`retraining not dispatched: ${plan.retrainSkipped}`)
  const out = resolve(env.workspace, inputs.out)
  await writeFile(out, renderDriftJson(plan.published))
  env.setOutput('report', out)
  env.setOutput('drifted', String(report.dataset.drifted))
  await env.summary(plan.markdown)
}
