/**
 * actions/deploy: commits a model version to `deploy/<environment>.yaml` (src/deploy `deploy`) and
 * records the change on GitHub: a deployment of the pushed commit, or a pull request when the
 * protected default branch refused it (src/deploy/github `publishChange`).
 */
import { resolve } from 'node:path'
import * as z from 'zod/mini'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { booleanInput } from '../../src/action/boolean-input.js'
import { readInputs } from '../../src/action/inputs.js'
import { actionRegistry } from '../../src/action/registry.js'
import { deploy, formatTraffic } from '../../src/deploy/index.js'
import { actionGitHub, publishChange, type PublishResult } from '../../src/deploy/github/index.js'
import { findModelSpec } from '../../src/evaluate/find-spec.js'
import { promotionRef } from '../promote/main.js'

const TITLE = 'Modelship deploy'

/** Inputs of action.yml, camelCase. */
export const DeployInputs = z.object({
  model: z.string({ error: 'is required: the model name, as in models/<name>/model.yaml' }),
  version: z.string({ error: 'is required: a version such as v1.3.0, or <model>#<stage>' }),
  environment: z.string({ error: 'is required: the environment, as in deploy/<environment>.yaml' }),
  traffic: z.optional(
    z.pipe(
      z.string().check(z.regex(/^\d+(\.\d+)?$/, { error: 'is not a percent; expected a number from 1 to 100, e.g. 10' })),
      z.transform(Number),
    ).check(z.refine((share) => share > 0 && share <= 100, { error: 'is not a percent from 1 to 100; expected e.g. 10' })),
  ),
  reason: z.optional(z.string()),
  path: z._default(z.string(), '.'),
  environmentUrl: z.optional(z.url({ error: 'is not a URL; expected e.g. https://models.example.com' })),
  markSuccess: booleanInput('false'),
  token: z.optional(z.string()),
})

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(DeployInputs, env)
  const root = resolve(env.workspace, inputs.path)
  const { file, spec } = await findModelSpec(root, inputs.model)
  if (!spec.deploy.some((target) => target.environment === inputs.environment)) {
    // One merge flow lists every environment; a model that does not go to this one is not an error.
    env.annotate({
      level: 'notice',
      title: TITLE,
      message: `${spec.name} is not deployed to '${inputs.environment}' (${file} lists ${spec.deploy.map((target) => target.environment).join(', ') || 'no environments'}); skipped`,
    })
    setOutputs(env, 'skipped')
    return
  }
  const github = actionGitHub(env, inputs.token, TITLE)
  const { backend } = actionRegistry(env, root, inputs.token)
  const ref = promotionRef(spec.name, inputs.version)
  const result = await env.group(`Deploy ${ref} to ${inputs.environment}`, () =>
    deploy({
      root,
      ref,
      environment: inputs.environment,
      backend,
      push: github !== undefined,
      env: env.vars as NodeJS.ProcessEnv,
      log: (line) => env.info(line),
      ...(inputs.traffic !== undefined ? { traffic: inputs.traffic } : {}),
      ...(inputs.reason !== undefined ? { reason: inputs.reason } : {}),
    }),
  )
  const traffic = formatTraffic(result.plan?.after ?? [])
  const title = `deploy ${result.model} ${result.version} to ${result.environment}${result.share < 100 ? ` at ${result.share}%` : ''}`
  if (result.status === 'unchanged') {
    setOutputs(env, 'unchanged')
    await env.summary(`## ${TITLE}: ${result.environment} already serves ${result.model} ${result.version}; nothing changed\n`)
    return
  }
  let published: PublishResult | undefined
  if (github && (result.status === 'pushed' || result.status === 'protected')) {
    published = await env.group('Record the change on GitHub', () =>
      publishChange(
        { kind: 'deploy', environment: result.environment, model: result.model, version: result.version, share: result.share, result, title, traffic, live: result.plan?.state.models ?? [], ...(inputs.reason ? { reason: inputs.reason } : {}) },
        { ...github, root, ...(github.runUrl ? { runUrl: github.runUrl } : {}), ...(inputs.environmentUrl ? { environmentUrl: inputs.environmentUrl } : {}), markSuccess: inputs.markSuccess, info: (line) => env.info(line) },
      ),
    )
  }
  const status = published?.pullRequest ? 'pull-request' : 'deployed'
  setOutputs(env, status, result.commit, published)
  const lines = [`## ${TITLE}: ${result.model} ${result.version} → ${result.environment}`, '', `- Traffic: ${traffic}`, `- Commit: \`${result.commit}\``]
  if (published?.deploymentId !== undefined) lines.push(`- GitHub deployment: ${published.deploymentId} (in progress until the environment reports it live)`)
  if (published?.pullRequest) lines.push(`- The branch refused the push: pull request [#${published.pullRequest.number}](${published.pullRequest.url}) carries the change; merging it deploys`)
  if (!github) lines.push('- Committed in the checkout only (act without a token)')
  await env.summary(`${lines.join('\n')}\n`)
}

function setOutputs(env: ActionEnv, status: string, commit = '', published?: PublishResult): void {
  env.setOutput('commit', commit)
  env.setOutput('deployment-id', published?.deploymentId !== undefined ? String(published.deploymentId) : '')
  env.setOutput('status', status)
  env.setOutput('pull-request', published?.pullRequest?.url ?? '')
}
