import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { deploy, parseDesiredState, retire } from '../../src/deploy/index.js'
import { runCli } from '../../src/cli/run-cli.js'
import { createDeployWorld, subjects, type Clone, type DeployWorld } from './deploy-fixture.js'

let world: DeployWorld
let a: Clone
before(async () => {
  world = createDeployWorld()
  a = world.clone('a')
  const common = { root: a.dir, backend: world.backend(a.dir), env: {} }
  await deploy({ ...common, ref: 'house-prices@v0.0.1', environment: 'staging' })
  await deploy({ ...common, ref: 'house-prices@v0.0.1', environment: 'production' })
  await deploy({ ...common, ref: 'churn@v1.0.0', environment: 'staging' })
})
after(() => world.remove())

const modelsIn = (environment: string) =>
  parseDesiredState(world.remoteGit('show', `main:deploy/${environment}.yaml`), `deploy/${environment}.yaml`).models.map((entry) => `${entry.model}@${entry.version}`)

test('retire takes the model out of every environment in one commit and deprecates it, pushing the tag', async () => {
  const head = world.remoteGit('rev-parse', 'main').trim()
  const result = await retire({ root: a.dir, backend: world.backend(a.dir), env: {}, model: 'house-prices', reason: 'replaced by valuation' })
  assert.equal(result.status, 'pushed')
  assert.deepEqual(result.environments, ['production', 'staging'])
  assert.deepEqual(modelsIn('staging'), ['churn@v1.0.0'])
  assert.deepEqual(modelsIn('production'), [])
  // One commit for both files.
  assert.equal(world.remoteGit('rev-parse', 'main~1').trim(), head)
  assert.equal(subjects(world, 'deploy')[0], 'retire house-prices: take it out of production, staging')
  assert.match(world.remoteGit('log', '-1', '--format=%B', 'main'), /\nproduction: house-prices none \(was v0\.0\.1 100%\)\nstaging: house-prices none \(was v0\.0\.1 100%\)\nReason: replaced by valuation\n/)
  assert.equal(result.deprecation?.status, 'deprecated')
  const tag = result.deprecation!.tag
  assert.match(tag, /^house-prices@deprecated#\d+$/)
  // The tag reached the remote; the versions stay.
  assert.equal(world.remoteGit('tag', '-l', tag).trim(), tag)
  assert.equal(world.remoteGit('tag', '-l', 'house-prices@v0.0.1').trim(), 'house-prices@v0.0.1')
})

test('retiring again is a no-op, told through the CLI', async () => {
  let out = ''
  let err = ''
  const code = await runCli(['retire', 'house-prices'], { out: (t) => (out += t), err: (t) => (err += t), cwd: a.dir })
  assert.equal(code, 0, err)
  assert.match(out, /^house-prices: in no environment; already deprecated \(tag house-prices@deprecated#\d+\); its versions and releases stay\n$/)
})

test('a protected branch leaves the model deprecated nowhere: the change waits on a pull request branch', async () => {
  world.protectMain()
  let out = ''
  let err = ''
  const code = await runCli(['retire', 'churn'], { out: (t) => (out += t), err: (t) => (err += t), cwd: a.dir })
  assert.equal(code, 1)
  assert.match(err, /^modelship retire: origin refused the push to main as protected \(pre-receive hook declined; main is protected: open a pull request\); the change is on branch modelship\/staging\/[0-9a-f]{12}: open a pull request from it, and run modelship retire churn again after the merge to deprecate it\n$/)
  assert.deepEqual(modelsIn('staging'), ['churn@v1.0.0'])
  assert.equal(a.git('tag', '-l', 'churn@deprecated*').trim(), '')
})
