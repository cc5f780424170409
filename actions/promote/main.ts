/**
 * actions/promote: moves a model's stage to a version (`v1.3.0`, `latest`, or the version another
 * stage holds, `churn#staging`) with a new stage tag. Only the spec's stages are accepted; protected
 * stages check GITHUB_ACTOR's repository role through the collaborator permission API.
 */
import { resolve } from 'node:path'
import * as z from 'zod/mini'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { booleanInput } from '../../src/action/boolean-input.js'
import { readInputs } from '../../src/action/inputs.js'
import { actionRegistry, actionRegistryLog } from '../../src/action/registry.js'
import { UsageError } from '../../src/errors.js'
import { findModelSpec } from '../../src/evaluate/find-spec.js'
import { readRunUrl } from '../../src/github/context.js'
import { ModelName, ModelRef, promote, stagePolicy } from '../../src/registry/index.js'

/** Inputs of action.yml, camelCase. */
export const PromoteInputs = z.object({
  model: z.string({ error: 'is required: the model name, as in models/<name>/model.yaml' }),
  version: z.string({ error: "is required: a version such as v1.3.0, 'latest', or <model>#<stage>" }),
  stage: z.string({ error: 'is required: the stage to move, e.g. production' }),
  path: z._default(z.string(), '.'),
  token: z.optional(z.string()),
  skipRequires: booleanInput('false'),
})

/** The registry reference the `version` input means for `model`: `churn@v1.3.0`, `churn@latest` or `churn#staging`. */
export function promotionRef(model: string, version: string): string {
  const name = ModelName.parse(model)
  if (version === 'latest') return `${name}@latest`
  if (/^v\d/.test(version)) return `${name}@${version}`
  if (version.includes('#') || version.includes('@')) {
    const ref = ModelRef.parse(version)
    if (!ref.model.equals(name)) {
      throw new UsageError(`input 'version': '${version}' names model ${ref.model}, not ${name}; use ${name}#<stage> to take the version of another stage of ${name}`)
    }
    return ref.toString()
  }
  throw new UsageError(`input 'version': '${version}' is not a version; expected v1.3.0, 'latest' or ${name}#<stage> (e.g. ${name}#staging)\nFix the step's 'with:' block in your workflow.`)
}

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(PromoteInputs, env)
  const root = resolve(env.workspace, inputs.path)
  const { file, spec } = await findModelSpec(root, inputs.model)
  const ref = promotionRef(spec.name, inputs.version)
  const { backend } = actionRegistry(env, root, inputs.token)
  const actor = env.vars.GITHUB_ACTOR?.trim()
  const runUrl = readRunUrl(env.vars)
  const result = await env.group(`Promote ${ref} to ${inputs.stage} in ${backend.description}`, () =>
    promote({
      ref,
      stage: inputs.stage,
      backend,
      policy: stagePolicy(spec, file),
      skipRequires: inputs.skipRequires,
      ...(actor ? { actor } : {}),
      ...(runUrl ? { run: { url: runUrl, ...(env.vars.GITHUB_WORKFLOW ? { workflow: env.vars.GITHUB_WORKFLOW } : {}) } } : {}),
      log: actionRegistryLog(env),
    }),
  )
  env.setOutput('version', result.version.toString())
  env.setOutput('tag', result.tag ?? '')
  env.setOutput('status', result.status)
  const heading =
    result.status === 'promoted'
      ? `## Modelship promote: 🚀 ${result.model} ${result.stage} → ${result.version}`
      : `## Modelship promote: ${result.model} ${result.stage} already holds ${result.version}; nothing changed`
  const lines = [heading, '', `- Before: ${result.previous ?? 'no version'}`, `- Now: ${result.version}${result.tag ? ` (tag \`${result.tag}\`)` : ''}`]
  if (actor) lines.push(`- By: @${actor}`)
  await env.summary(`${lines.join('\n')}\n`)
}
