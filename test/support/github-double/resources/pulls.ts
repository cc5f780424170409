/**
 * Pull requests. Tests open them with `double.addPullRequest`; their files come from the bare
 * repository (`git diff` from the merge base to the head), as GitHub computes them.
 */
import type { GitStore } from '../git-store.js'
import { ApiError, bodyOf, intParam, json, notFound, timestamp, validationFailed, type Handler } from '../http.js'
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

interface PullBody {
  title: string
  head: string
  base: string
  body: string
  draft: boolean
  state: 'open' | 'closed'
}

/** Opens a pull request from a branch of this repository, refusing what GitHub refuses. */
const createPull: Handler = async ({ state, request, urls, git }) => {
  const body = bodyOf<PullBody>(request)
  // `head` may be `branch` or `owner:branch`; only same-repository heads exist in the double.
  const head = (body.head ?? '').replace(new RegExp(`^${state.owner}:`), '')
  const base = body.base ?? state.defaultBranch
  const headSha = await git.resolveCommit(`refs/heads/${head}`)
  const baseSha = await git.resolveCommit(`refs/heads/${base}`)
  if (headSha === undefined) throw validationFailed({ resource: 'PullRequest', field: 'head', code: 'invalid' })
  if (baseSha === undefined) throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' })
  const open = [...state.issues.values()].find((issue) => issue.state === 'open' && issue.pull?.headRef === head && issue.pull.baseRef === base && !issue.pull.fromFork)
  if (open !== undefined) throw validationFailed({ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${state.owner}:${head}.` })
  if ((await git.git(['rev-list', '--count', `${baseSha}..${headSha}`])).trim() === '0') {
    throw validationFailed({ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` })
  }
  const now = timestamp()
  const issue: IssueRecord & { pull: PullRecord } = {
    id: state.nextId(),
    number: state.nextNumber(),
    title: body.title ?? head,
    body: body.body ?? null,
    state: 'open',
    stateReason: null,
    labels: [],
    assignees: [],
    user: request.login ?? 'github-actions[bot]',
    locked: false,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    pull: { headRef: head, headSha, baseRef: base, baseSha, draft: body.draft ?? false, merged: false, mergedAt: null, mergeCommitSha: null, fromFork: false },
  }
  state.issues.set(issue.number, issue)
  await git.setRef(`refs/pull/${issue.number}/head`, headSha)
  return json(201, await renderPull(urls, state, git, issue), { location: `${urls.repoApi}/pulls/${issue.number}` })
}

/** Changes a pull request's title, body, base or state. */
const updatePull: Handler = async ({ state, request, urls, git }) => {
  const issue = findPull(state, intParam(request, 'pull_number'))
  const body = bodyOf<PullBody>(request)
  if (body.base !== undefined) {
    const baseSha = await git.resolveCommit(`refs/heads/${body.base}`)
    if (baseSha === undefined) throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' })
    issue.pull.baseRef = body.base
    issue.pull.baseSha = baseSha
  }
  if (body.title !== undefined) issue.title = body.title
  if (body.body !== undefined) issue.body = body.body
  if (body.state !== undefined && body.state !== issue.state) {
    if (issue.pull.merged) throw new ApiError(422, 'Cannot change the state of a merged pull request')
    issue.state = body.state
    issue.closedAt = body.state === 'closed' ? timestamp() : null
  }
  issue.updatedAt = timestamp()
  return json(200, await renderPull(urls, state, git, issue))
}

/** Pull-request operations by operationId. */
export const pullHandlers: Record<string, Handler> = {
  'pulls/create': createPull,
  'pulls/update': updatePull,
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
