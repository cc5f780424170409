import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { loadGitHubOpenApi } from '../support/github-double/openapi.js'

let double: GitHubDouble

/** A raw HTTP call to the double (no Octokit), so tests control every byte sent. */
async function call(
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; root?: string } = {},
): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', ...options.headers }
  const token = options.token === undefined ? double.token : options.token
  if (token !== null) headers.authorization = `Bearer ${token}`
  let body: string | Buffer | undefined = options.raw
  if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['content-type'] = 'application/json'
  }
  const response = await fetch(`${options.root ?? double.url}${path}`, { method, headers, body, redirect: 'manual' })
  const text = await response.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, json, text }
}

async function mainSha(): Promise<string> {
  return (await call('GET', '/repos/acme/models/git/ref/heads/main')).json.object.sha
}

beforeEach(async () => {
  double = await startGitHubDouble({ owner: 'acme', repo: 'models', tokens: { ghs_readonly: 'read', ghs_issues: { permissions: { issues: 'write' } } } })
})

afterEach(async () => {
  await double.close()
})

describe('the GitHub double checks requests against the OpenAPI description', () => {
  it('answers 404 to a route GitHub does not have, and records it', async () => {
    const response = await call('GET', '/repos/acme/models/model-versions')
    assert.equal(response.status, 404)
    assert.equal(response.json.message, 'Not Found')
    assert.deepEqual(double.takeViolations().map((v) => [v.kind, v.problems[0]]), [
      ['route', "GET /repos/acme/models/model-versions is not an operation of GitHub's REST API"],
    ])
  })

  it('refuses an asset upload sent to the API host instead of the upload_url', async () => {
    const release = await call('POST', '/repos/acme/models/releases', { body: { tag_name: 'churn@v0.0.1', draft: true } })
    const response = await call('POST', `/repos/acme/models/releases/${release.json.id}/assets?name=model.onnx`, {
      raw: 'bytes',
      headers: { 'content-type': 'application/octet-stream' },
    })
    assert.equal(response.status, 404)
    assert.deepEqual(double.takeViolations().map((v) => v.problems[0]), [
      'release assets are uploaded to the release upload_url (the uploads host), not the API host',
    ])
  })

  it('answers 422 "Invalid request." for bad path, query and body values, listing each', async () => {
    const response = await call('GET', '/repos/acme/models/issues/seven/comments?per_page=many')
    assert.equal(response.status, 422)
    assert.equal(response.json.message, 'Invalid request.\n\npath.issue_number must be integer\nquery.per_page must be integer')
    const missing = await call('POST', '/repos/acme/models/git/refs', { body: { ref: 'refs/tags/x' } })
    assert.equal(missing.status, 422)
    const enumValue = await call('POST', '/repos/acme/models/deployments/1/statuses', { body: { state: 'done' } })
    assert.equal(enumValue.status, 422)
    assert.deepEqual(
      double.takeViolations().map((v) => v.problems),
      [
        ['path.issue_number must be integer', 'query.per_page must be integer'],
        ["body must have required property 'sha'"],
        ['body.state must be equal to one of the allowed values (error, failure, inactive, in_progress, queued, pending, success)'],
      ],
    )
  })

  it('flags unknown body fields and query parameters GitHub would silently ignore', async () => {
    const release = await call('POST', '/repos/acme/models/releases', { body: { tag_name: 'churn@v0.0.1', draft: true, prerelase: true } })
    assert.equal(release.status, 422)
    const list = await call('GET', '/repos/acme/models/releases?tag=churn@v0.0.1')
    assert.equal(list.status, 200)
    assert.deepEqual(double.takeViolations().map((v) => v.problems), [
      ['body.prerelase is not a field of repos/create-release'],
      ['query.tag is not a query parameter of repos/list-releases'],
    ])
  })

  it('answers 400 to a body that is not JSON', async () => {
    const response = await call('POST', '/repos/acme/models/issues', { raw: '{"title":', headers: { 'content-type': 'application/json' } })
    assert.equal(response.status, 400)
    assert.equal(response.json.message, 'Problems parsing JSON')
    assert.equal(double.takeViolations()[0]?.kind, 'request')
  })

  it('fails close() while a violation is left, listing it', async () => {
    const other = await startGitHubDouble()
    await fetch(`${other.url}/repos/acme/models/releases?page=first`, { headers: { authorization: `token ${other.token}` } })
    await assert.rejects(other.close(), {
      name: 'AssertionError',
      message: 'GitHub double saw 1 contract violation(s):\n  GET /repos/acme/models/releases (repos/list-releases) [request]: query.page must be integer',
    })
  })

  it('keeps itself honest: an answer missing required fields is a violation', () => {
    const referee = loadGitHubOpenApi()
    const problems = referee.checkResponse(referee.operation('repos/get-release'), 200, { id: 1, tag_name: 'v1' }, 'application/json')
    assert.ok(problems.some((p) => p.message === "must have required property 'upload_url'"))
    assert.deepEqual(referee.checkResponse(referee.operation('repos/delete-release'), 200, undefined, undefined), [
      { at: 'status', message: '200 is not a status repos/delete-release answers' },
    ])
  })
})

describe('the GitHub double authenticates and limits like GitHub', () => {
  it('answers 401 to an unknown token and to an anonymous write, and lets anonymous reads through', async () => {
    assert.equal((await call('GET', '/repos/acme/models', { token: 'ghs_wrong' })).json.message, 'Bad credentials')
    assert.equal((await call('POST', '/repos/acme/models/issues', { token: null, body: { title: 'x' } })).json.message, 'Requires authentication')
    assert.equal((await call('GET', '/repos/acme/models', { token: null })).status, 200)
  })

  it('gives a read-only token 403 with x-accepted-github-permissions on writes', async () => {
    const response = await call('POST', '/repos/acme/models/git/refs', { token: 'ghs_readonly', body: { ref: 'refs/tags/a', sha: await mainSha() } })
    assert.equal(response.status, 403)
    assert.equal(response.json.message, 'Resource not accessible by integration')
    assert.equal(response.headers.get('x-accepted-github-permissions'), 'contents=write')
    const issue = await call('POST', '/repos/acme/models/issues', { token: 'ghs_issues', body: { title: 'Drift' } })
    assert.equal(issue.status, 201)
    assert.equal((await call('POST', '/repos/acme/models/releases', { token: 'ghs_issues', body: { tag_name: 'a' } })).status, 403)
  })

  it('spends a per-token rate limit and reports it in headers and /rate_limit', async () => {
    const limited = await startGitHubDouble({ rateLimit: 2 })
    try {
      const get = () => fetch(`${limited.url}/repos/acme/models`, { headers: { authorization: `token ${limited.token}` } })
      assert.equal((await get()).headers.get('x-ratelimit-remaining'), '1')
      assert.equal((await get()).status, 200)
      const refused = await get()
      assert.equal(refused.status, 403)
      assert.equal(refused.headers.get('x-ratelimit-remaining'), '0')
      assert.match(((await refused.json()) as { message: string }).message, /^API rate limit exceeded/)
      const overview = await fetch(`${limited.url}/rate_limit`, { headers: { authorization: `token ${limited.token}` } })
      assert.deepEqual(((await overview.json()) as { rate: { used: number; remaining: number } }).rate.remaining, 0)
    } finally {
      await limited.close()
    }
  })

  it('applies failNext by operation, by METHOD /template or literal path, and by predicate, for `times` requests', async () => {
    double.failNext('POST /repos/{owner}/{repo}/issues', { status: 500, times: 2 })
    double.failNext('GET /repos/acme/models', { status: 503, headers: { 'retry-after': '1' } })
    double.failNext((request) => request.operationId === 'repos/list-tags', { status: 422, body: { message: 'custom' } })
    assert.equal((await call('POST', '/repos/acme/models/issues', { body: { title: 'a' } })).status, 500)
    assert.equal((await call('POST', '/repos/acme/models/issues', { body: { title: 'a' } })).status, 500)
    assert.equal((await call('POST', '/repos/acme/models/issues', { body: { title: 'a' } })).status, 201)
    const unavailable = await call('GET', '/repos/acme/models')
    assert.deepEqual([unavailable.status, unavailable.headers.get('retry-after')], [503, '1'])
    assert.equal((await call('GET', '/repos/acme/models/tags')).json.message, 'custom')
    assert.deepEqual(double.requests.map((r) => [r.operationId, r.status, r.faulted]), [
      ['issues/create', 500, true],
      ['issues/create', 500, true],
      ['issues/create', 201, false],
      ['repos/get', 503, true],
      ['repos/list-tags', 422, true],
    ])
  })
})

describe('the GitHub double backs git data with a real bare repository', () => {
  it('creates, moves and deletes refs with GitHub refusals, and git sees the same refs', async () => {
    const first = await mainSha()
    const second = await double.createCommit({ files: { 'models/churn/model.yaml': 'name: churn\n' }, message: 'Add churn' })
    const side = await double.createCommit({ branch: 'side', parent: first, files: { 'x.txt': 'x' } })
    assert.equal((await call('POST', '/repos/acme/models/git/refs', { body: { ref: 'refs/tags/churn#staging#1', sha: first } })).status, 201)
    const again = await call('POST', '/repos/acme/models/git/refs', { body: { ref: 'refs/tags/churn#staging#1', sha: first } })
    assert.deepEqual([again.status, again.json.message], [422, 'Reference already exists'])
    const noObject = await call('POST', '/repos/acme/models/git/refs', { body: { ref: 'refs/tags/y', sha: 'f'.repeat(40) } })
    assert.deepEqual([noObject.status, noObject.json.message], [422, 'Object does not exist'])
    const badName = await call('POST', '/repos/acme/models/git/refs', { body: { ref: 'tags/y', sha: first } })
    assert.equal(badName.status, 422)

    const forward = await call('PATCH', `/repos/acme/models/git/refs/${encodeURIComponent('tags/churn#staging#1')}`, { body: { sha: second } })
    assert.equal(forward.json.object.sha, second)
    const sideways = await call('PATCH', '/repos/acme/models/git/refs/tags/churn%23staging%231', { body: { sha: side } })
    assert.deepEqual([sideways.status, sideways.json.message], [422, 'Update is not a fast forward'])
    assert.equal((await call('PATCH', '/repos/acme/models/git/refs/tags/churn%23staging%231', { body: { sha: side, force: true } })).status, 200)
    assert.equal(execFileSync('git', ['ls-remote', double.gitDir, 'refs/tags/churn#staging#1'], { encoding: 'utf8' }), `${side}\trefs/tags/churn#staging#1\n`)

    assert.equal((await call('DELETE', '/repos/acme/models/git/refs/tags/churn%23staging%231')).status, 204)
    const gone = await call('DELETE', '/repos/acme/models/git/refs/tags/churn%23staging%231')
    assert.deepEqual([gone.status, gone.json.message], [422, 'Reference does not exist'])
    assert.equal((await call('GET', '/repos/acme/models/git/ref/tags/churn%23staging%231')).status, 404)
  })

  it('writes annotated tags that a clone fetches with their message and tagger', async () => {
    const sha = await mainSha()
    const tag = await call('POST', '/repos/acme/models/git/tags', {
      body: { tag: 'churn@v0.0.1', message: 'lineage {"data":"abc"}\n', object: sha, type: 'commit', tagger: { name: 'Modelship', email: 'ms@example.com', date: '2025-02-03T04:05:06Z' } },
    })
    assert.equal(tag.status, 201)
    assert.deepEqual(tag.json.tagger, { name: 'Modelship', email: 'ms@example.com', date: '2025-02-03T04:05:06Z' })
    await call('POST', '/repos/acme/models/git/refs', { body: { ref: 'refs/tags/churn@v0.0.1', sha: tag.json.sha } })
    const wrongType = await call('POST', '/repos/acme/models/git/tags', { body: { tag: 't', message: 'm', object: sha, type: 'tree' } })
    assert.equal(wrongType.status, 422)

    const clone = mkdtempSync(join(tmpdir(), 'double-clone-'))
    try {
      execFileSync('git', ['clone', '--quiet', double.gitDir, clone])
      const shown = execFileSync('git', ['-C', clone, 'for-each-ref', '--format=%(refname) %(taggername) %(taggerdate:iso-strict) %(contents:subject)', 'refs/tags'], { encoding: 'utf8' })
      assert.equal(shown, 'refs/tags/churn@v0.0.1 Modelship 2025-02-03T04:05:06+00:00 lineage {"data":"abc"}\n')
    } finally {
      rmSync(clone, { recursive: true, force: true })
    }
    const read = await call('GET', `/repos/acme/models/git/tags/${tag.json.sha}`)
    assert.equal(read.json.message, 'lineage {"data":"abc"}\n')
    const matching = await call('GET', '/repos/acme/models/git/matching-refs/tags/churn@')
    assert.deepEqual(matching.json.map((r: { ref: string; object: { type: string } }) => [r.ref, r.object.type]), [['refs/tags/churn@v0.0.1', 'tag']])
    const tags = await call('GET', '/repos/acme/models/tags')
    assert.deepEqual(tags.json.map((t: { name: string; commit: { sha: string } }) => [t.name, t.commit.sha]), [['churn@v0.0.1', sha]])
  })

  it('lists a pull request’s files from the git diff, and reports the commit for getCommit', async () => {
    await double.createCommit({ files: { 'models/fraud/model.yaml': 'name: fraud\n' } })
    await double.createCommit({ branch: 'feature', files: { 'models/churn/model.yaml': 'name: churn\n', 'README.md': null }, message: 'Add churn\n\nbody' })
    const number = await double.addPullRequest({ head: 'feature', title: 'Add churn', labels: ['model'] })
    const files = await call('GET', `/repos/acme/models/pulls/${number}/files`)
    assert.deepEqual(files.json.map((f: { filename: string; status: string; additions: number; deletions: number }) => [f.filename, f.status, f.additions, f.deletions]), [
      ['README.md', 'removed', 0, 1],
      ['models/churn/model.yaml', 'added', 1, 0],
    ])
    const pull = await call('GET', `/repos/acme/models/pulls/${number}`)
    assert.deepEqual([pull.json.head.ref, pull.json.base.ref, pull.json.changed_files, pull.json.labels[0].name], ['feature', 'main', 2, 'model'])
    const commit = await call('GET', '/repos/acme/models/commits/feature')
    assert.equal(commit.json.commit.message, 'Add churn\n\nbody')
    assert.equal(commit.json.files.length, 2)
    assert.equal((await call('GET', '/repos/acme/models/commits/nope')).status, 422)
    const fork = await double.addPullRequest({ head: 'feature', fromFork: true, user: 'mallory' })
    const forked = await call('GET', `/repos/acme/models/pulls/${fork}`)
    assert.deepEqual([forked.json.head.repo.full_name, forked.json.head.repo.fork], ['mallory/models', true])
  })
})

describe('the GitHub double keeps releases, issues, deployments and workflow runs', () => {
  it('creates a published release and its tag, refuses a second one for the tag, and serves downloads', async () => {
    const published = await call('POST', '/repos/acme/models/releases', { body: { tag_name: 'churn@v0.1.0' } })
    assert.equal(published.status, 201)
    assert.equal(execFileSync('git', ['ls-remote', double.gitDir, 'refs/tags/churn@v0.1.0'], { encoding: 'utf8' }).split('\t')[0], await mainSha())
    const twice = await call('POST', '/repos/acme/models/releases', { body: { tag_name: 'churn@v0.1.0' } })
    assert.deepEqual([twice.status, twice.json.errors], [422, [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }]])
    const badTarget = await call('POST', '/repos/acme/models/releases', { body: { tag_name: 'churn@v0.2.0', target_commitish: 'nope' } })
    assert.equal(badTarget.status, 422)

    const uploadPath = new URL(published.json.upload_url.replace('{?name,label}', '')).pathname
    const asset = await call('POST', `${uploadPath}?name=model.onnx`, { root: double.url, raw: Buffer.from([1, 2, 3]), headers: { 'content-type': 'application/octet-stream' } })
    assert.equal(asset.json.digest, 'sha256:039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81')
    const web = await fetch(asset.json.browser_download_url, { redirect: 'follow' })
    assert.deepEqual([...new Uint8Array(await web.arrayBuffer())], [1, 2, 3])
    const latest = await call('GET', '/repos/acme/models/releases/latest')
    assert.equal(latest.json.assets[0].download_count, 1)

    assert.equal((await call('DELETE', `/repos/acme/models/releases/${published.json.id}`)).status, 204)
    assert.equal((await call('GET', `/repos/acme/models/releases/assets/${asset.json.id}`)).status, 404)
    assert.equal(double.state.assets.size, 0)
  })

  it('keeps sticky-issue state: labels filter the list, comments update in place', async () => {
    const issue = await call('POST', '/repos/acme/models/issues', { body: { title: 'Drift: churn', labels: ['modelship:drift', 'churn'] } })
    await call('POST', '/repos/acme/models/issues', { body: { title: 'Other' } })
    const listed = await call('GET', '/repos/acme/models/issues?labels=modelship:drift,churn&state=open')
    assert.deepEqual(listed.json.map((i: { title: string }) => i.title), ['Drift: churn'])
    const comment = await call('POST', `/repos/acme/models/issues/${issue.json.number}/comments`, { body: { body: '<!-- modelship:drift -->\nfirst' } })
    await call('PATCH', `/repos/acme/models/issues/comments/${comment.json.id}`, { body: { body: '<!-- modelship:drift -->\nsecond' } })
    const comments = await call('GET', `/repos/acme/models/issues/${issue.json.number}/comments`)
    assert.deepEqual(comments.json.map((c: { body: string }) => c.body), ['<!-- modelship:drift -->\nsecond'])
    const closed = await call('PATCH', `/repos/acme/models/issues/${issue.json.number}`, { body: { state: 'closed' } })
    assert.deepEqual([closed.json.state, closed.json.state_reason], ['closed', 'completed'])
    const removed = await call('DELETE', `/repos/acme/models/issues/${issue.json.number}/labels/churn`)
    assert.deepEqual(removed.json.map((l: { name: string }) => l.name), ['modelship:drift'])
    assert.equal((await call('DELETE', `/repos/acme/models/issues/${issue.json.number}/labels/churn`)).status, 404)
  })

  it('marks superseded non-production deployments inactive on success, and leaves production ones to the caller', async () => {
    const deploy = async (environment: string) =>
      (await call('POST', '/repos/acme/models/deployments', { body: { ref: 'main', environment, auto_merge: false, required_contexts: [] } })).json.id as number
    const states = async (id: number) => (await call('GET', `/repos/acme/models/deployments/${id}/statuses`)).json.map((s: { state: string }) => s.state)
    const staging1 = await deploy('staging')
    await call('POST', `/repos/acme/models/deployments/${staging1}/statuses`, { body: { state: 'success' } })
    const staging2 = await deploy('staging')
    await call('POST', `/repos/acme/models/deployments/${staging2}/statuses`, { body: { state: 'in_progress' } })
    assert.deepEqual(await states(staging1), ['success'])
    await call('POST', `/repos/acme/models/deployments/${staging2}/statuses`, { body: { state: 'success', log_url: 'https://example.test/run/2' } })
    assert.deepEqual(await states(staging1), ['inactive', 'success'])
    assert.deepEqual(await states(staging2), ['success', 'in_progress'])

    const production1 = await deploy('production')
    await call('POST', `/repos/acme/models/deployments/${production1}/statuses`, { body: { state: 'success' } })
    const production2 = await deploy('production')
    await call('POST', `/repos/acme/models/deployments/${production2}/statuses`, { body: { state: 'success' } })
    assert.deepEqual(await states(production1), ['success'])
    const refused = await call('DELETE', `/repos/acme/models/deployments/${production1}`)
    assert.equal(refused.status, 422)
    await call('POST', `/repos/acme/models/deployments/${production1}/statuses`, { body: { state: 'inactive' } })
    assert.equal((await call('DELETE', `/repos/acme/models/deployments/${production1}`)).status, 204)
    const listed = await call('GET', '/repos/acme/models/deployments?environment=staging')
    assert.deepEqual(listed.json.map((d: { id: number }) => d.id), [staging2, staging1])
    assert.equal((await call('POST', '/repos/acme/models/deployments', { body: { ref: 'nope' } })).json.message, 'No ref found for: nope')
  })

  it('checks a workflow dispatch against the workflow file on the ref and records the run', async () => {
    await double.createCommit({
      files: {
        '.github/workflows/retrain.yml':
          'name: Retrain\non:\n  workflow_dispatch:\n    inputs:\n      model: { required: true }\n      reason: { required: false }\njobs: {}\n',
        '.github/workflows/ci.yml': 'name: CI\non: [push]\njobs: {}\n',
      },
    })
    const dispatch = (workflow: string, inputs: Record<string, string>) =>
      call('POST', `/repos/acme/models/actions/workflows/${workflow}/dispatches`, { body: { ref: 'main', inputs } })
    assert.deepEqual((await dispatch('retrain.yml', { model: 'churn', extra: 'x' })).json.message, 'Unexpected inputs provided: ["extra"]')
    assert.deepEqual((await dispatch('retrain.yml', { reason: 'drift' })).json.message, "Required input 'model' not provided")
    assert.deepEqual((await dispatch('ci.yml', {})).json.message, "Workflow does not have 'workflow_dispatch' trigger")
    assert.equal((await dispatch('missing.yml', {})).status, 404)
    assert.equal((await dispatch('retrain.yml', { model: 'churn' })).status, 204)
    assert.deepEqual(double.state.dispatches.map((d) => [d.workflowPath, d.ref, d.inputs]), [['.github/workflows/retrain.yml', 'main', { model: 'churn' }]])
    const workflows = await call('GET', '/repos/acme/models/actions/workflows')
    assert.deepEqual(workflows.json.workflows.map((w: { path: string }) => w.path).sort(), ['.github/workflows/ci.yml', '.github/workflows/retrain.yml'])
    const runs = await call('GET', '/repos/acme/models/actions/workflows/retrain.yml/runs?event=workflow_dispatch')
    assert.deepEqual([runs.json.total_count, runs.json.workflow_runs[0].status, runs.json.workflow_runs[0].name], [1, 'queued', 'Retrain'])
  })

  it('answers collaborator permission levels the test sets, folding fine roles as GitHub does', async () => {
    double.setPermission('alice', 'maintain')
    const alice = await call('GET', '/repos/acme/models/collaborators/alice/permission')
    assert.deepEqual([alice.json.permission, alice.json.role_name, alice.json.user.login], ['write', 'maintain', 'alice'])
    assert.equal((await call('GET', '/repos/acme/models/collaborators/bob/permission')).status, 404)
    assert.equal((await call('GET', '/repos/other/models')).status, 404)
  })
})

describe('the GitHub double records label events and serves org runner groups', () => {
  it('adding and removing a label through the API records who did it, as issues.listEvents reports', async () => {
    const issue = (await call('POST', '/repos/acme/models/issues', { body: { title: 'x' } })).json.number
    double.labelIssue(issue, 'modelship:train', 'alice')
    assert.equal((await call('DELETE', `/repos/acme/models/issues/${issue}/labels/modelship:train`)).status, 200)
    const events = (await call('GET', `/repos/acme/models/issues/${issue}/events`)).json
    assert.deepEqual(events.map((e: any) => [e.event, e.label.name, e.actor.login]), [
      ['labeled', 'modelship:train', 'alice'],
      ['unlabeled', 'modelship:train', 'github-actions[bot]'],
    ])
  })

  it('runner groups and their runners are listed for the owner organization only', async () => {
    double.state.actionsSettings.orgRunnerGroups = [
      { name: 'gpus', visibility: 'selected', restrictedToWorkflows: true, selectedWorkflows: ['a/b/.github/workflows/c.yml@refs/heads/main'], allowsPublicRepositories: false, runners: [{ name: 'gpu-1', labels: ['self-hosted', 'gpu'] }] },
    ]
    const groups = (await call('GET', '/orgs/acme/actions/runner-groups')).json
    assert.deepEqual([groups.total_count, groups.runner_groups[0].restricted_to_workflows, groups.runner_groups[0].selected_workflows], [1, true, ['a/b/.github/workflows/c.yml@refs/heads/main']])
    const runners = (await call('GET', '/orgs/acme/actions/runner-groups/1/runners')).json
    assert.deepEqual(runners.runners[0].labels.map((l: any) => l.name), ['self-hosted', 'gpu'])
    assert.equal((await call('GET', '/orgs/other/actions/runner-groups')).status, 404)
    assert.equal((await call('GET', '/orgs/acme/actions/runner-groups/2/runners')).status, 404)
    double.state.actionsSettings.orgRunnerGroups = undefined
    assert.equal((await call('GET', '/orgs/acme/actions/runner-groups')).status, 404, 'a user account has no runner groups')
  })
})
