// actions/deploy in-process (run(env) with a recording environment) against the REST double, whose
// bare repository is the workspace's origin: the desired-state commit is really pushed there and
// the deployment really made for it; a pre-receive hook plays the protected default branch.
import assert from 'node:assert/strict'
import { chmodSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { run } from '../../actions/deploy/main.js'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { runMain } from '../../src/action/run-main.js'
import { createOctokit } from '../../src/github/octokit.js'
import { GitHubRegistryBackend } from '../../src/registry/github-backend.js'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { register } from '../../src/registry/register.js'
import { createTestRepo, type TestRepo } from '../git/test-repo.js'
import { collectingLog, writeAssets } from '../registry/support/registry-fixture.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { statusesOf } from '../support/github-double/resources/deployments.js'

const SPEC = `apiVersion: modelship/v1
kind: Model
name: churn
task: binary-classification
data:
  train: data/train.csv
  test: data/test.csv
  target: churned
  features: [tenure]
train:
  command: [python, train.py]
deploy:
  - { environment: staging, canary: { traffic: 10 } }
  - { environment: production, requires: staging }
`
const EMPTY = (name: string) => `apiVersion: modelship/v1\nkind: Environment\nname: ${name}\nmodels: []\n`
const FILES = {
  'models/churn/model.yaml': SPEC,
  'models/churn/train.py': 'print(1)\n',
  'data/train.csv': 'tenure,churned\n1,0\n2,1\n',
  'data/test.csv': 'tenure,churned\n1,0\n2,1\n',
  'deploy/staging.yaml': EMPTY('staging'),
  'deploy/production.yaml': EMPTY('production'),
}

describe('actions/deploy', () => {
  let double: GitHubDouble
  let repo: TestRepo
  let assets: string
  const savedEnv = { ...process.env }

  beforeEach(async () => {
    double = await startGitHubDouble({ owner: 'acme', repo: 'models', files: FILES })
    repo = createTestRepo()
    repo.git('remote', 'add', 'origin', double.gitDir)
    repo.git('fetch', '-q', 'origin', 'main')
    repo.git('checkout', '-q', '-B', 'main', 'origin/main')
    repo.git('config', 'user.name', 'Deploy Tester')
    repo.git('config', 'user.email', 'deploy@example.com')
    assets = writeAssets('deploy')
  })
  afterEach(async () => {
    // The action gives its git children push credentials through process.env (GIT_CONFIG_*).
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key]
    Object.assign(process.env, savedEnv)
    repo.remove()
    rmSync(assets, { recursive: true, force: true })
    await double.close()
  })

  const head = () => repo.git('rev-parse', 'HEAD').trim()
  async function registerOnGitHub(version: string): Promise<void> {
    const backend = new GitHubRegistryBackend({ octokit: createOctokit({ token: double.token, baseUrl: double.url, writeIntervalMs: 0 }), owner: 'acme', repo: 'models' })
    await register({ model: 'churn', commit: head(), assetsDir: assets, backend, version, log: collectingLog() })
  }
  function deployEnv(inputs: Record<string, string>, vars: Record<string, string> = {}) {
    return createRecordingEnv({
      workspace: repo.dir,
      inputs: { model: 'churn', token: double.token, ...inputs },
      vars: { ...double.env(), MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0', GITHUB_RUN_ID: '42', ...vars },
    })
  }
  const remoteFile = (path: string) => double.git.git(['show', `main:${path}`])

  test('deploys to staging: the commit is pushed, the deployment in progress names it, the outputs say so', async () => {
    await registerOnGitHub('v1.0.0')
    const env = deployEnv({ version: 'v1.0.0', environment: 'staging', reason: 'first release' })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    const { outputs } = env.record
    const commit = (await double.git.resolveCommit('main'))!
    assert.deepEqual(outputs, { commit, 'deployment-id': outputs['deployment-id'], status: 'deployed', 'pull-request': '' })
    assert.match(await remoteFile('deploy/staging.yaml'), /model: churn\n\s+version: v1\.0\.0\n\s+traffic: 100/)
    const deployment = double.state.deployments.get(Number(outputs['deployment-id']))!
    assert.deepEqual([deployment.sha, deployment.environment, deployment.payload], [commit, 'staging', { model: 'churn', version: 'v1.0.0', share: 100 }])
    const [status] = statusesOf(double.state, deployment.id)
    assert.deepEqual(
      [status!.state, status!.logUrl, status!.environmentUrl],
      ['in_progress', `${double.webUrl}/acme/models/actions/runs/42`, `${double.webUrl}/acme/models/blob/${commit}/deploy/staging.yaml`],
    )
    assert.match(env.record.summary, /^## Modelship deploy: churn v1\.0\.0 → staging\n\n- Traffic: v1\.0\.0 100%\n/)
    assert.ok(env.record.secrets.includes(double.token), 'the token is masked')

    // The same deploy again changes nothing and records nothing.
    const again = deployEnv({ version: 'v1.0.0', environment: 'staging' })
    assert.equal(await runMain(run, again), 0, again.record.failure)
    assert.deepEqual(again.record.outputs, { commit: '', 'deployment-id': '', status: 'unchanged', 'pull-request': '' })
    assert.equal(double.state.deployments.size, 1)
  })

  test("a second version gets the spec's canary share, the first keeps the rest; traffic overrides it", async () => {
    await registerOnGitHub('v1.0.0')
    // One commit gets one version: v1.1.0 is trained from a later commit.
    repo.write({ 'models/churn/train.py': 'print(2)\n' })
    repo.commit('train v1.1.0')
    repo.git('push', '-q', 'origin', 'main')
    await registerOnGitHub('v1.1.0')
    assert.equal(await runMain(run, deployEnv({ version: 'v1.0.0', environment: 'staging' })), 0)
    const canary = deployEnv({ version: 'v1.1.0', environment: 'staging' })
    assert.equal(await runMain(run, canary), 0, canary.record.failure)
    assert.deepEqual(double.state.deployments.get(Number(canary.record.outputs['deployment-id']))!.payload, { model: 'churn', version: 'v1.1.0', share: 10 })
    assert.match(canary.record.summary, /- Traffic: v1\.1\.0 10%, v1\.0\.0 90%/)
    const full = deployEnv({ version: 'v1.1.0', environment: 'staging', traffic: '100' })
    assert.equal(await runMain(run, full), 0, full.record.failure)
    assert.doesNotMatch(await remoteFile('deploy/staging.yaml'), /v1\.0\.0/)
  })

  test('production refuses a version that is not live in staging, with the fix, and records nothing', async () => {
    await registerOnGitHub('v1.0.0')
    const env = deployEnv({ version: 'v1.0.0', environment: 'production' })
    assert.equal(await runMain(run, env), 1)
    assert.match(env.record.failure ?? '', /^production requires staging .*deploy it there first: modelship deploy churn@v1\.0\.0 --environment staging$/)
    assert.deepEqual(env.record.outputs, {})
    assert.equal(double.state.deployments.size, 0)
  })

  test('an environment the spec does not deploy to is skipped with a notice', async () => {
    const env = deployEnv({ version: 'v1.0.0', environment: 'canary-eu' })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    assert.equal(env.record.outputs.status, 'skipped')
    assert.deepEqual(
      env.record.annotations.map((annotation) => [annotation.level, annotation.message]),
      [['notice', "churn is not deployed to 'canary-eu' (models/churn/model.yaml lists staging, production); skipped"]],
    )
  })

  test('a protected default branch gets a pull request carrying the change instead of a push', async () => {
    await registerOnGitHub('v1.0.0')
    const hook = join(double.gitDir, 'hooks', 'pre-receive')
    writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do\n  if [ "$ref" = refs/heads/main ]; then echo "main is protected: open a pull request" >&2; exit 1; fi\ndone\n')
    chmodSync(hook, 0o755)
    const before = await double.git.resolveCommit('main')
    const env = deployEnv({ version: 'v1.0.0', environment: 'staging' })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    const { outputs } = env.record
    assert.equal(outputs.status, 'pull-request')
    assert.equal(outputs['deployment-id'], '')
    assert.equal(await double.git.resolveCommit('main'), before, 'main is unchanged')
    assert.equal(await double.git.resolveCommit('refs/heads/modelship/deploy/staging/churn'), outputs.commit)
    const pull = [...double.state.issues.values()].find((issue) => issue.pull)!
    assert.equal(outputs['pull-request'], `${double.webUrl}/acme/models/pull/${pull.number}`)
    assert.equal(pull.title, 'deploy churn v1.0.0 to staging')
    assert.match(pull.body ?? '', /^Deploys \*\*churn\*\* in \*\*staging\*\*: v1\.0\.0 100%\./)
    assert.equal(double.state.deployments.size, 0)
  })

  test('bad input: a traffic that is not a percent, a version that is none, a model with no spec', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ version: 'v1.0.0', environment: 'staging', traffic: 'ten' }, /^input 'traffic': is not a percent; expected a number from 1 to 100, e\.g\. 10; got 'ten'/],
      [{ version: 'v1.0.0', environment: 'staging', traffic: '0' }, /^input 'traffic': is not a percent from 1 to 100; expected e\.g\. 10; got '0'/],
      [{ version: 'newest', environment: 'staging' }, /^input 'version': 'newest' is not a version/],
      [{ model: 'fraud', version: 'v1.0.0', environment: 'staging' }, /^model 'fraud' has no spec/],
      [{ version: 'v9.9.9', environment: 'staging' }, /^model 'churn' has no versions in GitHub acme\/models; no model is registered yet/],
    ]
    for (const [inputs, message] of cases) {
      const env = deployEnv(inputs)
      assert.equal(await runMain(run, env), 1, JSON.stringify(inputs))
      assert.match(env.record.failure ?? '', message)
    }
    assert.equal(double.state.deployments.size, 0)
  })

  test('under act without a token: the local registry, a commit in the checkout only, and a warning', async () => {
    await register({ model: 'churn', commit: head(), assetsDir: assets, backend: new LocalRegistryBackend({ repoDir: repo.dir }), version: 'v1.0.0', log: collectingLog() })
    const before = await double.git.resolveCommit('main')
    const env = createRecordingEnv({ workspace: repo.dir, inputs: { model: 'churn', version: 'v1.0.0', environment: 'staging', token: '' }, vars: { ACT: 'true' } })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    assert.equal(env.record.outputs.status, 'deployed')
    assert.equal(env.record.outputs.commit, head())
    assert.equal(await double.git.resolveCommit('main'), before, 'nothing was pushed')
    assert.equal(env.record.annotations.filter((annotation) => annotation.level === 'warning').length, 2, 'one for the registry, one for the deploy')
    assert.match(env.record.summary, /Committed in the checkout only \(act without a token\)/)
  })
})
