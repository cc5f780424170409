/**
 * The protected-branch path: when the default branch refuses a desired-state push (branch
 * protection that requires a review), the deploy module pushes the change to a branch of its own
 * (`pushProposal`) and a pull request carries it, so the deploy lands when a reviewer merges it. One
 * branch per environment and model (`modelship/deploy/<environment>/<model>`): a later deploy of the
 * same model replaces the waiting one (the branch is force-pushed and its open pull request
 * updated, never a second one).
 */
import type { GitHubClient } from '../../github/octokit.js'
import { pushProposal, type PushResult } from '../push.js'

/** Options of `proposeChange`. */
export interface ProposeChangeOptions {
  octokit: GitHubClient
  owner: string
  repo: string
  /** The checkout holding the desired-state commit. */
  root: string
  /** The deploy module's answer when the protected branch refused the push. */
  result: Extract<PushResult, { status: 'protected' }>
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

/** Pushes the refused commit to the model's proposal branch and opens or updates its pull request into the protected branch. */
export async function proposeChange(options: ProposeChangeOptions): Promise<ProposedChange> {
  const branch = await pushProposal({ root: options.root, result: options.result, branch: proposalBranch(options.environment, options.model) })
  const { octokit, owner, repo } = options
  const base = options.result.branch
  const open = await octokit.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${branch}`, base, per_page: 1 })
  const existing = open.data[0]
  if (existing !== undefined) {
    const updated = await octokit.rest.pulls.update({ owner, repo, pull_number: existing.number, title: options.title, body: options.body })
    return { number: updated.data.number, url: updated.data.html_url, branch, created: false }
  }
  const created = await octokit.rest.pulls.create({ owner, repo, head: branch, base, title: options.title, body: options.body })
  return { number: created.data.number, url: created.data.html_url, branch, created: true }
}
