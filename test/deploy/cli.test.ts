import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { runCli } from '../../src/cli/run-cli.js'
import { createDeployWorld, type Clone, type DeployWorld } from './deploy-fixture.js'

let world: DeployWorld
let a: Clone
before(() => {
  world = createDeployWorld()
  a = world.clone('a')
})
after(() => world.remove())

async function run(...args: string[]) {
  let out = ''
  let err = ''
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), cwd: a.dir })
  return { code, out, err }
}

test('deploy and rollback through the CLI say what changed and where it went', async () => {
  const first = await run('deploy', 'churn@v1.0.0', '--environment', 'staging', '--reason', 'cli')
  assert.equal(first.code, 0, first.err)
  assert.match(first.out, /^staging: churn v1\.0\.0 100% \(commit [0-9a-f]{12} pushed to origin\/main\)\n$/)
  const canary = await run('deploy', 'churn@v1.1.0', '--environment', 'staging', '--traffic', '25')
  assert.match(canary.out, /^staging: churn v1\.1\.0 25%, v1\.0\.0 75% \(commit [0-9a-f]{12} pushed to origin\/main\)\n$/)
  const again = await run('deploy', 'churn@v1.1.0', '--environment', 'staging', '--traffic', '25')
  assert.equal(again.out, 'staging already serves churn v1.1.0 at 25%; nothing to do\n')
  const back = await run('rollback', '--environment', 'staging', '--reason', 'errors')
  assert.equal(back.code, 0, back.err)
  assert.match(back.out, /^staging: churn v1\.0\.0 100% \(commit [0-9a-f]{12} pushed to origin\/main\)\n$/)
})

test('user errors exit 1 with the message; usage errors exit 2', async () => {
  const unknown = await run('deploy', 'churn@v9.0.0', '--environment', 'staging')
  assert.equal(unknown.code, 1)
  assert.match(unknown.err, /^modelship deploy: churn has no version v9\.0\.0; its versions: /)
  const noRef = await run('deploy', '--environment', 'staging')
  assert.equal(noRef.code, 2)
  assert.match(noRef.err, /missing the version to deploy: <model>@<version> or <model>#<stage>/)
  const noEnvironment = await run('deploy', 'churn@v1.0.0')
  assert.equal(noEnvironment.code, 2)
  assert.match(noEnvironment.err, /missing --environment: name the environment, e.g\. --environment staging/)
  const badTraffic = await run('deploy', 'churn@v1.0.0', '--environment', 'staging', '--traffic', 'ten')
  assert.equal(badTraffic.code, 2)
  assert.match(badTraffic.err, /--traffic 'ten' is not a share of traffic; expected a percent above 0 and at most 100/)
  const badRef = await run('deploy', 'churn@1.0', '--environment', 'staging')
  assert.equal(badRef.code, 2)
  const noModel = await run('retire')
  assert.equal(noModel.code, 2)
})
