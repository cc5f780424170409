/**
 * `modelship deploy <model>@<version>|<model>#<stage> --environment NAME`: resolves the version
 * through the registry, checks the spec's `deploy[]` entry (the environment is one of the model's;
 * `requires`: the version is live there first), and commits the new desired state with the canary
 * share (`canary.traffic` unless given), the stable version keeping the rest.
 */
import { findModelSpec } from '../evaluate/find-spec.js'
import type { RegistryBackend } from '../registry/backend.js'
import { assertRegistrationFinished } from '../registry/promote.js'
import { resolveVersion } from '../registry/lookup.js'
import { ModelRef } from '../registry/tags.js'
import { formatTraffic, modelTraffic, planDeploy, type StatePlan } from './desired-state.js'
import { DeployRefusedError } from './errors.js'
import { renderChangeMessage } from './message.js'
import { applyStateChange, type PushOptions, type PushResult } from './push.js'

/** What `deploy` is asked. */
export interface DeployOptions extends PushOptions {
  /** `churn@v1.3.0`, `churn#staging` or `churn@latest`. */
  ref: string
  environment: string
  /** Percent of the model's traffic for this version; default the spec's `canary.traffic`, else 100. */
  traffic?: number
  /** Why, for the commit message (the audit trail). */
  reason?: string
  backend: RegistryBackend
}

/** How a deploy ended: the push result, and what was deployed. */
export type DeployResult = PushResult & {
  model: string
  version: string
  environment: string
  share: number
  /** The plan on the state the change was committed on (undefined when unchanged before planning). */
  plan?: StatePlan
}

/** Deploys a registered version to an environment by committing its desired state. */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { environment } = options
  const ref = ModelRef.parse(options.ref)
  const model = ref.model.toString()
  const { file, spec } = await findModelSpec(options.root, model)
  const target = spec.deploy.find((entry) => entry.environment === environment)
  if (!target) {
    const known = spec.deploy.map((entry) => entry.environment)
    throw new DeployRefusedError(
      `${model} is not deployed to '${environment}': ${file} lists ${known.length ? `deploy environments ${known.join(', ')}` : 'no deploy environments'}; add - { environment: ${environment} } to its deploy list`,
    )
  }
  const resolved = await resolveVersion(options.backend, ref)
  await assertRegistrationFinished(options.backend, ref.model, resolved.version)
  const version = resolved.version.version.toString()
  const share = options.traffic ?? target.canary?.traffic ?? 100
  const env = options.env ?? process.env
  let plan: StatePlan | undefined
  const environments = target.requires ? [environment, target.requires] : [environment]
  const result = await applyStateChange(
    {
      environments,
      writes: [environment],
      purpose: `deploy ${model}@${version}`,
      async plan(states, { base, models }) {
        // The desired state is read at that commit, so the model's spec must be there too.
        if (!models.has(model)) {
          throw new DeployRefusedError(`${file} is not committed on the branch being deployed to (commit ${base.slice(0, 12)} has no spec of ${model}); commit and push it first`)
        }
        const current = states.get(environment)!.state
        if (target.requires) {
          // Health is the reconciler's to judge; here "live" means the desired state of the required environment serves it.
          const required = states.get(target.requires)!.state
          const live = modelTraffic(required, model).some((entry) => entry.version === version && entry.share > 0)
          if (!live) {
            throw new DeployRefusedError(
              `${environment} requires ${target.requires} (${file}), and ${model} ${version} is not live in ${target.requires} (it serves ${model} ${formatTraffic(modelTraffic(required, model))}); ` +
                `deploy it there first: modelship deploy ${model}@${version} --environment ${target.requires}`,
            )
          }
        }
        plan = planDeploy(current, { model, version, share })
        if (!plan.changed) return { states: [], message: '' }
        const canary = plan.after.length > 1
        const message = renderChangeMessage(
          {
            subject: `deploy ${model} ${version} to ${environment}${canary ? ` at ${plan.after.find((entry) => entry.version === version)!.share}%` : ''}`,
            details: [`${environment}: ${plan.summary} (was ${formatTraffic(plan.before)})`, `Requested as ${ref.toString()}.`],
            ...(options.reason !== undefined ? { reason: options.reason } : {}),
            trailers: { Action: 'deploy', Environment: environment, Model: model, Version: version },
          },
          env,
        )
        return { states: [plan.state], message }
      },
    },
    options,
  )
  return { ...result, model, version, environment, share: plan?.after.find((entry) => entry.version === version)?.share ?? share, ...(plan ? { plan } : {}) }
}
