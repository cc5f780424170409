/**
 * One comment per model per pull request that each run updates in place: found by its hidden marker
 * across every page of the pull request's comments (a busy pull request has more than one page),
 * then updated, or created when there is none. Re-runs never add a second comment.
 *
 * Anyone who can comment can also paste the hidden marker, so a comment counts as ours only when its
 * author is the identity posting: never edit (and so never vouch for) someone else's comment.
 */
import { GitHubApiError } from '../errors.js'
import type { GitHubClient } from '../github/octokit.js'

/** Who posts with a workflow's GITHUB_TOKEN. */
export const GITHUB_ACTIONS_BOT = 'github-actions[bot]'

/** Where the comment goes. */
export interface StickyCommentTarget {
  octokit: GitHubClient
  owner: string
  repo: string
  /** Pull-request (or issue) number. */
  issueNumber: number
  /**
   * Login the token posts as, e.g. `my-app[bot]` for a GitHub App installation token. Default: GET
   * /user for a personal access token; where GitHub refuses that (403 for a GITHUB_TOKEN or an
   * installation token), `github-actions[bot]`.
   */
  author?: string
}

/** What `upsertStickyComment` did. */
export interface StickyCommentResult {
  action: 'created' | 'updated' | 'unchanged'
  id: number
  url: string
  /** Comments holding the marker that someone else wrote; left alone. */
  foreign: number
}

/** The login `target`'s token posts as (see `StickyCommentTarget.author`). */
export async function postingLogin(target: Pick<StickyCommentTarget, 'octokit' | 'author'>): Promise<string> {
  if (target.author !== undefined && target.author.trim() !== '') return target.author.trim()
  try {
    const { data } = await target.octokit.rest.users.getAuthenticated()
    return data.login
  } catch (error) {
    // GitHub answers 403 "Resource not accessible by integration" for tokens that act as a bot.
    if (error instanceof GitHubApiError && error.status === 403) return GITHUB_ACTIONS_BOT
    throw error
  }
}

/**
 * Creates or updates the comment holding `marker` (a hidden HTML comment line at the top of `body`).
 * When earlier races left several, the oldest is updated and the others are left alone.
 */
export async function upsertStickyComment(target: StickyCommentTarget, marker: string, body: string): Promise<StickyCommentResult> {
  if (!body.includes(marker)) throw new Error(`upsertStickyComment: the body must contain its marker ${marker}, or the next run could not find it`)
  const { octokit, owner, repo, issueNumber } = target
  const login = (await postingLogin(target)).toLowerCase()
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 })
  const marked = comments.filter((comment) => (comment.body ?? '').includes(marker))
  // Logins are case-insensitive on GitHub.
  const ours = marked.filter((comment) => comment.user?.login.toLowerCase() === login)
  const foreign = marked.length - ours.length
  const existing = ours[0]
  if (existing) {
    if (existing.body === body) return { action: 'unchanged', id: existing.id, url: existing.html_url, foreign }
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body })
    return { action: 'updated', id: data.id, url: data.html_url, foreign }
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })
  return { action: 'created', id: data.id, url: data.html_url, foreign }
}
