/**
 * Pull requests. Tests open them with `double.addPullRequest`; their files come from the bare
 * repository (`git diff` from the merge base to the head), as GitHub computes them.
 */
import type { GitStore } from '../git-store.js'
import { intParam, json, notFound, type Handler } from '../http.js'
import { label, repository, simpleUser } from '../objects.js'
import { paginate } from '../pagination.js'
import type { DoubleState, IssueRecord, PullRecord } from '../state.js'
import type { Urls } from '../urls.js'
import { renderDiffEntry } from './git.js'

/** The head commit now: a same-repository branch moves with pushes; a fork's head is as recorded. */
export async function currentHead(git: GitStore, pull: PullRecord): Promise<string> {
  if (pull.fromFork) return pull.headSha
  return (await git.resolveCommit(pull.headRef)) ?? pull.headSha
}

function findPull(state: DoubleState, number: number): IssueRecord & { pull: PullRecord } {
  const issue = state.issues.get(number)
  if (issue?.pull === undefined) throw notFound()
  return issue as IssueRecord & { pull: PullRecord }
}

async function renderPull(urls: Urls, state: DoubleState, git: GitStore, issue: IssueRecord & { pull: PullRecord }): Promise<Record<string, unknown>> {
  const pull = issue.pull
  const headSha = await currentHead(git, pull)
  const files = await git.changedFiles(pull.baseSha, headSha)
  const api = `${urls.repoApi}/pulls/${issue.number}`
  const web = `${urls.repoWeb}/pull/${issue.number}`
  const openIssues = [...state.issues.values()].filter((other) => other.state === 'open').length
  const repo = repository(urls, state, openIssues)
  const author = simpleUser(urls, state.user(issue.user))
  const headRepo = pull.fromFork
    ? { ...repo, id: repo.id as number + 1, name: state.repo, full_name: `${issue.user}/${state.repo}`, owner: author, fork: true }
    : repo
  const owner = simpleUser(urls, state.user(state.owner))
  const link = (href: string): { href: string } => ({ href })
  const assignees = issue.assignees.map((login) => simpleUser(urls, state.user(login)))
  return {
    url: api,
    id: issue.id,
    node_id: `PR_${issue.id}`,
    html_url: web,
    diff_url: `${web}.diff`,
    patch_url: `${web}.patch`,
    issue_url: `${urls.repoApi}/issues/${issue.number}`,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${urls.repoApi}/pulls/comments{/number}`,
    comments_url: `${urls.repoApi}/issues/${issue.number}/comments`,
    statuses_url: `${urls.repoApi}/statuses/${headSha}`,
    number: issue.number,
    state: issue.state,
    locked: issue.locked,
    title: issue.title,
    user: author,
    body: issue.body,
    labels: issue.labels.map((name) => label(urls, state.label(name))),
    milestone: null,
    active_lock_reason: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: assignees[0] ?? null,
    assignees,
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${pull.fromFork ? issue.user : state.owner}:${pull.headRef}`,
      ref: pull.headRef,
      repo: headRepo,
      sha: headSha,
      user: pull.fromFork ? author : owner,
    },
    base: { label: `${state.owner}:${pull.baseRef}`, ref: pull.baseRef, repo, sha: pull.baseSha, user: owner },
    _links: {
      self: link(api),
      html: link(web),
      issue: link(`${urls.repoApi}/issues/${issue.number}`),
      comments: link(`${urls.repoApi}/issues/${issue.number}/comments`),
      review_comments: link(`${api}/comments`),
      review_comment: link(`${urls.repoApi}/pulls/comments{/number}`),
      commits: link(`${api}/commits`),
      statuses: link(`${urls.repoApi}/statuses/${headSha}`),
    },
    author_association: pull.fromFork ? 'CONTRIBUTOR' : 'MEMBER',
    auto_merge: null,
    draft: pull.draft,
    merged: pull.merged,
    mergeable: true,
    rebaseable: true,
    mergeable_state: 'clean',
    merged_by: null,
    comments: [...state.comments.values()].filter((comment) => comment.issueNumber === issue.number).length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: Number((await git.git(['rev-list', '--count', `${pull.baseSha}..${headSha}`])).trim()),
    additions: files.reduce((sum, file) => sum + file.additions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    changed_files: files.length,
  }
}

/** Pull-request operations by operationId. */
export const pullHandlers: Record<string, Handler> = {
  'pulls/get': async ({ state, request, urls, git }) => json(200, await renderPull(urls, state, git, findPull(state, intParam(request, 'pull_number')))),
  'pulls/list': async ({ state, request, urls, git }) => {
    const wantState = request.query.get('state') ?? 'open'
    const head = request.query.get('head')
    const base = request.query.get('base')
    const pulls = [...state.issues.values()]
      .filter((issue): issue is IssueRecord & { pull: PullRecord } => issue.pull !== undefined)
      .filter((issue) => wantState === 'all' || issue.state === wantState)
      .filter((issue) => base === null || issue.pull.baseRef === base)
      .filter((issue) => head === null || `${issue.pull.fromFork ? issue.user : state.owner}:${issue.pull.headRef}` === head)
      .sort((a, b) => b.number - a.number)
    const rendered = await Promise.all(pulls.map((issue) => renderPull(urls, state, git, issue)))
    return paginate(request, urls.api, rendered, (pull) => pull)
  },
  'pulls/list-files': async ({ state, request, urls, git }) => {
    const issue = findPull(state, intParam(request, 'pull_number'))
    const headSha = await currentHead(git, issue.pull)
    const files = await git.changedFiles(issue.pull.baseSha, headSha)
    return paginate(request, urls.api, files, (file) => renderDiffEntry(urls, headSha, file))
  },
}
