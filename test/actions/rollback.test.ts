// actions/rollback in-process against the REST double: the rollback commit is pushed to the
// double's repository and recorded as a deploy:rollback deployment.
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { run as deploy } from '../../actions/deploy/main.js'
import { run } from '../../actions/rollback/main.js'
import { runMain } from '../../src/action/run-main.js'
import { statusesOf } from '../support/github-double/resources/deployments.js'
import { NODE_BINARIES, runAction } from '../support/run-action.js'
import { startDeployActionWorld, type DeployActionWorld } from './deploy-fixture.js'

describe('actions/rollback', () => {
  let world: DeployActionWorld
  beforeEach(async () => {
    world = await startDeployActionWorld()
    await world.registerOnGitHub('v1.0.0')
    await world.registerOnGitHub('v1.1.0', true)
    for (const inputs of [
      { version: 'v1.0.0', environment: 'staging', traffic: '100' },
      { version: 'v1.1.0', environment: 'staging', traffic: '100' },
    ]) {
      const env = world.actionEnv(inputs)
      assert.equal(await runMain(deploy, env), 0, env.record.failure)
    }
  })
  afterEach(() => world.close())

  // As the runner runs it: the bundle from a copy without node_modules (npm run build writes it).
  for (const node of Object.keys(NODE_BINARIES) as Array<keyof typeof NODE_BINARIES>) {
    test(`under ${node}, bundled: rolls back and outputs the commit and the deployment`, async () => {
      const run = await runAction({
        action: 'rollback',
        workspace: world.repo.dir,
        node,
        inputs: { model: 'churn', environment: 'staging', token: world.double.token },
        env: { ...world.double.env(), MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0', GIT_CONFIG_GLOBAL: '/dev/null', GIT_COMMITTER_NAME: 'Deploy Tester', GIT_COMMITTER_EMAIL: 'deploy@example.com', GIT_AUTHOR_NAME: 'Deploy Tester', GIT_AUTHOR_EMAIL: 'deploy@example.com' },
      })
      assert.equal(run.exitCode, 0, run.stdout + run.stderr)
      assert.equal(run.outputs.status, 'rolled-back')
      assert.equal(run.outputs.commit, await world.double.git.resolveCommit('main'))
      assert.equal(world.double.state.deployments.get(Number(run.outputs['deployment-id']))!.task, 'deploy:rollback')
    })
  }

  test("restores the model's previous state as a new commit, recorded as a deploy:rollback deployment", async () => {
    const env = world.actionEnv({ environment: 'staging', reason: 'p99 doubled' })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    const { outputs } = env.record
    const commit = (await world.double.git.resolveCommit('main'))!
    assert.deepEqual(outputs, { commit, 'deployment-id': outputs['deployment-id'], status: 'rolled-back', 'pull-request': '' })
    assert.match(await world.remoteFile('deploy/staging.yaml'), /version: v1\.0\.0\n\s+traffic: 100/)
    assert.match(await world.double.git.git(['log', '-1', '--format=%B', 'main']), /p99 doubled/)
    const deployment = world.double.state.deployments.get(Number(outputs['deployment-id']))!
    assert.deepEqual([deployment.task, deployment.payload, deployment.sha], ['deploy:rollback', { model: 'churn', version: 'v1.0.0', share: 100 }, commit])
    assert.equal(statusesOf(world.double.state, deployment.id)[0]!.state, 'in_progress')
    assert.match(env.record.summary, /^## Modelship rollback: churn in staging ↩\n\n- Traffic now: v1\.0\.0 100%\n/)
  })

  test('version names the state to go back to; asking for the state already there changes nothing', async () => {
    const env = world.actionEnv({ environment: 'staging', version: 'v1.1.0' })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    assert.deepEqual(env.record.outputs, { commit: '', 'deployment-id': '', status: 'unchanged', 'pull-request': '' })
    const deployments = world.double.state.deployments.size
    const back = world.actionEnv({ environment: 'staging', version: 'v1.0.0' })
    assert.equal(await runMain(run, back), 0, back.record.failure)
    assert.equal(back.record.outputs.status, 'rolled-back')
    assert.equal(world.double.state.deployments.size, deployments + 1)
  })

  test('bad input: no environment, a model with no spec, a version that is none', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ environment: '' }, /^input 'environment': is required: the environment, as in deploy\/<environment>\.yaml; it is not set/],
      [{ model: 'fraud', environment: 'staging' }, /^model 'fraud' has no spec/],
      [{ environment: 'staging', version: 'latest' }, /^--to 'latest' is not a version; expected vMAJOR\.MINOR\.PATCH/],
    ]
    for (const [inputs, message] of cases) {
      const env = world.actionEnv(inputs)
      assert.equal(await runMain(run, env), 1, JSON.stringify(inputs))
      assert.match(env.record.failure ?? '', message)
    }
  })
})
