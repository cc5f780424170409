/**
 * The reconciler's report to GitHub: actions/deploy (or actions/rollback) made a deployment for the
 * desired-state commit and left it `in_progress`; the reconciler is the one that knows when the
 * change is live, so it sets `success` once the version serves (after its canary) or `failure`, with
 * the reason, when it was reverted. Best effort: GitHub being down never holds a revert or a pass.
 */
import { UsageError } from '../../errors.js'
import { parseRepository, readServerUrl } from '../../github/context.js'
import { createOctokit } from '../../github/octokit.js'
import type { ModelTraffic } from '../desired-state.js'
import { finishDeployment, GitHubDeployments, type DeploymentState } from '../github/index.js'

/** One change the reconciler has seen through: live (`ok`) or reverted. */
export interface RolloutOutcome {
  /** The desired-state commit the reconciler acted on. */
  commit: string
  model: string
  version: string
  ok: boolean
  /** Why, in a line (cut to GitHub's 140 characters). */
  description: string
  /** The model's traffic after the outcome. */
  live: readonly ModelTraffic[]
}

/** What a report did, for the log. */
export type ReportResult = { outcome: 'set'; id: number; state: 'success' | 'failure' } | { outcome: 'finished'; id: number; state: DeploymentState } | { outcome: 'none' }

/** Sets deployment statuses from the reconciler's outcomes. */
export interface DeploymentReporter {
  /** Where statuses go, for the log: `acme/models`. */
  readonly repository: string
  report(outcome: RolloutOutcome): Promise<ReportResult>
}

/** Options of `deploymentReporterFromEnv`. */
export interface ReporterEnvOptions {
  environment: string
  env: NodeJS.ProcessEnv
  /** Retry and rate-limit notices of the client. */
  warn: (message: string) => void
  /** The `environment_url` of the statuses (where the environment can be seen); default none. */
  environmentUrl?: string
}

/**
 * The reporter the environment asks for: a token in `MODELSHIP_GITHUB_TOKEN` (or `GITHUB_TOKEN`) and
 * the repository in `MODELSHIP_GITHUB_REPOSITORY` (or `GITHUB_REPOSITORY`), the API at
 * `GITHUB_API_URL` (default api.github.com). Undefined without a token; a token without a
 * repository, or a malformed one, is a usage error (statuses asked for and nowhere to send them).
 */
export function deploymentReporterFromEnv(options: ReporterEnvOptions): DeploymentReporter | undefined {
  const { env } = options
  const tokenName = nonEmpty(env.MODELSHIP_GITHUB_TOKEN) ? 'MODELSHIP_GITHUB_TOKEN' : nonEmpty(env.GITHUB_TOKEN) ? 'GITHUB_TOKEN' : undefined
  if (tokenName === undefined) return undefined
  const repositoryName = nonEmpty(env.MODELSHIP_GITHUB_REPOSITORY) ? 'MODELSHIP_GITHUB_REPOSITORY' : 'GITHUB_REPOSITORY'
  const repository = nonEmpty(env[repositoryName])
  if (repository === undefined) {
    throw new UsageError(
      `${tokenName} is set, so the reconciler reports GitHub deployment statuses, but the repository is not: set MODELSHIP_GITHUB_REPOSITORY=owner/repo (or GITHUB_REPOSITORY), or unset ${tokenName} to report none`,
    )
  }
  const { owner, repo } = parseRepository(repository, repositoryName)
  // Validated here so a bad GITHUB_SERVER_URL is a start-up error, not a failed report later.
  readServerUrl(env)
  const interval = nonEmpty(env.MODELSHIP_GITHUB_WRITE_INTERVAL_MS)
  const writeIntervalMs = interval === undefined ? undefined : Number(interval)
  if (writeIntervalMs !== undefined && !(Number.isFinite(writeIntervalMs) && writeIntervalMs >= 0)) {
    throw new UsageError(`MODELSHIP_GITHUB_WRITE_INTERVAL_MS '${interval}' is not a number of milliseconds; expected 0 or more, e.g. 1000`)
  }
  const octokit = createOctokit({
    token: nonEmpty(env[tokenName])!,
    env,
    ...(writeIntervalMs !== undefined ? { writeIntervalMs } : {}),
    log: { debug: () => undefined, info: () => undefined, warn: options.warn, error: () => undefined },
  })
  const deployments = new GitHubDeployments({ octokit, owner, repo })
  return {
    repository: `${owner}/${repo}`,
    report: (outcome) => reportOutcome(deployments, options.environment, outcome, options.environmentUrl),
  }
}

/**
 * Finds the deployment of `outcome` and sets its final status. The deployment is the one made for
 * the commit (by sha, environment and model); failing that (several commits landed between two
 * fetches, so the reconciler acted on a later head) the newest still open one recording the same
 * model and version. A deployment already finished (a restart reports again) is left alone.
 */
export async function reportOutcome(deployments: GitHubDeployments, environment: string, outcome: RolloutOutcome, environmentUrl?: string): Promise<ReportResult> {
  let found = (await deployments.list({ environment, sha: outcome.commit })).find((d) => d.model === outcome.model)
  let state = found ? await deployments.latestState(found.id) : undefined
  if (found === undefined) {
    // Only one still open: a finished deployment of the same version belongs to an earlier change.
    for (const candidate of (await deployments.list({ environment })).filter((d) => d.model === outcome.model && d.version === outcome.version)) {
      state = await deployments.latestState(candidate.id)
      if (isOpen(state)) {
        found = candidate
        break
      }
    }
    if (found === undefined) return { outcome: 'none' }
  }
  if (!isOpen(state)) return { outcome: 'finished', id: found.id, state: state! }
  const id = await finishDeployment(
    deployments,
    { environment, commit: found.sha, model: outcome.model, ok: outcome.ok, description: outcome.description, live: outcome.live },
    environmentUrl ? { environmentUrl } : {},
  )
  return id === undefined ? { outcome: 'none' } : { outcome: 'set', id, state: outcome.ok ? 'success' : 'failure' }
}

/** A deployment still waiting for its outcome (no status yet counts: actions/deploy may not have set one). */
function isOpen(state: DeploymentState | undefined): boolean {
  return state === undefined || state === 'in_progress' || state === 'queued' || state === 'pending'
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed ? trimmed : undefined
}
