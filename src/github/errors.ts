/**
 * Turns Octokit's `RequestError` into a `GitHubApiError` whose message says what was attempted, what
 * GitHub answered and what to do about it. This is the one place that knows GitHub's error shapes;
 * everything past the Octokit factory sees `GitHubApiError` only.
 */
import { GitHubApiError } from '../errors.js'

/** One entry of a 422 answer's `errors` list, as GitHub documents it (all fields optional). */
export interface GitHubValidationDetail {
  resource?: string
  field?: string
  /** `missing`, `missing_field`, `invalid`, `already_exists`, `unprocessable` or `custom`. */
  code?: string
  message?: string
}

/** The parts of a failed request the message needs; Octokit's `RequestError` has this shape. */
interface RequestErrorLike {
  status: number
  message: string
  request: { method: string; url: string; request?: { retryCount?: number } }
  response?: { status: number; headers: Record<string, string | number | undefined>; data?: unknown }
}

function isRequestErrorLike(error: unknown): error is RequestErrorLike {
  if (typeof error !== 'object' || error === null) return false
  const candidate = error as Partial<RequestErrorLike>
  return (
    typeof candidate.status === 'number' &&
    typeof candidate.request === 'object' &&
    candidate.request !== null &&
    typeof candidate.request.url === 'string'
  )
}

/** Converts a failed Octokit request into a `GitHubApiError`; anything else is returned unchanged. */
export function toGitHubApiError(error: unknown, now: Date = new Date()): unknown {
  if (error instanceof GitHubApiError || !isRequestErrorLike(error)) return error
  const attempted = describeRequest(error.request.method, error.request.url)
  if (error.response === undefined) {
    const origin = safeOrigin(error.request.url)
    return new GitHubApiError(
      `GitHub API ${attempted} got no answer from ${origin}: ${error.message}. ` +
        'Check the network and GITHUB_API_URL (or the base-url input) and try again.',
      0,
      { cause: error },
    )
  }
  const status = error.response.status
  const headers = error.response.headers
  const githubMessage = messageOf(error.response.data) ?? error.message
  const answered = `GitHub API ${attempted} answered ${status} (${githubMessage})`
  const retries = error.request.request?.retryCount ?? 0
  return new GitHubApiError(`${answered}: ${explain(status, githubMessage, headers, error, retries, now)}`, status, {
    cause: error,
  })
}

function explain(
  status: number,
  githubMessage: string,
  headers: Record<string, string | number | undefined>,
  error: RequestErrorLike,
  retries: number,
  now: Date,
): string {
  if ((status === 403 || status === 429) && isRateLimitAnswer(githubMessage, headers)) {
    return explainRateLimit(githubMessage, headers, now)
  }
  if (status === 401) {
    return (
      'the token is invalid or has expired. Pass a valid token; the workflow GITHUB_TOKEN expires when ' +
      'its job ends, so register and comment from a short follow-up job.'
    )
  }
  if (status === 403 && /not accessible by integration|not accessible by personal access token/i.test(githubMessage)) {
    const permission = acceptedPermission(headers) ?? guessPermission(error.request.method, error.request.url)
    return (
      `the token lacks the permission ${permission}. Add it to the job's \`permissions:\` in the workflow ` +
      `(e.g. \`permissions: { ${permission.split(' or ')[0]} }\`); a pull request from a fork always gets a read-only token.`
    )
  }
  if (status === 403) {
    return "the token is not allowed to do this. Check the token's repository access and the job's `permissions:`."
  }
  if (status === 404) {
    return (
      'it does not exist, or the token cannot see it (GitHub answers 404, not 403, for what a token may not read). ' +
      "Check the owner, repository and name, and the token's repository access."
    )
  }
  if (status === 409) return "it conflicts with the repository's current state. Read the state again and retry."
  if (status === 422) {
    const details = validationDetailsOf(error.response?.data)
    const listed = details.length > 0 ? details.map(formatDetail).join('; ') : 'no details given'
    return `GitHub rejected the values sent: ${listed}. Fix those values and retry.`
  }
  if (status >= 500) {
    const tried = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : ''
    return `GitHub failed${tried}. Try again later; https://www.githubstatus.com shows incidents.`
  }
  return 'the request was refused. Check the values sent.'
}

/** Rate limits come as 403 or 429, marked by the message or by a spent `x-ratelimit-remaining`. */
function isRateLimitAnswer(message: string, headers: Record<string, string | number | undefined>): boolean {
  return (
    /rate limit/i.test(message) || String(headers['x-ratelimit-remaining']) === '0' || headers['retry-after'] !== undefined
  )
}

function explainRateLimit(message: string, headers: Record<string, string | number | undefined>, now: Date): string {
  const retryAfter = Number(headers['retry-after'])
  if (/secondary rate/i.test(message) || (Number.isFinite(retryAfter) && String(headers['x-ratelimit-remaining']) !== '0')) {
    const wait = Number.isFinite(retryAfter) ? `${retryAfter} s` : 'at least a minute'
    return `a secondary rate limit (too many requests at once); GitHub asks to wait ${wait}. Space out the calls and retry.`
  }
  const resetSeconds = Number(headers['x-ratelimit-reset'])
  if (Number.isFinite(resetSeconds) && resetSeconds > 0) {
    const reset = new Date(resetSeconds * 1000)
    const minutes = Math.max(0, Math.ceil((reset.getTime() - now.getTime()) / 60_000))
    return (
      `the API rate limit is used up until ${reset.toISOString()} (in ${minutes} min). Wait for the reset or make ` +
      'fewer calls; the workflow GITHUB_TOKEN allows 1,000 requests an hour per repository.'
    )
  }
  return 'the API rate limit is used up. Wait an hour or make fewer calls.'
}

/**
 * GitHub names the permissions an endpoint accepts in `x-accepted-github-permissions`
 * (`contents=write; issues=write` means either); workflows spell them `contents: write`.
 */
function acceptedPermission(headers: Record<string, string | number | undefined>): string | undefined {
  const raw = headers['x-accepted-github-permissions']
  if (typeof raw !== 'string' || raw.trim() === '') return undefined
  const alternatives = raw
    .split(';')
    .map((alternative) =>
      alternative
        .split(',')
        .map((pair) => pair.trim().replace('=', ': ').replace(/_/g, '-'))
        .filter((pair) => pair !== '')
        .join(', '),
    )
    .filter((alternative) => alternative !== '')
  return alternatives.length > 0 ? alternatives.join(' or ') : undefined
}

/** Used when GitHub sends no `x-accepted-github-permissions`: the permission family by path. */
function guessPermission(method: string, url: string): string {
  const path = safePath(url)
  const access = method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD' ? 'read' : 'write'
  const families: Array<[RegExp, string]> = [
    [/\/pulls(\/|$)/, 'pull-requests'],
    [/\/issues(\/|$)|\/labels(\/|$)/, 'issues'],
    [/\/deployments(\/|$)|\/environments(\/|$)/, 'deployments'],
    [/\/actions(\/|$)/, 'actions'],
    [/\/statuses(\/|$)/, 'statuses'],
    [/\/check-runs(\/|$)|\/check-suites(\/|$)/, 'checks'],
  ]
  const family = families.find(([pattern]) => pattern.test(path))?.[1] ?? 'contents'
  return `${family}: ${access}`
}

function formatDetail(detail: GitHubValidationDetail): string {
  const where = [detail.resource, detail.field].filter((part) => part !== undefined && part !== '').join('.')
  const what = detail.code === 'custom' || detail.code === undefined ? detail.message : detail.code
  const parts = [where, what ?? detail.message].filter((part) => part !== undefined && part !== '')
  const text = parts.join(' ')
  return detail.message !== undefined && detail.message !== what ? `${text} (${detail.message})` : text
}

function messageOf(data: unknown): string | undefined {
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message
  }
  return undefined
}

function validationDetailsOf(data: unknown): GitHubValidationDetail[] {
  const errors = typeof data === 'object' && data !== null ? (data as { errors?: unknown }).errors : undefined
  if (!Array.isArray(errors)) return []
  // GitHub sends objects for most endpoints and plain strings for a few.
  return errors.map((entry): GitHubValidationDetail => (typeof entry === 'string' ? { message: entry } : (entry as GitHubValidationDetail)))
}

function describeRequest(method: string, url: string): string {
  return `${method.toUpperCase()} ${safePath(url)}`
}

function safePath(url: string): string {
  try {
    const parsed = new URL(url)
    // URL templates such as `{?name,label}` leave a dangling `&` when a value is unset.
    return decodeURIComponent(parsed.pathname) + parsed.search.replace(/[?&]+$/, '')
  } catch {
    return url
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof GitHubApiError) return error.status
  if (isRequestErrorLike(error)) return error.response?.status ?? error.status
  return undefined
}

/** True when `error` is a GitHub answer with HTTP `status` (a `GitHubApiError` or a raw Octokit error). */
export function hasStatus(error: unknown, status: number): boolean {
  return statusOf(error) === status
}

/** True for a 404: the thing does not exist or the token cannot see it. */
export function isNotFound(error: unknown): boolean {
  return hasStatus(error, 404)
}

/** True for a 401: the token is missing, invalid or expired. */
export function isUnauthorized(error: unknown): boolean {
  return hasStatus(error, 401)
}

/** True for a 403 that is not a rate limit: the token may not do this. */
export function isForbidden(error: unknown): boolean {
  return hasStatus(error, 403) && !isRateLimited(error)
}

/** True for a 422: GitHub refused the values sent. */
export function isValidationFailed(error: unknown): boolean {
  return hasStatus(error, 422)
}

/** True for a 403 or 429 that reports a primary or secondary rate limit. */
export function isRateLimited(error: unknown): boolean {
  const raw = rawRequestError(error)
  const status = statusOf(error)
  if (raw?.response === undefined || (status !== 403 && status !== 429)) return false
  return isRateLimitAnswer(messageOf(raw.response.data) ?? raw.message, raw.response.headers)
}

/** The `errors` list of a 422 answer; empty for any other error. */
export function validationDetails(error: unknown): GitHubValidationDetail[] {
  if (!isValidationFailed(error)) return []
  return validationDetailsOf(rawRequestError(error)?.response?.data)
}

/** True for a 422 saying the thing already exists (a same-name asset, a taken tag or ref). */
export function isAlreadyExists(error: unknown): boolean {
  return validationDetails(error).some((detail) => detail.code === 'already_exists') ||
    (isValidationFailed(error) && /already exists/i.test(messageOf(rawRequestError(error)?.response?.data) ?? ''))
}

function rawRequestError(error: unknown): RequestErrorLike | undefined {
  if (isRequestErrorLike(error)) return error
  if (error instanceof GitHubApiError && isRequestErrorLike(error.cause)) return error.cause
  return undefined
}
