/**
 * `modelship retire <model>`: decommissions a model in one command. One commit takes it out of
 * every environment's desired state (so the reconcilers unload it), then the registry marks it
 * deprecated (GTO's `<model>@deprecated#N` tag); its versions, releases and assets stay. The
 * deprecation waits for the state change: when a protected branch turns that into a pull request,
 * nothing is deprecated yet, and running retire again after the merge finishes the job.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { git } from '../git/command.js'
import type { RegistryBackend } from '../registry/backend.js'
import { LocalRegistryBackend } from '../registry/local-backend.js'
import { stagePolicyFor } from './policy.js'
import { ModelName } from '../registry/tags.js'
import { deprecate, type DeprecateResult } from '../registry/withdraw.js'
import { formatTraffic, planRetire, type Environment } from './desired-state.js'
import { DeployPushError } from './errors.js'
import { renderChangeMessage } from './message.js'
import { applyStateChange, type PushOptions, type PushResult } from './push.js'

/** What `retire` is asked. */
export interface RetireOptions extends PushOptions {
  model: string
  reason?: string
  backend: RegistryBackend
  /** Who retires it (GITHUB_ACTOR): deprecating touches stages, protected ones need a role. */
  actor?: string
}

/** How a retirement ended: the state change, and the deprecation when it was made. */
export type RetireResult = PushResult & {
  model: string
  /** Environments the model was taken out of. */
  environments: string[]
  deprecation?: DeprecateResult
}

/** The environments of the work tree's deploy/ folder. */
async function environmentFiles(root: string): Promise<string[]> {
  try {
    return (await readdir(join(root, 'deploy'), { withFileTypes: true }))
      .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
      .map((entry) => entry.name.replace(/\.ya?ml$/, ''))
      .sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

/** Takes a model out of every environment and deprecates it in the registry. */
export async function retire(options: RetireOptions): Promise<RetireResult> {
  const model = ModelName.parse(options.model).toString()
  const env = options.env ?? process.env
  const environments = await environmentFiles(options.root)
  let changed: Array<{ environment: string; before: string }> = []
  const result =
    environments.length === 0
      ? ({ status: 'unchanged', base: '' } as const)
      : await applyStateChange(
          {
            environments,
            anyModel: true,
            purpose: `retire ${model}`,
            async plan(states) {
              const next: Environment[] = []
              changed = []
              for (const environment of environments) {
                const plan = planRetire(states.get(environment)!.state, model)
                if (!plan.changed) continue
                next.push(plan.state)
                changed.push({ environment, before: formatTraffic(plan.before) })
              }
              if (next.length === 0) return { states: [], message: '' }
              const message = renderChangeMessage(
                {
                  subject: `retire ${model}: take it out of ${changed.map((c) => c.environment).join(', ')}`,
                  details: changed.map((c) => `${c.environment}: ${model} none (was ${c.before})`),
                  ...(options.reason !== undefined ? { reason: options.reason } : {}),
                  trailers: { Action: 'retire', Environment: changed.map((c) => c.environment).join(', '), Model: model, Version: 'none' },
                },
                env,
              )
              return { states: next, message }
            },
          },
          options,
        )
  const out = { ...result, model, environments: changed.map((c) => c.environment) }
  if (result.status === 'protected') return out
  const deprecation = await deprecate({
    model,
    backend: options.backend,
    policy: await stagePolicyFor(options.root, model),
    log: { info: options.log ?? (() => {}), warn: (line) => options.log?.(`warning: ${line}`) },
    ...(options.actor ? { actor: options.actor } : {}),
    ...(options.reason !== undefined ? { message: options.reason } : {}),
  })
  // The local registry is the repository's tags: share the deprecation the way the state went.
  if (deprecation.status === 'deprecated' && options.backend instanceof LocalRegistryBackend && (options.push ?? true)) {
    const remote = options.remote ?? 'origin'
    try {
      await git(['push', '--quiet', '--no-verify', remote, `refs/tags/${deprecation.tag}`], { cwd: options.root })
    } catch (error) {
      throw new DeployPushError(`${model} is out of every environment and deprecated here (tag ${deprecation.tag}), but the tag could not be pushed to '${remote}': ${(error as Error).message}; push it with git push ${remote} refs/tags/${deprecation.tag}`, { cause: error })
    }
  }
  return { ...out, deprecation }
}
