import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { DeployRefusedError, deploy, parseDesiredState, rollback, type DeployOptions, type RollbackOptions } from '../../src/deploy/index.js'
import { RegistryNotFoundError, UsageError } from '../../src/errors.js'
import { createDeployWorld, subjects, type Clone, type DeployWorld } from './deploy-fixture.js'

let world: DeployWorld
let a: Clone
before(() => {
  world = createDeployWorld()
  a = world.clone('a')
})
after(() => world.remove())

const common = () => ({ root: a.dir, backend: world.backend(a.dir), env: {} })
const deployTo = (extra: Pick<DeployOptions, 'ref' | 'environment'> & Partial<DeployOptions>) => deploy({ ...common(), ...extra })
const rollBack = (extra: Pick<RollbackOptions, 'environment'> & Partial<RollbackOptions>) => rollback({ ...common(), ...extra })
const staging = () => parseDesiredState(world.remoteGit('show', 'main:deploy/staging.yaml'), 'deploy/staging.yaml').models

test('rollback restores the state before the last change, as a new commit with the reason', async () => {
  await deployTo({ ref: 'churn@v1.0.0', environment: 'staging' })
  await deployTo({ ref: 'churn@v1.1.0', environment: 'staging' })
  const before = world.remoteGit('rev-parse', 'main').trim()
  const result = await rollBack({ environment: 'staging', reason: 'error rate up' })
  assert.equal(result.status, 'pushed')
  assert.equal(result.model, 'churn')
  assert.deepEqual(staging(), [{ model: 'churn', version: 'v1.0.0', share: 100 }])
  // A new commit on top: history is kept.
  assert.equal(world.remoteGit('rev-parse', 'main~1').trim(), before)
  const message = world.remoteGit('log', '-1', '--format=%B', 'main')
  assert.match(message, /^roll back churn in staging to v1\.0\.0 100%\n\nstaging: churn v1\.0\.0 100% \(was v1\.1\.0 10%, v1\.0\.0 90%\)\nRestores churn as it was before [0-9a-f]{12} \(deploy churn v1\.1\.0 to staging at 10%\)\.\nReason: error rate up\n/)
  assert.match(message, /\nModelship-Action: rollback\nModelship-Environment: staging\nModelship-Model: churn\nModelship-Version: v1\.0\.0\nModelship-Restores: [0-9a-f]{40}\nModelship-Reason: error rate up\n/)
})

test('without --model the model is the one the last change named; a first deploy rolled back is taken out', async () => {
  await deployTo({ ref: 'house-prices@v0.0.1', environment: 'staging' })
  const result = await rollBack({ environment: 'staging' })
  assert.equal(result.model, 'house-prices')
  assert.deepEqual(staging(), [{ model: 'churn', version: 'v1.0.0', share: 100 }])
  assert.equal(subjects(world, 'deploy/staging.yaml')[0], 'roll back house-prices in staging: take it out')
})

test('--to gives a registered version all of the traffic; unknown and malformed versions are refused', async () => {
  const result = await rollBack({ environment: 'staging', model: 'churn', to: 'v1.2.0' })
  assert.equal(result.status, 'pushed')
  assert.deepEqual(staging(), [{ model: 'churn', version: 'v1.2.0', share: 100 }])
  assert.equal((await rollBack({ environment: 'staging', model: 'churn', to: '1.2.0' })).status, 'unchanged')
  await assert.rejects(rollBack({ environment: 'staging', model: 'churn', to: 'v9.9.9' }), (error: Error) => {
    assert.ok(error instanceof RegistryNotFoundError)
    assert.match(error.message, /^churn has no version v9\.9\.9/)
    return true
  })
  await assert.rejects(rollBack({ environment: 'staging', model: 'churn', to: 'latest' }), (error: Error) => {
    assert.ok(error instanceof UsageError)
    assert.equal(error.message, "--to 'latest' is not a version; expected vMAJOR.MINOR.PATCH, e.g. --to v1.2.0")
    return true
  })
})

test('a model that never changed in the history, and an environment with several models and no hint, are refused', async () => {
  await assert.rejects(rollBack({ environment: 'production', model: 'churn' }), (error: Error) => {
    assert.ok(error instanceof DeployRefusedError)
    assert.equal(error.message, 'deploy/production.yaml has no earlier state of churn to roll back to (it has served none throughout its history); name a version with --to vX.Y.Z')
    return true
  })
  // In a shallow clone (actions/checkout's default) the history is not there, and the message says so.
  const thin = world.clone('shallow')
  thin.git('fetch', '-q', '--depth', '1', 'origin', 'main')
  assert.equal(thin.git('rev-parse', '--is-shallow-repository').trim(), 'true')
  await assert.rejects(rollback({ root: thin.dir, backend: world.backend(thin.dir), env: {}, environment: 'staging', model: 'churn' }), (error: Error) => {
    assert.ok(error instanceof DeployRefusedError)
    assert.match(error.message, /this clone is shallow, so older states are not here: fetch the history \(git fetch --unshallow, or actions\/checkout with fetch-depth: 0\)/)
    return true
  })
  await assert.rejects(rollBack({ environment: 'production' }), /environment 'production' serves no model; name the model to roll back \(--model\)/)
})
