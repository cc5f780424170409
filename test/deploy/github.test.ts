// GitHub deployments for desired-state changes and the pull request of a refused push, against the
// REST double (every request and answer checked against GitHub's OpenAPI description).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, test } from 'node:test'
import {
  desiredStateUrl,
  finishDeployment,
  GitHubDeployments,
  gitPushAuth,
  publishChange,
  proposalBranch,
  proposeChange,
  startDeployment,
} from '../../src/deploy/github/index.js'
import { DeployPushError } from '../../src/deploy/errors.js'
import { GitHubApiError } from '../../src/errors.js'
import { createOctokit } from '../../src/github/octokit.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { statusesOf } from '../support/github-double/resources/deployments.js'

let double: GitHubDouble
let deployments: GitHubDeployments
const client = (token: string) => createOctokit({ token, baseUrl: double.url, retryAfterBaseMs: 1, writeIntervalMs: 0, log: { debug() {}, info() {}, warn() {}, error() {} } })

beforeEach(async () => {
  double = await startGitHubDouble({ owner: 'acme', repo: 'models', tokens: { 'read-only': 'read' } })
  deployments = new GitHubDeployments({ octokit: client(double.token), owner: 'acme', repo: 'models' })
})
afterEach(() => double.close())

/** A desired-state commit in the double's repository. */
function stateCommit(environment: string, body: string): Promise<string> {
  return double.createCommit({ files: { [`deploy/${environment}.yaml`]: body }, message: `deploy ${environment}` })
}

/** Every status of a deployment, oldest first: [state, description]. */
function statuses(id: number): [string, string][] {
  return statusesOf(double.state, id)
    .reverse()
    .map((status) => [status.state, status.description])
}

describe('deployments of desired-state changes', () => {
  test('one deployment per change: the commit as ref, environment, payload, then in_progress', async () => {
    const commit = await stateCommit('staging', 'churn v1.3.0 10%')
    const id = await startDeployment(
      deployments,
      { environment: 'staging', commit, model: 'churn', version: 'v1.3.0', share: 10, description: 'deploy churn v1.3.0 to staging (10%)' },
      { logUrl: 'https://github.com/acme/models/actions/runs/7', environmentUrl: desiredStateUrl('https://github.com', 'acme', 'models', commit, 'staging') },
    )
    const deployment = double.state.deployments.get(id)!
    assert.deepEqual(
      [deployment.sha, deployment.ref, deployment.environment, deployment.task, deployment.payload, deployment.description, deployment.production],
      [commit, commit, 'staging', 'deploy', { model: 'churn', version: 'v1.3.0', share: 10 }, 'deploy churn v1.3.0 to staging (10%)', false],
    )
    const [status] = statusesOf(double.state, id)
    assert.deepEqual(
      [status!.state, status!.description, status!.logUrl, status!.environmentUrl],
      ['in_progress', 'churn v1.3.0 10%: desired state pushed', 'https://github.com/acme/models/actions/runs/7', `https://github.com/acme/models/blob/${commit}/deploy/staging.yaml`],
    )
    // GitHub makes the environment on the first deployment to it.
    const environments = await client(double.token).rest.repos.getAllEnvironments({ owner: 'acme', repo: 'models' })
    assert.deepEqual(environments.data.environments?.map((environment) => environment.name), ['staging'])
  })

  test('a rerun for the same commit and model finds the deployment instead of making a second', async () => {
    const commit = await stateCommit('staging', 'churn v1.3.0')
    const change = { environment: 'staging', commit, model: 'churn', version: 'v1.3.0', share: 100 }
    const first = await startDeployment(deployments, change)
    await finishDeployment(deployments, { environment: 'staging', commit, model: 'churn', ok: true, description: 'live', live: [{ model: 'churn', version: 'v1.3.0', share: 100 }] })
    const again = await startDeployment(deployments, change)
    assert.equal(again, first)
    assert.equal(double.state.deployments.size, 1)
    assert.deepEqual(statuses(first), [['in_progress', 'churn v1.3.0 100%: desired state pushed'], ['success', 'live']], 'a finished deployment is left as it is')
  })

  test('success retires what the change replaced, and only that: other models and the canary stable version stay active', async () => {
    const live = (entries: [string, string, number][]) => entries.map(([model, version, share]) => ({ model, version, share }))
    const deploy = async (model: string, version: string, share: number, state: [string, string, number][]) => {
      const commit = await stateCommit('production', `${model} ${version} ${share} ${Math.random()}`)
      const id = await startDeployment(deployments, { environment: 'production', commit, model, version, share })
      await finishDeployment(deployments, { environment: 'production', commit, model, ok: true, description: `${model} ${version} live`, live: live(state) })
      return id
    }
    const churnV1 = await deploy('churn', 'v1.0.0', 100, [['churn', 'v1.0.0', 100]])
    const prices = await deploy('house-prices', 'v0.1.0', 100, [['churn', 'v1.0.0', 100], ['house-prices', 'v0.1.0', 100]])
    const canary = await deploy('churn', 'v1.1.0', 10, [['churn', 'v1.0.0', 90], ['churn', 'v1.1.0', 10], ['house-prices', 'v0.1.0', 100]])
    const latest = (id: number) => statusesOf(double.state, id)[0]!.state
    // During the canary both churn versions serve: nothing is inactive, house-prices untouched.
    assert.deepEqual([latest(churnV1), latest(prices), latest(canary)], ['success', 'success', 'success'])

    const full = await deploy('churn', 'v1.1.0', 100, [['churn', 'v1.1.0', 100], ['house-prices', 'v0.1.0', 100]])
    assert.deepEqual([latest(churnV1), latest(prices), latest(canary), latest(full)], ['inactive', 'success', 'inactive', 'success'])
    assert.deepEqual(statuses(churnV1).at(-1), ['inactive', `superseded by deployment ${full}`])
  })

  test('a failed change is marked failure and retires nothing', async () => {
    const first = await stateCommit('staging', 'v1')
    const v1 = await startDeployment(deployments, { environment: 'staging', commit: first, model: 'churn', version: 'v1.0.0', share: 100 })
    await finishDeployment(deployments, { environment: 'staging', commit: first, model: 'churn', ok: true, description: 'live', live: [{ model: 'churn', version: 'v1.0.0', share: 100 }] })
    const second = await stateCommit('staging', 'v2')
    const v2 = await startDeployment(deployments, { environment: 'staging', commit: second, model: 'churn', version: 'v2.0.0', share: 100 })
    const id = await finishDeployment(deployments, {
      environment: 'staging',
      commit: second,
      model: 'churn',
      ok: false,
      description: 'p99 312 ms over the canary limit of 200 ms; rolled back to v1.0.0',
      live: [{ model: 'churn', version: 'v1.0.0', share: 100 }],
    })
    assert.equal(id, v2)
    assert.deepEqual(statuses(v2).at(-1), ['failure', 'p99 312 ms over the canary limit of 200 ms; rolled back to v1.0.0'])
    assert.equal(statusesOf(double.state, v1)[0]!.state, 'success')
  })

  test('finishing a commit no deployment was made for does nothing', async () => {
    const commit = await stateCommit('staging', 'x')
    assert.equal(await finishDeployment(deployments, { environment: 'staging', commit, model: 'churn', ok: true, description: 'live', live: [] }), undefined)
    assert.equal(double.state.deploymentStatuses.size, 0)
  })

  test('descriptions are cut to the 140 characters GitHub takes', async () => {
    const commit = await stateCommit('staging', 'x')
    const id = await startDeployment(deployments, { environment: 'staging', commit, model: 'churn', version: 'v1.0.0', share: 100, description: 'why '.repeat(60) })
    await finishDeployment(deployments, { environment: 'staging', commit, model: 'churn', ok: false, description: 'because '.repeat(30), live: [] })
    assert.equal(double.state.deployments.get(id)!.description!.length, 140)
    assert.equal(statuses(id).at(-1)![1].length, 140)
    assert.ok(statuses(id).at(-1)![1].endsWith('…'))
  })

  test('a read-only token fails with GitHub\'s answer and the fix, and records nothing', async () => {
    const commit = await stateCommit('staging', 'x')
    const readOnly = new GitHubDeployments({ octokit: client('read-only'), owner: 'acme', repo: 'models' })
    await assert.rejects(
      startDeployment(readOnly, { environment: 'staging', commit, model: 'churn', version: 'v1.0.0', share: 100 }),
      (error: unknown) => error instanceof GitHubApiError && error.status === 403 && /POST .*deployments/.test(error.message),
    )
    assert.equal(double.state.deployments.size, 0)
  })

  test('a commit GitHub does not have is refused with its message', async () => {
    await assert.rejects(
      startDeployment(deployments, { environment: 'staging', commit: 'f'.repeat(40), model: 'churn', version: 'v1.0.0', share: 100 }),
      (error: unknown) => error instanceof GitHubApiError && error.status === 422 && error.message.includes(`No ref found for: ${'f'.repeat(40)}`),
    )
  })
})

/** The deploy module's answer for a commit the protected main branch refused. */
function refused(commit: string) {
  return { status: 'protected' as const, commit, base: commit, remote: 'origin', branch: 'main', attempts: 1, changed: [], reason: 'protected branch hook declined' }
}

describe('the pull request of a change the protected branch refused', () => {
  let work: string
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'modelship-propose-'))
    execFileSync('git', ['clone', '--quiet', double.gitDir, work])
    execFileSync('git', ['config', 'user.email', 'bot@example.com'], { cwd: work })
    execFileSync('git', ['config', 'user.name', 'bot'], { cwd: work })
  })
  afterEach(() => rmSync(work, { recursive: true, force: true }))

  function commitState(text: string): string {
    writeFileSync(join(work, 'staging.yaml'), text)
    execFileSync('git', ['add', 'staging.yaml'], { cwd: work })
    execFileSync('git', ['commit', '--quiet', '-m', `deploy: ${text}`], { cwd: work })
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: work, encoding: 'utf8' }).trim()
  }

  test('opens one pull request from the model\'s branch, then updates it for the next change of that model', async () => {
    const octokit = client(double.token)
    const base = { octokit, owner: 'acme', repo: 'models', root: work, environment: 'production', model: 'churn' }
    const first = commitState('v1.3.0')
    const opened = await proposeChange({ ...base, result: refused(first), title: 'Deploy churn v1.3.0 to production', body: 'needs a review' })
    assert.deepEqual([opened.created, opened.branch, opened.number], [true, 'modelship/deploy/production/churn', opened.number])
    assert.equal(opened.url, `${double.webUrl}/acme/models/pull/${opened.number}`)
    assert.equal(await double.git.resolveCommit('refs/heads/modelship/deploy/production/churn'), first)

    execFileSync('git', ['reset', '--quiet', '--hard', 'HEAD~1'], { cwd: work })
    const second = commitState('v1.4.0')
    const updated = await proposeChange({ ...base, result: refused(second), title: 'Deploy churn v1.4.0 to production', body: 'newer' })
    assert.deepEqual([updated.created, updated.number], [false, opened.number])
    assert.equal(await double.git.resolveCommit('refs/heads/modelship/deploy/production/churn'), second, 'the branch holds the newest change')
    const pull = double.state.issues.get(opened.number)!
    assert.deepEqual([pull.title, pull.body, pull.state], ['Deploy churn v1.4.0 to production', 'newer', 'open'])
    assert.equal([...double.state.issues.values()].filter((issue) => issue.pull).length, 1)
  })

  test('branch names keep to what git and GitHub accept', () => {
    assert.equal(proposalBranch('staging', 'vision:detector'), 'modelship/deploy/staging/vision-detector')
  })

  test('a push git refuses fails with git\'s message and opens nothing', async () => {
    await assert.rejects(
      proposeChange({ octokit: client(double.token), owner: 'acme', repo: 'models', root: work, result: refused('e'.repeat(40)), environment: 'staging', model: 'churn', title: 't', body: 'b' }),
      (error: unknown) => error instanceof DeployPushError && /^could not push the proposed change to branch modelship\/deploy\/staging\/churn on remote 'origin': .*e{40}/s.test(error.message),
    )
    assert.equal(double.state.issues.size, 0)
  })
})

describe('publishing a committed change', () => {
  let work: string
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'modelship-publish-'))
    execFileSync('git', ['clone', '--quiet', double.gitDir, work])
    execFileSync('git', ['-c', 'user.email=bot@example.com', '-c', 'user.name=bot', 'commit', '--quiet', '--allow-empty', '-m', 'deploy churn v1.3.0 to production (10%)'], { cwd: work })
  })
  afterEach(() => rmSync(work, { recursive: true, force: true }))

  const change = (commit: string, outcome: 'pushed' | 'protected') => ({
    kind: 'deploy' as const,
    environment: 'production',
    model: 'churn',
    version: 'v1.3.0',
    share: 10,
    result: outcome === 'protected' ? refused(commit) : { status: 'pushed' as const, commit, base: commit, remote: 'origin', branch: 'main', attempts: 1, changed: [] },
    title: 'deploy churn v1.3.0 to production (10%)',
    traffic: 'v1.3.0 10%, v1.2.0 90%',
    live: [
      { model: 'churn', version: 'v1.2.0', share: 90 },
      { model: 'churn', version: 'v1.3.0', share: 10 },
    ],
    reason: 'merge of abc1234',
  })
  const options = () => ({ octokit: client(double.token), owner: 'acme', repo: 'models', serverUrl: double.webUrl, root: work, runUrl: `${double.webUrl}/acme/models/actions/runs/5` })

  test('pushed: a deployment in progress whose environment_url is the desired state at the commit', async () => {
    const commit = await double.createCommit({ files: { 'deploy/production.yaml': 'x' } })
    const result = await publishChange(change(commit, 'pushed'), options())
    assert.equal(result.pullRequest, undefined)
    const deployment = double.state.deployments.get(result.deploymentId!)!
    assert.deepEqual([deployment.task, deployment.description], ['deploy', 'deploy churn v1.3.0 to production (10%): merge of abc1234'])
    const [status] = statusesOf(double.state, deployment.id)
    assert.deepEqual(
      [status!.state, status!.environmentUrl, status!.logUrl],
      ['in_progress', `${double.webUrl}/acme/models/blob/${commit}/deploy/production.yaml`, `${double.webUrl}/acme/models/actions/runs/5`],
    )
  })

  test('markSuccess: the deployment is success at once, for an environment nothing reports back from', async () => {
    const commit = await double.createCommit({ files: { 'deploy/production.yaml': 'z' } })
    const result = await publishChange(change(commit, 'pushed'), { ...options(), markSuccess: true })
    assert.deepEqual(statuses(result.deploymentId!), [
      ['in_progress', 'churn v1.3.0 10%: desired state pushed'],
      ['success', 'v1.3.0 10%, v1.2.0 90%: desired state pushed (nothing in this environment reports back)'],
    ])
  })

  test('a rollback is recorded with the deploy:rollback task; an environment URL given is the one set', async () => {
    const commit = await double.createCommit({ files: { 'deploy/production.yaml': 'y' } })
    const result = await publishChange({ ...change(commit, 'pushed'), kind: 'rollback' }, { ...options(), environmentUrl: 'https://models.example.com' })
    assert.equal(double.state.deployments.get(result.deploymentId!)!.task, 'deploy:rollback')
    assert.equal(statusesOf(double.state, result.deploymentId!)[0]!.environmentUrl, 'https://models.example.com')
  })

  test('protected: the commit goes to the model\'s branch and a pull request says what merging it deploys; no deployment yet', async () => {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: work, encoding: 'utf8' }).trim()
    const result = await publishChange(change(commit, 'protected'), options())
    assert.equal(result.deploymentId, undefined)
    assert.equal(result.pullRequest!.branch, 'modelship/deploy/production/churn')
    const pull = double.state.issues.get(result.pullRequest!.number)!
    assert.equal(pull.title, 'deploy churn v1.3.0 to production (10%)')
    assert.equal(
      pull.body,
      'Deploys **churn** in **production**: v1.3.0 10%, v1.2.0 90%.\n\n' +
        'The branch `main` refused the desired-state commit (branch protection), so it waits here for a review. Merging this pull request deploys it; its commit changes `deploy/production.yaml` only.\n\n' +
        'Reason: merge of abc1234\n\n' +
        `Asked for by ${double.webUrl}/acme/models/actions/runs/5\n`,
    )
    assert.equal(double.state.deployments.size, 0)
  })

  test('git pushes with the token as actions/checkout would, without writing it into .git/config', () => {
    const env = gitPushAuth('https://github.com/', 'ghs_secret', { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.quotepath', GIT_CONFIG_VALUE_0: 'false' })
    assert.deepEqual(env, {
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_1: 'http.https://github.com/.extraheader',
      GIT_CONFIG_VALUE_1: `AUTHORIZATION: basic ${Buffer.from('x-access-token:ghs_secret').toString('base64')}`,
    })
    const seen = execFileSync('git', ['config', '--get', 'http.https://github.com/.extraheader'], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_KEY_0: 'core.quotepath', GIT_CONFIG_VALUE_0: 'false', ...env },
    })
    assert.equal(seen.trim(), env.GIT_CONFIG_VALUE_1)
    assert.doesNotMatch(execFileSync('git', ['config', '--list', '--local'], { cwd: work, encoding: 'utf8' }), /extraheader/)
  })
})
