// actions/deploy in-process (run(env) with a recording environment) against the REST double, whose
// bare repository is the workspace's origin: the desired-state commit is really pushed there and
// the deployment really made for it; a pre-receive hook plays the protected default branch.
import assert from 'node:assert/strict'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { run } from '../../actions/deploy/main.js'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { runMain } from '../../src/action/run-main.js'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { register } from '../../src/registry/register.js'
import { collectingLog } from '../registry/support/registry-fixture.js'
import { statusesOf } from '../support/github-double/resources/deployments.js'
import { NODE_BINARIES, runAction } from '../support/run-action.js'
import { startDeployActionWorld, type DeployActionWorld } from './deploy-fixture.js'

describe('actions/deploy', () => {
  let world: DeployActionWorld
  beforeEach(async () => {
    world = await startDeployActionWorld()
  })
  afterEach(() => world.close())

  const head = () => world.head()
  const registerOnGitHub = (version: string, newCommit = false) => world.registerOnGitHub(version, newCommit)
  const deployEnv = (inputs: Record<string, string>, vars: Record<string, string> = {}) => world.actionEnv(inputs, vars)
  const remoteFile = (path: string) => world.remoteFile(path)
  // As the runner runs it: the bundle from a copy without node_modules (npm run build writes it).
  for (const node of Object.keys(NODE_BINARIES) as Array<keyof typeof NODE_BINARIES>) {
    test(`under ${node}, bundled: deploys and outputs the commit and the deployment`, async () => {
      await registerOnGitHub('v1.0.0')
      const run = await runAction({
        action: 'deploy',
        workspace: world.repo.dir,
        node,
        inputs: { model: 'churn', version: 'v1.0.0', environment: 'staging', token: world.double.token },
        env: { ...world.double.env(), MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0', GITHUB_RUN_ID: '42', GIT_CONFIG_GLOBAL: '/dev/null', GIT_COMMITTER_NAME: 'Deploy Tester', GIT_COMMITTER_EMAIL: 'deploy@example.com', GIT_AUTHOR_NAME: 'Deploy Tester', GIT_AUTHOR_EMAIL: 'deploy@example.com' },
      })
      assert.equal(run.exitCode, 0, run.stdout + run.stderr)
      const commit = (await world.double.git.resolveCommit('main'))!
      assert.deepEqual(run.outputs, { commit, 'deployment-id': run.outputs['deployment-id'], status: 'deployed', 'pull-request': '' })
      assert.equal(world.double.state.deployments.get(Number(run.outputs['deployment-id']))!.sha, commit)
    })
  }

  test('deploys to staging: the commit is pushed, the deployment in progress names it, the outputs say so', async () => {
    await registerOnGitHub('v1.0.0')
    const env = deployEnv({ version: 'v1.0.0', environment: 'staging', reason: 'first release' })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    const { outputs } = env.record
    const commit = (await world.double.git.resolveCommit('main'))!
    assert.deepEqual(outputs, { commit, 'deployment-id': outputs['deployment-id'], status: 'deployed', 'pull-request': '' })
    assert.match(await remoteFile('deploy/staging.yaml'), /model: churn\n\s+version: v1\.0\.0\n\s+traffic: 100/)
    const deployment = world.double.state.deployments.get(Number(outputs['deployment-id']))!
    assert.deepEqual([deployment.sha, deployment.environment, deployment.payload], [commit, 'staging', { model: 'churn', version: 'v1.0.0', share: 100 }])
    const [status] = statusesOf(world.double.state, deployment.id)
    assert.deepEqual(
      [status!.state, status!.logUrl, status!.environmentUrl],
      ['in_progress', `${world.double.webUrl}/acme/models/actions/runs/42`, `${world.double.webUrl}/acme/models/blob/${commit}/deploy/staging.yaml`],
    )
    assert.match(env.record.summary, /^## Modelship deploy: churn v1\.0\.0 → staging\n\n- Traffic: v1\.0\.0 100%\n/)
    assert.ok(env.record.secrets.includes(world.double.token), 'the token is masked')

    // The same deploy again changes nothing and records nothing.
    const again = deployEnv({ version: 'v1.0.0', environment: 'staging' })
    assert.equal(await runMain(run, again), 0, again.record.failure)
    assert.deepEqual(again.record.outputs, { commit: '', 'deployment-id': '', status: 'unchanged', 'pull-request': '' })
    assert.equal(world.double.state.deployments.size, 1)
  })

  test("a second version gets the spec's canary share, the first keeps the rest; traffic overrides it", async () => {
    await registerOnGitHub('v1.0.0')
    // One commit gets one version: v1.1.0 is trained from a later commit.
    await registerOnGitHub('v1.1.0', true)
    assert.equal(await runMain(run, deployEnv({ version: 'v1.0.0', environment: 'staging' })), 0)
    const canary = deployEnv({ version: 'v1.1.0', environment: 'staging' })
    assert.equal(await runMain(run, canary), 0, canary.record.failure)
    assert.deepEqual(world.double.state.deployments.get(Number(canary.record.outputs['deployment-id']))!.payload, { model: 'churn', version: 'v1.1.0', share: 10 })
    assert.match(canary.record.summary, /- Traffic: v1\.1\.0 10%, v1\.0\.0 90%/)
    const full = deployEnv({ version: 'v1.1.0', environment: 'staging', traffic: '100' })
    assert.equal(await runMain(run, full), 0, full.record.failure)
    assert.doesNotMatch(await remoteFile('deploy/staging.yaml'), /v1\.0\.0/)
  })

  test("mark-success: 'true' reports the deployment live at once and retires the one it replaced", async () => {
    await registerOnGitHub('v1.0.0')
    await registerOnGitHub('v1.1.0', true)
    const first = deployEnv({ version: 'v1.0.0', environment: 'staging', 'mark-success': 'true' })
    assert.equal(await runMain(run, first), 0, first.record.failure)
    const second = deployEnv({ version: 'v1.1.0', environment: 'staging', traffic: '100', 'mark-success': 'true' })
    assert.equal(await runMain(run, second), 0, second.record.failure)
    const latest = (env: typeof first) => statusesOf(world.double.state, Number(env.record.outputs['deployment-id']))[0]!.state
    assert.deepEqual([latest(first), latest(second)], ['inactive', 'success'])
  })

  test('production refuses a version that is not live in staging, with the fix, and records nothing', async () => {
    await registerOnGitHub('v1.0.0')
    const env = deployEnv({ version: 'v1.0.0', environment: 'production' })
    assert.equal(await runMain(run, env), 1)
    assert.match(env.record.failure ?? '', /^production requires staging .*deploy it there first: modelship deploy churn@v1\.0\.0 --environment staging$/)
    assert.deepEqual(env.record.outputs, {})
    assert.equal(world.double.state.deployments.size, 0)
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
    const hook = join(world.double.gitDir, 'hooks', 'pre-receive')
    writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do\n  if [ "$ref" = refs/heads/main ]; then echo "main is protected: open a pull request" >&2; exit 1; fi\ndone\n')
    chmodSync(hook, 0o755)
    const before = await world.double.git.resolveCommit('main')
    const env = deployEnv({ version: 'v1.0.0', environment: 'staging' })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    const { outputs } = env.record
    assert.equal(outputs.status, 'pull-request')
    assert.equal(outputs['deployment-id'], '')
    assert.equal(await world.double.git.resolveCommit('main'), before, 'main is unchanged')
    assert.equal(await world.double.git.resolveCommit('refs/heads/modelship/deploy/staging/churn'), outputs.commit)
    const pull = [...world.double.state.issues.values()].find((issue) => issue.pull)!
    assert.equal(outputs['pull-request'], `${world.double.webUrl}/acme/models/pull/${pull.number}`)
    assert.equal(pull.title, 'deploy churn v1.0.0 to staging')
    assert.match(pull.body ?? '', /^Deploys \*\*churn\*\* in \*\*staging\*\*: v1\.0\.0 100%\./)
    assert.equal(world.double.state.deployments.size, 0)
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
    assert.equal(world.double.state.deployments.size, 0)
  })

  test('under act without a token: the local registry, a commit in the checkout only, and a warning', async () => {
    await register({ model: 'churn', commit: head(), assetsDir: world.assets, backend: new LocalRegistryBackend({ repoDir: world.repo.dir }), version: 'v1.0.0', log: collectingLog() })
    const before = await world.double.git.resolveCommit('main')
    const env = createRecordingEnv({ workspace: world.repo.dir, inputs: { model: 'churn', version: 'v1.0.0', environment: 'staging', token: '' }, vars: { ACT: 'true' } })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    assert.equal(env.record.outputs.status, 'deployed')
    assert.equal(env.record.outputs.commit, head())
    assert.equal(await world.double.git.resolveCommit('main'), before, 'nothing was pushed')
    assert.equal(env.record.annotations.filter((annotation) => annotation.level === 'warning').length, 2, 'one for the registry, one for the deploy')
    assert.match(env.record.summary, /Committed in the checkout only \(act without a token\)/)
  })
})
