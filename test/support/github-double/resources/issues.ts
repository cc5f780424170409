/**
 * Issues, issue comments and labels on issues. Pull requests are issues here as on GitHub: they share
 * numbers, appear in the issue list (with a `pull_request` key) and take comments and labels through
 * the issue endpoints.
 */
import { ApiError, bodyOf, intParam, json, noContent, notFound, timestamp, type Handler } from '../http.js'
import { label, nodeId, simpleUser } from '../objects.js'
import { paginate } from '../pagination.js'
import type { CommentRecord, DoubleState, IssueRecord } from '../state.js'
import type { Urls } from '../urls.js'

type LabelInput = string | { name?: string }

/** `issue` JSON (pull requests carry the `pull_request` key). */
export function renderIssue(urls: Urls, state: DoubleState, issue: IssueRecord): Record<string, unknown> {
  const kind = issue.pull === undefined ? 'issues' : 'pull'
  const api = `${urls.repoApi}/issues/${issue.number}`
  const assignees = issue.assignees.map((login) => simpleUser(urls, state.user(login)))
  return {
    id: issue.id,
    node_id: nodeId(issue.pull === undefined ? 'I' : 'PR', issue.id),
    url: api,
    repository_url: urls.repoApi,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `${urls.repoWeb}/${kind}/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: simpleUser(urls, state.user(issue.user)),
    labels: issue.labels.map((name) => label(urls, state.label(name))),
    assignee: assignees[0] ?? null,
    assignees,
    milestone: null,
    locked: issue.locked,
    active_lock_reason: null,
    comments: commentsOf(state, issue.number).length,
    ...(issue.pull === undefined
      ? {}
      : {
          pull_request: {
            url: `${urls.repoApi}/pulls/${issue.number}`,
            html_url: `${urls.repoWeb}/pull/${issue.number}`,
            diff_url: `${urls.repoWeb}/pull/${issue.number}.diff`,
            patch_url: `${urls.repoWeb}/pull/${issue.number}.patch`,
            merged_at: issue.pull.mergedAt,
          },
          draft: issue.pull.draft,
        }),
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    author_association: authorAssociation(state, issue.user),
  }
}

/** `issue-comment` JSON. */
export function renderComment(urls: Urls, state: DoubleState, comment: CommentRecord): Record<string, unknown> {
  const issue = state.issues.get(comment.issueNumber)
  const kind = issue?.pull === undefined ? 'issues' : 'pull'
  return {
    id: comment.id,
    node_id: nodeId('IC', comment.id),
    url: `${urls.repoApi}/issues/comments/${comment.id}`,
    html_url: `${urls.repoWeb}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    body: comment.body,
    user: simpleUser(urls, state.user(comment.user)),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${urls.repoApi}/issues/${comment.issueNumber}`,
    author_association: authorAssociation(state, comment.user),
  }
}

function authorAssociation(state: DoubleState, login: string): string {
  if (login === state.owner) return 'OWNER'
  const permission = state.permissions.get(login)
  if (permission === 'admin' || permission === 'maintain' || permission === 'write') return 'COLLABORATOR'
  return 'NONE'
}

function commentsOf(state: DoubleState, issueNumber: number): CommentRecord[] {
  return [...state.comments.values()].filter((comment) => comment.issueNumber === issueNumber).sort((a, b) => a.id - b.id)
}

/** The issue (or pull request) with this number; 404 when none. */
export function findIssue(state: DoubleState, issueNumber: number): IssueRecord {
  const issue = state.issues.get(issueNumber)
  if (issue === undefined) throw notFound()
  return issue
}

function findComment(state: DoubleState, id: number): CommentRecord {
  const comment = state.comments.get(id)
  if (comment === undefined) throw notFound()
  return comment
}

/** Label names from any of the body shapes GitHub accepts (`["a"]`, `{labels: ["a"]}`, `[{name}]`, `"a"`). */
function labelNames(body: unknown): string[] {
  const list = typeof body === 'string' ? [body] : Array.isArray(body) ? body : (body as { labels?: unknown } | undefined)?.labels
  if (!Array.isArray(list)) return []
  return (list as LabelInput[]).map((entry) => (typeof entry === 'string' ? entry : (entry.name ?? ''))).filter((name) => name !== '')
}

/** Adds each label the issue lacks; with `actor`, records a `labeled` event for each (as GitHub does on a click or an API call). */
export function addLabels(issue: IssueRecord, state: DoubleState, names: string[], actor?: string): void {
  for (const name of names) {
    const known = state.label(name)
    if (issue.labels.some((existing) => existing.toLowerCase() === known.name.toLowerCase())) continue
    issue.labels.push(known.name)
    if (actor !== undefined) recordLabelEvent(state, issue, 'labeled', known.name, actor)
  }
}

function recordLabelEvent(state: DoubleState, issue: IssueRecord, event: 'labeled' | 'unlabeled', label: string, actor: string): void {
  state.user(actor)
  state.issueEvents.push({ id: state.nextId(), issueNumber: issue.number, event, actor, label, createdAt: timestamp() })
}

/** `issue-event-for-issue` JSON of a label event. */
function renderLabelEvent(urls: Urls, state: DoubleState, event: DoubleState['issueEvents'][number]): Record<string, unknown> {
  return {
    id: event.id,
    node_id: nodeId(event.event === 'labeled' ? 'LE' : 'UNLE', event.id),
    url: `${urls.repoApi}/issues/events/${event.id}`,
    actor: simpleUser(urls, state.user(event.actor)),
    event: event.event,
    commit_id: null,
    commit_url: null,
    created_at: event.createdAt,
    performed_via_github_app: null,
    label: { name: event.label, color: state.label(event.label).color },
  }
}

const createIssue: Handler = ({ state, request, urls }) => {
  const body = bodyOf<{ title: string | number; body: string; labels: LabelInput[]; assignees: string[]; assignee: string }>(request)
  const now = timestamp()
  const issue: IssueRecord = {
    id: state.nextId(),
    number: state.nextNumber(),
    title: String(body.title),
    body: body.body ?? null,
    state: 'open',
    stateReason: null,
    labels: [],
    assignees: [...(body.assignees ?? []), ...(body.assignee !== undefined && body.assignee !== null ? [body.assignee] : [])],
    user: request.login ?? 'github-actions[bot]',
    locked: false,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    pull: undefined,
  }
  addLabels(issue, state, labelNames({ labels: body.labels ?? [] }))
  state.issues.set(issue.number, issue)
  return json(201, renderIssue(urls, state, issue), { location: `${urls.repoApi}/issues/${issue.number}` })
}

const updateIssue: Handler = ({ state, request, urls }) => {
  const issue = findIssue(state, intParam(request, 'issue_number'))
  const body = bodyOf<{ title: string | number; body: string | null; state: 'open' | 'closed'; state_reason: string | null; labels: LabelInput[]; assignees: string[] }>(
    request,
  )
  if (body.title !== undefined && body.title !== null) issue.title = String(body.title)
  if (body.body !== undefined) issue.body = body.body
  if (body.state !== undefined && body.state !== issue.state) {
    issue.state = body.state
    issue.closedAt = body.state === 'closed' ? timestamp() : null
    issue.stateReason = body.state === 'closed' ? ((body.state_reason as IssueRecord['stateReason']) ?? 'completed') : 'reopened'
  }
  if (body.labels !== undefined) {
    issue.labels = []
    addLabels(issue, state, labelNames({ labels: body.labels }))
  }
  if (body.assignees !== undefined) issue.assignees = [...body.assignees]
  issue.updatedAt = timestamp()
  return json(200, renderIssue(urls, state, issue))
}

const listIssues: Handler = ({ state, request, urls }) => {
  const wantState = request.query.get('state') ?? 'open'
  const wantLabels = (request.query.get('labels') ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '')
  const creator = request.query.get('creator')
  const since = request.query.get('since')
  const sort = request.query.get('sort') ?? 'created'
  const direction = request.query.get('direction') ?? 'desc'
  const key = (issue: IssueRecord): string | number =>
    sort === 'updated' ? issue.updatedAt : sort === 'comments' ? commentsOf(state, issue.number).length : issue.createdAt
  const issues = [...state.issues.values()]
    .filter((issue) => wantState === 'all' || issue.state === wantState)
    .filter((issue) => wantLabels.every((name) => issue.labels.some((has) => has.toLowerCase() === name)))
    .filter((issue) => creator === null || issue.user === creator)
    .filter((issue) => since === null || issue.updatedAt >= since)
    .sort((a, b) => {
      const [ka, kb] = [key(a), key(b)]
      const order = ka === kb ? a.number - b.number : ka < kb ? -1 : 1
      return direction === 'asc' ? order : -order
    })
  return paginate(request, urls.api, issues, (issue) => renderIssue(urls, state, issue))
}

const createComment: Handler = ({ state, request, urls }) => {
  const issue = findIssue(state, intParam(request, 'issue_number'))
  const { body } = bodyOf<{ body: string }>(request)
  if (issue.locked) throw new ApiError(403, 'Unable to create comment because issue is locked.')
  const text = body as string
  if (text.length > 65536) {
    throw new ApiError(422, 'Validation Failed', [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }])
  }
  const now = timestamp()
  const comment: CommentRecord = { id: state.nextId(), issueNumber: issue.number, body: text, user: request.login ?? 'github-actions[bot]', createdAt: now, updatedAt: now }
  state.comments.set(comment.id, comment)
  issue.updatedAt = now
  return json(201, renderComment(urls, state, comment), { location: `${urls.repoApi}/issues/comments/${comment.id}` })
}

const updateComment: Handler = ({ state, request, urls }) => {
  const comment = findComment(state, intParam(request, 'comment_id'))
  const { body } = bodyOf<{ body: string }>(request)
  if ((body as string).length > 65536) {
    throw new ApiError(422, 'Validation Failed', [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }])
  }
  comment.body = body as string
  comment.updatedAt = timestamp()
  return json(200, renderComment(urls, state, comment))
}

/** Issue, comment and issue-label operations by operationId. */
export const issueHandlers: Record<string, Handler> = {
  'issues/create': createIssue,
  'issues/get': ({ state, request, urls }) => json(200, renderIssue(urls, state, findIssue(state, intParam(request, 'issue_number')))),
  'issues/update': updateIssue,
  'issues/list-for-repo': listIssues,
  'issues/list-comments': ({ state, request, urls }) => {
    const issue = findIssue(state, intParam(request, 'issue_number'))
    const since = request.query.get('since')
    const comments = commentsOf(state, issue.number).filter((comment) => since === null || comment.updatedAt >= since)
    return paginate(request, urls.api, comments, (comment) => renderComment(urls, state, comment))
  },
  'issues/create-comment': createComment,
  'issues/get-comment': ({ state, request, urls }) => json(200, renderComment(urls, state, findComment(state, intParam(request, 'comment_id')))),
  'issues/update-comment': updateComment,
  'issues/delete-comment': ({ state, request }) => {
    const comment = findComment(state, intParam(request, 'comment_id'))
    state.comments.delete(comment.id)
    return noContent()
  },
  'issues/list-labels-on-issue': ({ state, request, urls }) => {
    const issue = findIssue(state, intParam(request, 'issue_number'))
    return paginate(request, urls.api, issue.labels, (name) => label(urls, state.label(name)))
  },
  'issues/add-labels': ({ state, request, urls }) => {
    const issue = findIssue(state, intParam(request, 'issue_number'))
    addLabels(issue, state, labelNames(request.body), request.login ?? 'github-actions[bot]')
    issue.updatedAt = timestamp()
    return json(200, issue.labels.map((name) => label(urls, state.label(name))))
  },
  'issues/set-labels': ({ state, request, urls }) => {
    const issue = findIssue(state, intParam(request, 'issue_number'))
    issue.labels = []
    addLabels(issue, state, labelNames(request.body))
    issue.updatedAt = timestamp()
    return json(200, issue.labels.map((name) => label(urls, state.label(name))))
  },
  'issues/remove-label': ({ state, request, urls }) => {
    const issue = findIssue(state, intParam(request, 'issue_number'))
    const name = (request.params.name as string).toLowerCase()
    const index = issue.labels.findIndex((has) => has.toLowerCase() === name)
    if (index === -1) throw new ApiError(404, 'Label does not exist')
    recordLabelEvent(state, issue, 'unlabeled', issue.labels[index]!, request.login ?? 'github-actions[bot]')
    issue.labels.splice(index, 1)
    issue.updatedAt = timestamp()
    return json(200, issue.labels.map((has) => label(urls, state.label(has))))
  },
  'issues/list-events': ({ state, request, urls }) => {
    const issue = findIssue(state, intParam(request, 'issue_number'))
    const events = state.issueEvents.filter((event) => event.issueNumber === issue.number)
    return paginate(request, urls.api, events, (event) => renderLabelEvent(urls, state, event))
  },
}
