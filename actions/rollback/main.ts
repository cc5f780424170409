/**
 * actions/rollback: restores a model's previous state in an environment (or a named version) as a
 * new commit to `deploy/<environment>.yaml` (src/deploy `rollback`), then records it on GitHub as
 * actions/deploy does: a `deploy:rollback` deployment of the pushed commit, or a pull request when
 * the protected default branch refused it.
 */
import { resolve } from 'node:path'
import * as z from 'zod/mini'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { booleanInput } from '../../src/action/boolean-input.js'
import { readInputs } from '../../src/action/inputs.js'
import { actionRegistry } from '../../src/action/registry.js'
import { formatTraffic, rollback, type ModelTraffic } from '../../src/deploy/index.js'
import { actionGitHub, publishChange, type PublishResult } from '../../src/deploy/github/index.js'
import { findModelSpec } from '../../src/evaluate/find-spec.js'

const TITLE = 'Modelship rollback'

/** Inputs of action.yml, camelCase. */
export const RollbackInputs = z.object({
  model: z.string({ error: 'is required: the model name, as in models/<name>/model.yaml' }),
  environment: z.string({ error: 'is required: the environment, as in deploy/<environment>.yaml' }),
  version: z.optional(z.string()),
  reason: z.optional(z.string()),
  path: z._default(z.string(), '.'),
  environmentUrl: z.optional(z.url({ error: 'is not a URL; expected e.g. https://models.example.com' })),
  markSuccess: booleanInput('false'),
  token: z.optional(z.string()),
})

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(RollbackInputs, env)
  const root = resolve(env.workspace, inputs.path)
  // A typo in the model is named with the models there, before anything is fetched.
  const { spec } = await findModelSpec(root, inputs.model)
  const github = actionGitHub(env, inputs.token, TITLE)
  const { backend } = actionRegistry(env, root, inputs.token)
  const result = await env.group(`Roll back ${spec.name} in ${inputs.environment}`, () =>
    rollback({
      root,
      environment: inputs.environment,
      model: spec.name,
      backend,
      push: github !== undefined,
      env: env.vars as NodeJS.ProcessEnv,
      log: (line) => env.info(line),
      ...(inputs.version !== undefined ? { to: inputs.version } : {}),
      ...(inputs.reason !== undefined ? { reason: inputs.reason } : {}),
    }),
  )
  if (result.status === 'unchanged') {
    setOutputs(env, 'unchanged')
    await env.summary(`## ${TITLE}: ${result.model} in ${result.environment} already is as asked; nothing changed\n`)
    return
  }
  const after = result.plan?.after ?? []
  const traffic = after.length === 0 ? 'none (taken out)' : formatTraffic(after)
  // The deployment records the version that takes most of the traffic back.
  const main = [...after].sort((a, b) => b.share - a.share)[0] as ModelTraffic | undefined
  let published: PublishResult | undefined
  if (github && main && (result.status === 'pushed' || result.status === 'protected')) {
    published = await env.group('Record the rollback on GitHub', () =>
      publishChange(
        {
          kind: 'rollback',
          environment: result.environment,
          model: result.model,
          version: main.version,
          share: main.share,
          result,
          title: `roll back ${result.model} in ${result.environment} to ${traffic}`,
          traffic,
          live: result.plan?.state.models ?? [],
          ...(inputs.reason ? { reason: inputs.reason } : {}),
        },
        { ...github, root, ...(github.runUrl ? { runUrl: github.runUrl } : {}), ...(inputs.environmentUrl ? { environmentUrl: inputs.environmentUrl } : {}), markSuccess: inputs.markSuccess, info: (line) => env.info(line) },
      ),
    )
  }
  setOutputs(env, published?.pullRequest ? 'pull-request' : 'rolled-back', result.commit, published)
  const lines = [`## ${TITLE}: ${result.model} in ${result.environment} ↩`, '', `- Traffic now: ${traffic}`, `- Commit: \`${result.commit}\``]
  if (result.restored) lines.push(`- Restores the state of \`${result.restored.slice(0, 12)}\``)
  if (published?.deploymentId !== undefined) lines.push(`- GitHub deployment: ${published.deploymentId}`)
  if (published?.pullRequest) lines.push(`- The branch refused the push: pull request [#${published.pullRequest.number}](${published.pullRequest.url}) carries the rollback`)
  if (!github) lines.push('- Committed in the checkout only (act without a token)')
  await env.summary(`${lines.join('\n')}\n`)
}

function setOutputs(env: ActionEnv, status: string, commit = '', published?: PublishResult): void {
  env.setOutput('commit', commit)
  env.setOutput('deployment-id', published?.deploymentId !== undefined ? String(published.deploymentId) : '')
  env.setOutput('status', status)
  env.setOutput('pull-request', published?.pullRequest?.url ?? '')
}
