/**
 * The protected-branch path: when the default branch refuses a desired-state push (branch
 * protection that requires a review), the change goes to a branch of its own and a pull request
 * carries it, so the deploy lands when a reviewer merges it. One branch per environment and model
 * (`modelship/deploy/<environment>/<model>`): a later deploy of the same model replaces the waiting
 * one (the branch is force-pushed and the open pull request updated, never a second one).
 */
import { git, GitCommandError } from '../../git/command.js'
import { DeployPushError } from '../errors.js'
import type { GitHubClient } from '../../github/octokit.js'

/** Options of `proposeChange`. */
export interface ProposeChangeOptions {
  octokit: GitHubClient
  owner: string
  repo: string
  /** The checkout holding the desired-state commit. */
  cwd: string
  /** The git remote that is the GitHub repository; default `origin`. */
  remote?: string
  /** The desired-state commit the default branch refused. */
  commit: string
  /** The branch the pull request goes into (the default branch). */
  base: string
  environment: string
  model: string
  title: string
  body: string
}

/** The pull request that carries a change. */
export interface ProposedChange {
  number: number
  url: string
  branch: string
  /** False when an open pull request of that branch was updated. */
  created: boolean
}

/** The branch a model's waiting change in an environment lives on: `modelship/deploy/staging/churn` (`dir:name` → `dir-name`). */
export function proposalBranch(environment: string, model: string): string {
  return `modelship/deploy/${environment}/${model.replace(/[^A-Za-z0-9._-]+/g, '-')}`
}

/** Pushes `commit` to the model's proposal branch and opens or updates its pull request into `base`. */
export async function proposeChange(options: ProposeChangeOptions): Promise<ProposedChange> {
  const branch = proposalBranch(options.environment, options.model)
  // Forced: the branch holds only the newest waiting change of this model, and nobody else writes it.
  try {
    await git(['push', '--force', options.remote ?? 'origin', `${options.commit}:refs/heads/${branch}`], { cwd: options.cwd })
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error
    throw new DeployPushError(`could not push the change to branch ${branch} for a pull request: ${error.stderr.trim() || error.message}`, { cause: error })
  }
  const { octokit, owner, repo } = options
  const open = await octokit.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${branch}`, base: options.base, per_page: 1 })
  const existing = open.data[0]
  if (existing !== undefined) {
    const updated = await octokit.rest.pulls.update({ owner, repo, pull_number: existing.number, title: options.title, body: options.body })
    return { number: updated.data.number, url: updated.data.html_url, branch, created: false }
  }
  const created = await octokit.rest.pulls.create({ owner, repo, head: branch, base: options.base, title: options.title, body: options.body })
  return { number: created.data.number, url: created.data.html_url, branch, created: true }
}
