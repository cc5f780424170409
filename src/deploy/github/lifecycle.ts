/**
 * A desired-state change's life on GitHub: `startDeployment` when the commit is pushed (the
 * deployment, `in_progress`), `finishDeployment` when the change is seen live or has failed
 * (`success`, retiring what it replaced, or `failure`). The action calls the first; whatever watches
 * the rollout (the reconciler, or the action itself when nothing does) calls the second.
 */
import type { ModelTraffic } from '../desired-state.js'
import type { DeploymentChange, GitHubDeployments, StatusLinks } from './deployments.js'

/** What `finishDeployment` is told. */
export interface DeploymentOutcome {
  environment: string
  /** The desired-state commit the deployment was made for. */
  commit: string
  model: string
  /** True when the change is live; false when it failed (and was, or will be, rolled back). */
  ok: boolean
  /** Why, in a line; shown on GitHub. */
  description: string
  /** The environment's state after the change, to know which earlier deployments it replaced. */
  live: readonly ModelTraffic[]
}

/** The web page of an environment's desired state at a commit: the default `environment_url`. */
export function desiredStateUrl(serverUrl: string, owner: string, repo: string, commit: string, environment: string): string {
  return `${serverUrl}/${owner}/${repo}/blob/${commit}/deploy/${encodeURIComponent(environment)}.yaml`
}

/**
 * Creates (or, on a rerun, finds) the deployment of `change` and marks it `in_progress`; returns its
 * id. A rerun that finds the deployment already finished leaves its status alone.
 */
export async function startDeployment(deployments: GitHubDeployments, change: DeploymentChange, links: StatusLinks = {}): Promise<number> {
  const { deployment, created } = await deployments.create(change)
  const state = created ? undefined : await deployments.latestState(deployment.id)
  if (state === undefined || state === 'queued' || state === 'pending') {
    await deployments.setStatus(deployment.id, 'in_progress', `${change.model} ${change.version} ${change.share}%: desired state pushed`, links)
  }
  return deployment.id
}

/**
 * Reports the outcome of the deployment made for `outcome.commit` and model: `success` (and the
 * earlier deployments of the model it replaced become `inactive`) or `failure`. Returns the
 * deployment's id, or undefined when no deployment was made for that commit and model (nothing to do).
 */
export async function finishDeployment(deployments: GitHubDeployments, outcome: DeploymentOutcome, links: StatusLinks = {}): Promise<number | undefined> {
  const deployment = (await deployments.list({ environment: outcome.environment, sha: outcome.commit })).find((candidate) => candidate.model === outcome.model)
  if (deployment === undefined) return undefined
  await deployments.setStatus(deployment.id, outcome.ok ? 'success' : 'failure', outcome.description, links)
  if (outcome.ok) await deployments.retireSuperseded(outcome.environment, outcome.model, outcome.live, deployment.id)
  return deployment.id
}
