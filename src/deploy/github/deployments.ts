/**
 * GitHub deployments for desired-state changes: one deployment per change of one model in one
 * environment, whose ref is the desired-state commit and whose payload says what changed (model,
 * version, share), with statuses `in_progress`, then `success` or `failure` as the change is seen
 * live, and earlier deployments of that model that the change replaced marked `inactive`.
 *
 * GitHub's own `auto_inactive` (the default on a `success` status) marks every earlier successful
 * deployment of the environment inactive, which is wrong here: an environment serves several models,
 * and during a canary two versions of one. So success statuses are sent with `auto_inactive: false`
 * and this module retires exactly the deployments the new state no longer serves.
 */
import type { GitHubClient } from '../../github/octokit.js'
import type { ModelTraffic } from '../desired-state.js'

/** What one deployment records: a model's change in an environment, made by a desired-state commit. */
export interface DeploymentChange {
  environment: string
  /** Full SHA of the desired-state commit (the deployment's ref). */
  commit: string
  model: string
  /** `v1.3.0`. */
  version: string
  /** Percent of the model's requests this version gets in the new state. */
  share: number
  /** Why: `deploy`, or the rollback's reason; shown on GitHub (cut to 140 characters). */
  description?: string
  /** `deploy` (default) or `deploy:rollback`, so a rollback reads as one in GitHub's list. */
  task?: 'deploy' | 'deploy:rollback'
  /** Whether GitHub should treat the environment as production; default GitHub's guess from the name. */
  production?: boolean
}

/** A deployment as this module sees it. */
export interface DeploymentRecord {
  id: number
  environment: string
  sha: string
  model: string | undefined
  version: string | undefined
  share: number | undefined
}

/** The states a deployment status can take. */
export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success'

/** Where a status links to. */
export interface StatusLinks {
  /** The workflow run (or log) that made this status. */
  logUrl?: string
  /** Where the environment can be seen: the server, or the desired-state file. */
  environmentUrl?: string
}

/** Options of `GitHubDeployments`. */
export interface GitHubDeploymentsOptions {
  octokit: GitHubClient
  owner: string
  repo: string
  /** Progress lines; default none. */
  info?: (message: string) => void
}

/** How many of an environment's newest deployments are read (one page). */
const RECENT_DEPLOYMENTS = 30

/** GitHub limits a status description to 140 characters. */
const MAX_DESCRIPTION = 140

/** Deployments and their statuses in one repository; see the module comment. */
export class GitHubDeployments {
  private readonly octokit: GitHubClient
  private readonly owner: string
  private readonly repo: string
  private readonly info: (message: string) => void

  constructor(options: GitHubDeploymentsOptions) {
    this.octokit = options.octokit
    this.owner = options.owner
    this.repo = options.repo
    this.info = options.info ?? (() => {})
  }

  /**
   * The deployment of `change`: an existing one for the same commit, environment, model and version
   * (a rerun of the same step) or a new one. `created` says which.
   */
  async create(change: DeploymentChange): Promise<{ deployment: DeploymentRecord; created: boolean }> {
    const existing = (await this.list({ environment: change.environment, sha: change.commit })).find(
      (deployment) => deployment.model === change.model && deployment.version === change.version,
    )
    if (existing) {
      this.info(`GitHub deployment ${existing.id} already records ${change.model} ${change.version} in ${change.environment} at ${change.commit.slice(0, 7)}`)
      return { deployment: existing, created: false }
    }
    const response = await this.octokit.rest.repos.createDeployment({
      owner: this.owner,
      repo: this.repo,
      ref: change.commit,
      environment: change.environment,
      task: change.task ?? 'deploy',
      payload: { model: change.model, version: change.version, share: change.share },
      description: cut(change.description ?? `${change.model} ${change.version} ${change.share}%`),
      // The commit is the desired state itself: it is never merged into anything, and it is deployed
      // because a person or workflow asked, whatever the commit's checks say.
      auto_merge: false,
      required_contexts: [],
      ...(change.production !== undefined ? { production_environment: change.production } : {}),
    })
    if (response.status !== 201 || !('id' in response.data)) {
      throw new Error(`GitHub answered ${response.status} to a deployment with auto_merge off; expected 201`)
    }
    const deployment = toRecord(response.data)
    this.info(`GitHub deployment ${deployment.id}: ${change.model} ${change.version} ${change.share}% in ${change.environment}`)
    return { deployment, created: true }
  }

  /** Adds a status to deployment `id`; a success never marks other deployments inactive by itself (see the module comment). */
  async setStatus(id: number, state: DeploymentState, description: string, links: StatusLinks = {}): Promise<void> {
    await this.octokit.rest.repos.createDeploymentStatus({
      owner: this.owner,
      repo: this.repo,
      deployment_id: id,
      state,
      description: cut(description),
      ...(links.logUrl ? { log_url: links.logUrl } : {}),
      ...(links.environmentUrl ? { environment_url: links.environmentUrl } : {}),
      auto_inactive: false,
    })
    this.info(`GitHub deployment ${id}: ${state}${description ? ` (${cut(description)})` : ''}`)
  }

  /**
   * Marks `inactive` every earlier active deployment of `model` in `environment` that the current
   * state no longer stands for: its version is not in `live`, or a newer deployment (`current`)
   * records the same version. Returns the ids it marked.
   */
  async retireSuperseded(environment: string, model: string, live: readonly ModelTraffic[], current: number): Promise<number[]> {
    const liveVersions = new Set(live.filter((entry) => entry.model === model && entry.share > 0).map((entry) => entry.version))
    const ofModel = (await this.list({ environment })).filter((deployment) => deployment.model === model)
    const currentVersion = ofModel.find((deployment) => deployment.id === current)?.version
    const retired: number[] = []
    for (const deployment of ofModel) {
      if (deployment.id >= current) continue
      const replaced = deployment.version === undefined || deployment.version === currentVersion || !liveVersions.has(deployment.version)
      if (!replaced) continue
      // Only deployments that are (or were becoming) live; one already inactive or failed stays as it is.
      const state = await this.latestState(deployment.id)
      if (state !== 'success' && state !== 'in_progress') continue
      await this.setStatus(deployment.id, 'inactive', `superseded by deployment ${current}`)
      retired.push(deployment.id)
    }
    return retired
  }

  /**
   * The newest deployments of an environment (and commit), newest first: one page of
   * `RECENT_DEPLOYMENTS`. Older ones were retired when the deployments after them were made, and
   * reading them all would spend the token's hourly requests on history.
   */
  async list(filter: { environment: string; sha?: string }): Promise<DeploymentRecord[]> {
    const response = await this.octokit.rest.repos.listDeployments({
      owner: this.owner,
      repo: this.repo,
      environment: filter.environment,
      ...(filter.sha ? { sha: filter.sha } : {}),
      per_page: RECENT_DEPLOYMENTS,
    })
    return [...response.data].sort((a, b) => b.id - a.id).map((deployment) => toRecord(deployment))
  }

  /** The state of a deployment's latest status; undefined when it has none. */
  async latestState(id: number): Promise<DeploymentState | undefined> {
    const response = await this.octokit.rest.repos.listDeploymentStatuses({ owner: this.owner, repo: this.repo, deployment_id: id, per_page: 1 })
    return response.data[0]?.state
  }
}

interface DeploymentData {
  id: number
  environment: string
  sha: string
  payload: Record<string, unknown> | string
}

function toRecord(data: DeploymentData): DeploymentRecord {
  // A payload made by someone else may be a string or have other fields: read only what fits.
  const payload = typeof data.payload === 'string' ? parsePayload(data.payload) : data.payload
  return {
    id: data.id,
    environment: data.environment,
    sha: data.sha,
    model: typeof payload.model === 'string' ? payload.model : undefined,
    version: typeof payload.version === 'string' ? payload.version : undefined,
    share: typeof payload.share === 'number' ? payload.share : undefined,
  }
}

function parsePayload(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function cut(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`
}
