import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GitHubApiError } from '../../src/errors.js'
import {
  hasStatus,
  isAlreadyExists,
  isForbidden,
  isNotFound,
  isRateLimited,
  isUnauthorized,
  isValidationFailed,
  toGitHubApiError,
  validationDetails,
} from '../../src/github/errors.js'

/** An error shaped as Octokit's RequestError (status, request, response). */
function requestError(status: number, options: { method?: string; url?: string; data?: unknown; headers?: Record<string, string> } = {}) {
  return Object.assign(new Error('HttpError'), {
    status,
    request: { method: options.method ?? 'GET', url: options.url ?? 'https://api.github.com/repos/acme/models', headers: {} },
    response: { status, url: options.url ?? '', headers: options.headers ?? {}, data: options.data },
  })
}

function convert(error: unknown): GitHubApiError {
  const converted = toGitHubApiError(error, new Date('2025-06-01T12:00:00Z'))
  assert.ok(converted instanceof GitHubApiError)
  return converted
}

describe('toGitHubApiError', () => {
  it('names every permission GitHub accepts, in workflow spelling', () => {
    const error = convert(
      requestError(403, {
        method: 'POST',
        url: 'https://api.github.com/repos/acme/models/issues/7/comments',
        data: { message: 'Resource not accessible by integration' },
        headers: { 'x-accepted-github-permissions': 'issues=write; pull_requests=write' },
      }),
    )
    assert.equal(
      error.message,
      'GitHub API POST /repos/acme/models/issues/7/comments answered 403 (Resource not accessible by integration): ' +
        "the token lacks the permission issues: write or pull-requests: write. Add it to the job's `permissions:` in the workflow " +
        '(e.g. `permissions: { issues: write }`); a pull request from a fork always gets a read-only token.',
    )
    assert.ok(isForbidden(error))
  })

  it('guesses the permission from the path when GitHub does not name it', () => {
    const cases: Array<[string, string, string]> = [
      ['POST', '/repos/a/b/deployments', 'deployments: write'],
      ['POST', '/repos/a/b/actions/workflows/retrain.yml/dispatches', 'actions: write'],
      ['PATCH', '/repos/a/b/pulls/3', 'pull-requests: write'],
      ['POST', '/repos/a/b/git/refs', 'contents: write'],
      ['GET', '/repos/a/b/releases', 'contents: read'],
    ]
    for (const [method, path, permission] of cases) {
      const error = convert(requestError(403, { method, url: `https://api.github.com${path}`, data: { message: 'Resource not accessible by integration' } }))
      assert.match(error.message, new RegExp(`lacks the permission ${permission}\\.`), path)
    }
  })

  it('lists 422 details, including the plain strings some endpoints send', () => {
    const error = convert(
      requestError(422, {
        method: 'POST',
        data: {
          message: 'Validation Failed',
          errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }, 'body is too long', { resource: 'Issue', field: 'title', code: 'custom', message: 'title is empty' }],
        },
      }),
    )
    assert.equal(
      error.message,
      'GitHub API POST /repos/acme/models answered 422 (Validation Failed): GitHub rejected the values sent: ' +
        'Release.tag_name already_exists; body is too long; Issue.title title is empty. Fix those values and retry.',
    )
    assert.ok(isAlreadyExists(error))
    assert.equal(validationDetails(error).length, 3)
  })

  it('tells a secondary rate limit from a spent primary one', () => {
    const secondary = convert(requestError(403, { data: { message: 'You have exceeded a secondary rate limit.' }, headers: { 'retry-after': '30' } }))
    assert.match(secondary.message, /: a secondary rate limit \(too many requests at once\); GitHub asks to wait 30 s\. Space out the calls and retry\.$/)
    const primary = convert(
      requestError(429, { data: { message: 'API rate limit exceeded' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Date.parse('2025-06-01T12:42:00Z') / 1000) } }),
    )
    assert.match(primary.message, /the API rate limit is used up until 2025-06-01T12:42:00\.000Z \(in 42 min\)\./)
    assert.ok(isRateLimited(primary) && isRateLimited(secondary))
    assert.ok(!isForbidden(secondary))
  })

  it('explains a 409 and an unlisted 4xx', () => {
    assert.match(convert(requestError(409, { data: { message: 'Git Repository is empty.' } })).message, /answered 409 \(Git Repository is empty\.\): it conflicts with the repository's current state\. Read the state again and retry\.$/)
    assert.match(convert(requestError(410, { data: { message: 'Issues are disabled' } })).message, /answered 410 \(Issues are disabled\): the request was refused\. Check the values sent\.$/)
  })

  it('leaves other errors and already converted ones untouched', () => {
    const plain = new TypeError('boom')
    assert.equal(toGitHubApiError(plain), plain)
    const converted = new GitHubApiError('already', 404)
    assert.equal(toGitHubApiError(converted), converted)
  })

  it('answers the status helpers for raw Octokit errors and converted ones alike', () => {
    const raw = requestError(404)
    assert.ok(isNotFound(raw) && isNotFound(convert(raw)))
    assert.ok(isUnauthorized(requestError(401)))
    assert.ok(isValidationFailed(requestError(422)) && !isAlreadyExists(requestError(422)))
    assert.ok(hasStatus(new GitHubApiError('x', 502), 502))
    assert.ok(!isNotFound(new Error('404')))
  })
})
