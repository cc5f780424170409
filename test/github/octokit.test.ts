import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createServer } from 'node:net'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { inspect } from 'node:util'
import { GitHubApiError } from '../../src/errors.js'
import { isAlreadyExists, isNotFound, isRateLimited, validationDetails } from '../../src/github/errors.js'
import { createOctokit, resolveApiUrl, type CreateOctokitOptions, type GitHubLog } from '../../src/github/octokit.js'
import { primaryRateLimit, secondaryRateLimit, startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'

const repo = { owner: 'acme', repo: 'models' }

/** A log that keeps its lines, so tests can read the retry notices. */
function recordingLog(): GitHubLog & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    debug: () => {},
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  }
}

let double: GitHubDouble
let log: ReturnType<typeof recordingLog>

function client(options: Partial<CreateOctokitOptions> = {}) {
  return createOctokit({ token: double.token, baseUrl: double.url, retryAfterBaseMs: 1, writeIntervalMs: 0, log, ...options })
}

async function rejection(promise: Promise<unknown>): Promise<GitHubApiError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof GitHubApiError, `expected a GitHubApiError, got ${String(error)}`)
    return error
  }
  assert.fail('expected the call to fail')
}

function statusesOf(operationId: string): number[] {
  return double.requests.filter((request) => request.operationId === operationId).map((request) => request.status)
}

beforeEach(async () => {
  double = await startGitHubDouble({ ...repo, tokens: { 'ghs_readonly': 'read' } })
  log = recordingLog()
})

afterEach(async () => {
  await double.close()
})

describe('createOctokit against the GitHub double', () => {
  it('creates a draft release, uploads an asset to its upload_url, publishes it, and downloads the bytes', async () => {
    const octokit = client()
    const draft = await octokit.rest.repos.createRelease({ ...repo, tag_name: 'churn@v0.0.1', name: 'churn v0.0.1', draft: true })
    assert.equal(draft.status, 201)
    assert.ok(draft.data.upload_url.startsWith(`${double.uploadUrl}/repos/acme/models/releases/${draft.data.id}/assets`))
    const bytes = Buffer.from('onnx model bytes')
    const asset = await octokit.request({
      method: 'POST',
      url: draft.data.upload_url,
      name: 'model.onnx',
      data: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    })
    assert.equal(asset.status, 201)
    assert.equal(asset.data.name, 'model.onnx')
    assert.equal(asset.data.size, bytes.length)

    await assert.rejects(octokit.rest.repos.getReleaseByTag({ ...repo, tag: 'churn@v0.0.1' }), (error) => isNotFound(error))
    await octokit.rest.repos.updateRelease({ ...repo, release_id: draft.data.id, draft: false })
    const published = await octokit.rest.repos.getReleaseByTag({ ...repo, tag: 'churn@v0.0.1' })
    assert.deepEqual(published.data.assets.map((a) => a.name), ['model.onnx'])

    const download = await octokit.request('GET /repos/{owner}/{repo}/releases/assets/{asset_id}', {
      ...repo,
      asset_id: asset.data.id,
      headers: { accept: 'application/octet-stream' },
    })
    assert.equal(Buffer.from(download.data as unknown as ArrayBuffer).toString(), 'onnx model bytes')
  })

  it('turns a same-name upload into a 422 GitHubApiError that isAlreadyExists recognises', async () => {
    const octokit = client()
    const release = await octokit.rest.repos.createRelease({ ...repo, tag_name: 'churn@v0.0.2', draft: true })
    const upload = () =>
      octokit.request({ method: 'POST', url: release.data.upload_url, name: 'metrics.json', data: '{}', headers: { 'content-type': 'application/json' } })
    await upload()
    const error = await rejection(upload())
    assert.equal(error.status, 422)
    assert.equal(
      error.message,
      `GitHub API POST /uploads/repos/acme/models/releases/${release.data.id}/assets?name=metrics.json answered 422 (Validation Failed): ` +
        'GitHub rejected the values sent: ReleaseAsset.name already_exists. Fix those values and retry.',
    )
    assert.ok(isAlreadyExists(error))
    assert.deepEqual(validationDetails(error), [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }])
  })

  it('pages through more than 100 comments by following the Link header', async () => {
    const octokit = client()
    const issue = await octokit.rest.issues.create({ ...repo, title: 'Drift report: churn' })
    for (let i = 1; i <= 150; i++) {
      const id = double.state.nextId()
      double.state.comments.set(id, {
        id,
        issueNumber: issue.data.number,
        body: `comment ${i}`,
        user: 'octocat',
        createdAt: '2025-01-01T00:00:00Z',
        updatedAt: '2025-01-01T00:00:00Z',
      })
    }
    const first = await octokit.rest.issues.listComments({ ...repo, issue_number: issue.data.number })
    assert.equal(first.data.length, 30)
    const base = `${double.url}/repos/acme/models/issues/${issue.data.number}/comments`
    assert.equal(first.headers.link, `<${base}?per_page=30&page=2>; rel="next", <${base}?per_page=30&page=5>; rel="last"`)

    const all = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: issue.data.number, per_page: 100 })
    assert.equal(all.length, 150)
    assert.deepEqual(
      all.slice(98, 101).map((comment) => comment.body),
      ['comment 99', 'comment 100', 'comment 101'],
    )
    const pages = double.requests.filter((r) => r.operationId === 'issues/list-comments').map((r) => r.query.page ?? '1')
    assert.deepEqual(pages, ['1', '1', '2'])
  })

  it('retries a 502 and succeeds', async () => {
    double.failNext('repos/get', { status: 502 })
    const response = await client().rest.repos.get(repo)
    assert.equal(response.data.full_name, 'acme/models')
    assert.deepEqual(statusesOf('repos/get'), [502, 200])
  })

  it('gives up after the configured retries with a message naming them', async () => {
    double.failNext('GET /repos/{owner}/{repo}', { status: 503, times: 3 })
    const error = await rejection(client({ retries: 2 }).rest.repos.get(repo))
    assert.equal(error.status, 503)
    assert.equal(
      error.message,
      'GitHub API GET /repos/acme/models answered 503 (Service Unavailable): GitHub failed after 2 retries. ' +
        'Try again later; https://www.githubstatus.com shows incidents.',
    )
    assert.deepEqual(statusesOf('repos/get'), [503, 503, 503])
  })

  it('waits out a 429 secondary rate limit (retry-after) and succeeds', async () => {
    double.failNext('repos/list-releases', secondaryRateLimit(2, 429))
    const response = await client().rest.repos.listReleases(repo)
    assert.deepEqual(response.data, [])
    assert.deepEqual(statusesOf('repos/list-releases'), [429, 200])
    assert.deepEqual(log.lines, [
      'warn: GitHub secondary rate limit on GET /repos/{owner}/{repo}/releases: retrying in 2 s (retry 1 of 2)',
    ])
  })

  it('waits out a 403 primary rate limit until x-ratelimit-reset and succeeds', async () => {
    double.failNext('repos/list-tags', primaryRateLimit(5))
    const response = await client().rest.repos.listTags(repo)
    assert.deepEqual(response.data, [])
    assert.deepEqual(statusesOf('repos/list-tags'), [403, 200])
    assert.match(log.lines[0] ?? '', /^warn: GitHub rate limit on GET \/repos\/\{owner\}\/\{repo\}\/tags: retrying in \d+ s \(retry 1 of 2\)$/)
  })

  it('gives up on a rate limit after the bounded retries and says when it resets', async () => {
    const fault = primaryRateLimit(5, 403)
    double.failNext('repos/list-tags', { ...fault, times: 3 })
    const error = await rejection(client({ rateLimitRetries: 2 }).rest.repos.listTags(repo))
    assert.equal(error.status, 403)
    assert.ok(isRateLimited(error))
    const reset = new Date(Number(fault.headers?.['x-ratelimit-reset']) * 1000).toISOString()
    assert.match(
      error.message,
      new RegExp(
        `^GitHub API GET /repos/acme/models/tags answered 403 \\(API rate limit exceeded for installation\\. .*\\): the API rate limit is used up until ${reset.replace(/[.]/g, '\\.')} \\(in [01] min\\)\\. Wait for the reset or make fewer calls; the workflow GITHUB_TOKEN allows 1,000 requests an hour per repository\\.$`,
      ),
    )
    assert.deepEqual(statusesOf('repos/list-tags'), [403, 403, 403])
  })

  it('does not sit out a rate-limit wait longer than maxRateLimitWaitSeconds', async () => {
    double.failNext('repos/list-tags', primaryRateLimit(3600))
    const error = await rejection(client({ maxRateLimitWaitSeconds: 60 }).rest.repos.listTags(repo))
    assert.match(error.message, /the API rate limit is used up until .* \(in 60 min\)/)
    assert.deepEqual(statusesOf('repos/list-tags'), [403])
    // The reset time is whole epoch seconds, 3,600 s after a moment inside the current second: 3600 or 3601.
    assert.match(log.lines[0] ?? '', /the wait of 360[01] s is longer than 60 s, giving up$/)
  })

  it('explains a 401 as an invalid or expired token', async () => {
    const error = await rejection(client({ token: 'ghs_not_a_token' }).rest.repos.get(repo))
    assert.equal(error.status, 401)
    assert.equal(
      error.message,
      'GitHub API GET /repos/acme/models answered 401 (Bad credentials): the token is invalid or has expired. ' +
        'Pass a valid token; the workflow GITHUB_TOKEN expires when its job ends, so register and comment from a short follow-up job.',
    )
  })

  it("explains a read-only token's 403 by the permission the workflow must grant", async () => {
    const octokit = client({ token: 'ghs_readonly' })
    assert.equal((await octokit.rest.repos.listReleases(repo)).status, 200)
    const error = await rejection(octokit.rest.repos.createRelease({ ...repo, tag_name: 'churn@v0.0.1' }))
    assert.equal(error.status, 403)
    assert.equal(
      error.message,
      'GitHub API POST /repos/acme/models/releases answered 403 (Resource not accessible by integration): ' +
        "the token lacks the permission contents: write. Add it to the job's `permissions:` in the workflow " +
        '(e.g. `permissions: { contents: write }`); a pull request from a fork always gets a read-only token.',
    )
    const comment = await rejection(octokit.rest.issues.createComment({ ...repo, issue_number: 1, body: 'x' }))
    assert.match(comment.message, /lacks the permission issues: write or pull-requests: write\. .*`permissions: \{ issues: write \}`/)
  })

  it('explains a 404 as missing or invisible, and keeps the status for isNotFound', async () => {
    const error = await rejection(client().rest.repos.getReleaseByTag({ ...repo, tag: 'churn@v9.9.9' }))
    assert.ok(isNotFound(error))
    assert.equal(
      error.message,
      'GitHub API GET /repos/acme/models/releases/tags/churn@v9.9.9 answered 404 (Not Found): it does not exist, or the token cannot ' +
        "see it (GitHub answers 404, not 403, for what a token may not read). Check the owner, repository and name, and the token's repository access.",
    )
  })

  it('reports a request GitHub would refuse as a violation of the double (wrong field type)', async () => {
    const error = await rejection(
      client().request('POST /repos/{owner}/{repo}/releases', { ...repo, tag_name: 'churn@v0.0.1', draft: 'yes' as unknown as boolean }),
    )
    assert.equal(error.status, 422)
    assert.match(error.message, /answered 422 \(Invalid request\.\n\nbody\.draft must be boolean\)/)
    const violations = double.takeViolations()
    assert.deepEqual(
      violations.map((v) => [v.kind, v.operationId, v.problems]),
      [['request', 'repos/create-release', ['body.draft must be boolean']]],
    )
  })

  it('says when GitHub cannot be reached at all', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number }
        probe.close(() => resolve(free))
      })
    })
    const error = await rejection(client({ baseUrl: `http://127.0.0.1:${port}`, retries: 1 }).rest.repos.get(repo))
    assert.equal(error.status, 0)
    assert.match(
      error.message,
      new RegExp(`^GitHub API GET /repos/acme/models got no answer from http://127\\.0\\.0\\.1:${port}: .+\\. Check the network and GITHUB_API_URL \\(or the base-url input\\) and try again\\.$`),
    )
  })

  it('never carries the token in a failed request\'s error, its message or its printed cause', async () => {
    const errors = [
      await rejection(client({ token: 'ghs_not_a_token' }).rest.repos.get(repo)),
      await rejection(client().rest.repos.getReleaseByTag({ ...repo, tag: 'churn@v9.9.9' })),
      await rejection(client({ token: 'ghs_readonly' }).rest.repos.createRelease({ ...repo, tag_name: 'churn@v0.0.1' })),
    ]
    assert.deepEqual(errors.map((error) => error.status), [401, 404, 403])
    for (const error of errors) {
      // What a person could see: the message, or the whole error as a bug report prints it.
      const printed = `${error.message}\n${inspect(error, { depth: 10 })}`
      for (const token of ['ghs_not_a_token', double.token, 'ghs_readonly']) assert.ok(!printed.includes(token), `${error.status} error shows ${token}`)
    }
  })

  it('makes tags created through the API visible to git ls-remote of the bare repository', async () => {
    const octokit = client()
    const main = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })
    const tag = await octokit.rest.git.createTag({
      ...repo,
      tag: 'churn@v1.0.0',
      message: '{"run":"https://example.test/run/1"}\n',
      object: main.data.object.sha,
      type: 'commit',
      tagger: { name: 'Modelship', email: 'modelship@example.com', date: '2025-03-01T12:00:00Z' },
    })
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/tags/churn@v1.0.0', sha: tag.data.sha })
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/tags/churn#production#1', sha: main.data.object.sha })
    const lines = execFileSync('git', ['ls-remote', '--tags', double.gitDir], { encoding: 'utf8' }).trim().split('\n')
    assert.deepEqual(lines, [
      `${main.data.object.sha}\trefs/tags/churn#production#1`,
      `${tag.data.sha}\trefs/tags/churn@v1.0.0`,
      `${main.data.object.sha}\trefs/tags/churn@v1.0.0^{}`,
    ])
    const message = execFileSync('git', ['--git-dir', double.gitDir, 'tag', '-l', '--format=%(contents)', 'churn@v1.0.0'], { encoding: 'utf8' })
    assert.equal(message, '{"run":"https://example.test/run/1"}\n\n')
  })

  it('takes the API root from the option, else GITHUB_API_URL, else api.github.com', async () => {
    assert.equal(resolveApiUrl('https://ghes.example.com/api/v3/', {}), 'https://ghes.example.com/api/v3')
    assert.equal(resolveApiUrl(undefined, { GITHUB_API_URL: 'https://ghes.example.com/api/v3' }), 'https://ghes.example.com/api/v3')
    assert.equal(resolveApiUrl('', {}), 'https://api.github.com')
    const fromEnv = createOctokit({ token: double.token, env: { GITHUB_API_URL: double.url }, log })
    assert.equal((await fromEnv.rest.repos.get(repo)).data.full_name, 'acme/models')
  })
})

describe('createOctokit is @actions/github getOctokit', () => {
  it("sends the runner's orchestration id in the User-Agent after ours, as every @actions/github client does", async () => {
    const saved = process.env.ACTIONS_ORCHESTRATION_ID
    process.env.ACTIONS_ORCHESTRATION_ID = 'run 42/a'
    try {
      const octokit = client()
      let userAgent: string | undefined
      octokit.hook.before('request', (options) => {
        userAgent = String(options.headers['user-agent'])
      })
      await octokit.rest.repos.get(repo)
      assert.match(userAgent ?? '', /^modelship actions_orchestration_id\/run_42_a /)
    } finally {
      if (saved === undefined) delete process.env.ACTIONS_ORCHESTRATION_ID
      else process.env.ACTIONS_ORCHESTRATION_ID = saved
    }
  })
})
