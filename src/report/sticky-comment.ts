/**
 * One comment per model per pull request that each run updates in place: found by its hidden marker
 * across every page of the pull request's comments (a busy pull request has more than one page),
 * then updated, or created when there is none. Re-runs never add a second comment.
 */
import type { GitHubClient } from '../github/octokit.js'

/** Where the comment goes. */
export interface StickyCommentTarget {
  octokit: GitHubClient
  owner: string
  repo: string
  /** Pull-request (or issue) number. */
  issueNumber: number
}

/** What `upsertStickyComment` did. */
export interface StickyCommentResult {
  action: 'created' | 'updated' | 'unchanged'
  id: number
  url: string
}

/**
 * Creates or updates the comment holding `marker` (a hidden HTML comment line at the top of `body`).
 * When earlier races left several, the oldest is updated and the others are left alone.
 */
export async function upsertStickyComment(target: StickyCommentTarget, marker: string, body: string): Promise<StickyCommentResult> {
  if (!body.includes(marker)) throw new Error(`upsertStickyComment: the body must contain its marker ${marker}, or the next run could not find it`)
  const { octokit, owner, repo, issueNumber } = target
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 })
  const existing = comments.find((comment) => (comment.body ?? '').includes(marker))
  if (existing) {
    if (existing.body === body) return { action: 'unchanged', id: existing.id, url: existing.html_url }
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body })
    return { action: 'updated', id: data.id, url: data.html_url }
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })
  return { action: 'created', id: data.id, url: data.html_url }
}
