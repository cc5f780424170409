/**
 * What happens on GitHub once a deploy or rollback has made its desired-state commit: pushed, it
 * gets its GitHub deployment (`in_progress`, ref the commit, environment_url set); refused by a
 * protected default branch, it goes to a branch and a pull request carries it, so it lands when a
 * reviewer merges it. actions/deploy and actions/rollback call this after the deploy module's push.
 */
import type { GitHubClient } from '../../github/octokit.js'
import type { ModelTraffic } from '../desired-state.js'
import type { PushResult } from '../push.js'
import { GitHubDeployments } from './deployments.js'
import { desiredStateUrl, finishDeployment, startDeployment } from './lifecycle.js'
import { proposeChange, type ProposedChange } from './pull-request.js'

/** A desired-state change as the push left it. */
export interface CommittedChange {
  kind: 'deploy' | 'rollback'
  environment: string
  model: string
  /** The version the change is about (deployed, or restored) and its share after the change. */
  version: string
  share: number
  /** The deploy module's answer: pushed to the branch, or refused by its protection. */
  result: Extract<PushResult, { status: 'pushed' | 'protected' }>
  /** One line: `deploy churn v1.3.0 to staging at 10%`; the pull request's title. */
  title: string
  /** The model's traffic after the change, e.g. `v1.3.0 10%, v1.2.0 90%`. */
  traffic: string
  /** The whole environment after the change: which earlier deployments it replaced. */
  live: readonly ModelTraffic[]
  reason?: string
}

/** Where and as whom to publish. */
export interface PublishOptions {
  octokit: GitHubClient
  owner: string
  repo: string
  /** Web root, e.g. https://github.com. */
  serverUrl: string
  /** The checkout holding the commit (for pushing the pull request's branch). */
  root: string
  /** The workflow run, linked from the deployment status and the pull request. */
  runUrl?: string
  /** The environment's own URL; default the desired-state file at the commit. */
  environmentUrl?: string
  /**
   * Mark the deployment `success` once the commit is pushed, retiring what it replaced: for an
   * environment nothing reports back from (Argo CD applying rendered manifests). Default false: it
   * stays `in_progress` until whatever follows the desired state calls `finishDeployment`.
   */
  markSuccess?: boolean
  info?: (message: string) => void
}

/** What was made on GitHub. */
export type PublishResult = { deploymentId: number; pullRequest?: undefined } | { deploymentId?: undefined; pullRequest: ProposedChange }

/** Records `change` on GitHub; see the module comment. */
export async function publishChange(change: CommittedChange, options: PublishOptions): Promise<PublishResult> {
  const { octokit, owner, repo } = options
  const { result } = change
  if (result.status === 'protected') {
    const lines = [
      `${change.kind === 'rollback' ? 'Rolls back' : 'Deploys'} **${change.model}** in **${change.environment}**: ${change.traffic}.`,
      '',
      `The branch \`${result.branch}\` refused the desired-state commit (branch protection), so it waits here for a review. Merging this pull request deploys it; its commit changes \`deploy/${change.environment}.yaml\` only.`,
    ]
    if (change.reason) lines.push('', `Reason: ${change.reason}`)
    if (options.runUrl) lines.push('', `Asked for by ${options.runUrl}`)
    const pullRequest = await proposeChange({
      octokit,
      owner,
      repo,
      root: options.root,
      result,
      environment: change.environment,
      model: change.model,
      title: change.title,
      body: `${lines.join('\n')}\n`,
    })
    options.info?.(`${pullRequest.created ? 'Opened' : 'Updated'} pull request #${pullRequest.number} (${pullRequest.url}) carrying the change`)
    return { pullRequest }
  }
  const deployments = new GitHubDeployments({ octokit, owner, repo, ...(options.info ? { info: options.info } : {}) })
  const deploymentId = await startDeployment(
    deployments,
    {
      environment: change.environment,
      commit: result.commit,
      model: change.model,
      version: change.version,
      share: change.share,
      task: change.kind === 'rollback' ? 'deploy:rollback' : 'deploy',
      description: change.reason ? `${change.title}: ${change.reason}` : change.title,
    },
    {
      ...(options.runUrl ? { logUrl: options.runUrl } : {}),
      environmentUrl: options.environmentUrl ?? desiredStateUrl(options.serverUrl, owner, repo, result.commit, change.environment),
    },
  )
  if (options.markSuccess) {
    await finishDeployment(
      deployments,
      { environment: change.environment, commit: result.commit, model: change.model, ok: true, description: `${change.traffic}: desired state pushed (nothing in this environment reports back)`, live: change.live },
      { ...(options.runUrl ? { logUrl: options.runUrl } : {}), environmentUrl: options.environmentUrl ?? desiredStateUrl(options.serverUrl, owner, repo, result.commit, change.environment) },
    )
  }
  return { deploymentId }
}

/**
 * Environment variables that let git push to `serverUrl` with `token` for this process's children,
 * the way actions/checkout authenticates (an http extraheader), but without writing it into
 * .git/config: every checkout in our workflows sets persist-credentials: false. Appends to a
 * GIT_CONFIG_COUNT already set.
 */
export function gitPushAuth(serverUrl: string, token: string, env: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const count = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10)
  const index = Number.isInteger(count) && count > 0 ? count : 0
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64')
  return {
    GIT_CONFIG_COUNT: String(index + 1),
    [`GIT_CONFIG_KEY_${index}`]: `http.${serverUrl.replace(/\/+$/, '')}/.extraheader`,
    [`GIT_CONFIG_VALUE_${index}`]: `AUTHORIZATION: basic ${basic}`,
  }
}
