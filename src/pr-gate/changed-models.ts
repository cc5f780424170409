/**
 * Which models a pull request changes, from GitHub's list of its files (never from anything the pull
 * request's own run wrote), for the trusted `workflow_run` job that posts a fork's report.
 *
 * A file at `models/<a>/<b>/…` may belong to model `a` or `a:b` (a spec's name is its folder under
 * models/, `/` written `:`), so each folder on its path counts. A change only outside models/ (shared
 * data, say) names no model: the trusted side does not read the pull request's specs to learn their
 * data paths, so such a report is not posted from a fork's artifact.
 */
import type { GitHubClient } from '../github/octokit.js'

/** GitHub lists at most this many files of a pull request. */
export const PULL_FILES_LIMIT = 3000

/** The models whose folder holds a changed path, sorted; `models/x.yaml` (no folder) names none. */
export function modelsOfPaths(paths: readonly string[]): string[] {
  const models = new Set<string>()
  for (const path of paths) {
    const parts = path.split('/')
    if (parts[0] !== 'models' || parts.length < 3) continue
    const folders = parts.slice(1, -1)
    for (let depth = 1; depth <= folders.length; depth++) models.add(folders.slice(0, depth).join(':'))
  }
  return [...models].sort()
}

/** The changed models of a pull request, and whether GitHub's file list was cut at its limit. */
export async function changedModels(options: { octokit: GitHubClient; owner: string; repo: string; pullNumber: number }): Promise<{ models: string[]; truncated: boolean }> {
  const { octokit, owner, repo, pullNumber } = options
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: pullNumber, per_page: 100 })
  // A rename moves a model as much as it changes one: both names count.
  const paths = files.flatMap((file) => [file.filename, ...(file.previous_filename ? [file.previous_filename] : [])])
  return { models: modelsOfPaths(paths), truncated: files.length >= PULL_FILES_LIMIT }
}
