/**
 * The training approval of a pull request, decided on the trusted side (a `pull_request_target` job
 * or a default-branch `workflow_dispatch` run, neither of which runs the pull request's code): a
 * maintainer's label on the head commit that is to be trained.
 *
 * GitHub runs a `pull_request` workflow from the pull request itself, so nothing in it can keep a
 * fork's code off the runners; the approval is read back from GitHub instead of from anything the
 * pull request wrote:
 *
 * - the pull request is open, and its head is still the commit the label was applied to (a push
 *   after the label needs a new label: the gate also removes the label on every push);
 * - the label is on the pull request now, and the newest `labeled` event of it (GET …/issues/N/events)
 *   was by someone with write access (GET …/collaborators/{login}/permission: write, maintain or admin).
 */
import { GitHubApiError } from '../errors.js'
import { isNotFound } from '../github/errors.js'
import type { GitHubClient } from '../github/octokit.js'

/** The label a maintainer applies to train a pull request from a fork; the workflows' default. */
export const DEFAULT_TRAIN_LABEL = 'modelship:train'

/** Repository roles whose label counts: they can push to the repository anyway. */
const APPROVING_ROLES = new Set(['admin', 'maintain', 'write'])

/** Which pull request, at which head commit. */
export interface ApprovalRequest {
  octokit: GitHubClient
  owner: string
  repo: string
  pullNumber: number
  /** The commit that is to be trained: the event's head (gate) or the dispatched input (verify). */
  headSha: string
  /** Default {@link DEFAULT_TRAIN_LABEL}. */
  label?: string
}

/** The pull request facts a decision rests on. */
export interface PullRequestFacts {
  number: number
  headSha: string
  baseSha: string
  /** `owner/repo` of the head; the base repository for a same-repository pull request. */
  headRepository: string
  fromFork: boolean
}

/** An approval, or the reason there is none (a sentence, with what to do). */
export type ApprovalResult =
  | { approved: true; approver: string; role: string; pull: PullRequestFacts }
  | { approved: false; reason: string; pull?: PullRequestFacts }

const SHA = /^[0-9a-f]{40}$/

/** Reads the pull request, its label events and the labeller's role, and decides; GitHub failures other than 404 are thrown. */
export async function checkTrainingApproval(request: ApprovalRequest): Promise<ApprovalResult> {
  const { octokit, owner, repo, pullNumber, headSha } = request
  const label = request.label ?? DEFAULT_TRAIN_LABEL
  if (!SHA.test(headSha)) return { approved: false, reason: `'${headSha}' is not a full commit SHA (40 hexadecimal digits)` }
  let data
  try {
    data = (await octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber })).data
  } catch (error) {
    if (isNotFound(error)) return { approved: false, reason: `pull request #${pullNumber} does not exist in ${owner}/${repo}` }
    throw error
  }
  const headRepository = data.head.repo?.full_name ?? '(deleted fork)'
  const pull: PullRequestFacts = {
    number: data.number,
    headSha: data.head.sha,
    baseSha: data.base.sha,
    headRepository,
    fromFork: headRepository.toLowerCase() !== `${owner}/${repo}`.toLowerCase(),
  }
  if (data.state !== 'open') return { approved: false, reason: `pull request #${pullNumber} is ${data.state}`, pull }
  if (pull.headSha !== headSha) {
    return {
      approved: false,
      reason: `pull request #${pullNumber} moved: its head is ${pull.headSha}, not ${headSha}, the commit that was to be trained; a maintainer applies '${label}' again after reading the new commits`,
      pull,
    }
  }
  const labelled = data.labels.some((l) => l.name.toLowerCase() === label.toLowerCase())
  if (!labelled) return { approved: false, reason: `pull request #${pullNumber} does not carry the label '${label}'`, pull }

  const events = await octokit.paginate(octokit.rest.issues.listEvents, { owner, repo, issue_number: pullNumber, per_page: 100 })
  const last = [...events]
    .reverse()
    .find((event) => event.event === 'labeled' && 'label' in event && (event.label as { name?: string } | undefined)?.name?.toLowerCase() === label.toLowerCase())
  const approver = last !== undefined && 'actor' in last ? (last.actor as { login?: string } | null)?.login : undefined
  if (approver === undefined) return { approved: false, reason: `no 'labeled' event for '${label}' on pull request #${pullNumber}: cannot tell who applied it`, pull }
  const role = await roleOf(request, approver)
  if (!APPROVING_ROLES.has(role)) {
    return {
      approved: false,
      reason: `'${label}' on pull request #${pullNumber} was applied by ${approver}, whose role in ${owner}/${repo} is ${role}; only write, maintain or admin approves training`,
      pull,
    }
  }
  return { approved: true, approver, role, pull }
}

/** The login's repository role (`role_name`: admin, maintain, write, triage, read), `none` for a non-collaborator. */
async function roleOf({ octokit, owner, repo }: ApprovalRequest, login: string): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login })
    return data.role_name || data.permission
  } catch (error) {
    if (isNotFound(error)) return 'none'
    if (error instanceof GitHubApiError) throw new GitHubApiError(`cannot read the repository role of ${login}: ${error.message}`, error.status, { cause: error })
    throw error
  }
}
