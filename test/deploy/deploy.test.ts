import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DeployLockedError, DeployPushError, DeployRefusedError, deploy, parseDesiredState, pushProposal, type DeployOptions } from '../../src/deploy/index.js'
import { RegistryConflictError, RegistryNotFoundError, SpecError, UsageError } from '../../src/errors.js'
import { promote, stagePolicy } from '../../src/registry/index.js'
import { createDeployWorld, readWorkTree, subjects, type Clone, type DeployWorld } from './deploy-fixture.js'

const quiet = { info: () => {}, warn: () => {} }

function options(world: DeployWorld, clone: Clone, extra: Partial<DeployOptions> & Pick<DeployOptions, 'ref' | 'environment'>): DeployOptions {
  return { root: clone.dir, backend: world.backend(clone.dir), env: {}, ...extra }
}

function stateOf(world: DeployWorld, environment: string) {
  const clone = { read: (path: string) => world.remoteGit('show', `main:${path}`) }
  return parseDesiredState(clone.read(`deploy/${environment}.yaml`), `deploy/${environment}.yaml`).models
}

describe('deploy', () => {
  let world: DeployWorld
  let a: Clone
  before(() => {
    world = createDeployWorld()
    a = world.clone('a')
  })
  after(() => world.remove())

  test('a first deploy takes all traffic, is pushed with a message naming model, version, environment, reason and run', async () => {
    const lines: string[] = []
    const result = await deploy(
      options(world, a, {
        ref: 'churn@v1.0.0',
        environment: 'staging',
        reason: 'first release',
        env: { GITHUB_RUN_ID: '42', GITHUB_REPOSITORY: 'acme/models', GITHUB_SERVER_URL: 'https://github.com' },
        log: (line) => lines.push(line),
      }),
    )
    assert.equal(result.status, 'pushed')
    assert.deepEqual(stateOf(world, 'staging'), [{ model: 'churn', version: 'v1.0.0', share: 100 }])
    const message = world.remoteGit('log', '-1', '--format=%B', 'main')
    assert.equal(
      message.trim(),
      [
        'deploy churn v1.0.0 to staging',
        '',
        'staging: churn v1.0.0 100% (was none)',
        'Requested as churn@v1.0.0.',
        'Reason: first release',
        'Workflow run: https://github.com/acme/models/actions/runs/42',
        '',
        'Modelship-Action: deploy',
        'Modelship-Environment: staging',
        'Modelship-Model: churn',
        'Modelship-Version: v1.0.0',
        'Modelship-Reason: first release',
        'Modelship-Run: https://github.com/acme/models/actions/runs/42',
      ].join('\n'),
    )
    // The checkout follows, the comment of the file stays, and nothing is left staged.
    assert.equal(readWorkTree(a, 'deploy/staging.yaml'), world.remoteGit('show', 'main:deploy/staging.yaml'))
    assert.match(readWorkTree(a, 'deploy/staging.yaml'), /^# Desired state of staging; kept by modelship deploy\.\n/)
    assert.equal(a.git('status', '--porcelain'), '')
    assert.deepEqual(lines, [])
  })

  test("the next version is a canary at the spec's canary.traffic; --traffic overrides; the same again is a no-op", async () => {
    const canary = await deploy(options(world, a, { ref: 'churn@v1.1.0', environment: 'staging' }))
    assert.equal(canary.status, 'pushed')
    assert.equal(canary.share, 10)
    assert.deepEqual(stateOf(world, 'staging'), [
      { model: 'churn', version: 'v1.0.0', share: 90 },
      { model: 'churn', version: 'v1.1.0', share: 10 },
    ])
    assert.equal(subjects(world, 'deploy/staging.yaml')[0], 'deploy churn v1.1.0 to staging at 10%')
    const full = await deploy(options(world, a, { ref: 'churn@v1.1.0', environment: 'staging', traffic: 100 }))
    assert.equal(full.status, 'pushed')
    assert.deepEqual(stateOf(world, 'staging'), [{ model: 'churn', version: 'v1.1.0', share: 100 }])
    const head = world.remoteGit('rev-parse', 'main')
    const again = await deploy(options(world, a, { ref: 'churn@v1.1.0', environment: 'staging', traffic: 100 }))
    assert.equal(again.status, 'unchanged')
    assert.equal(world.remoteGit('rev-parse', 'main'), head)
  })

  test('a stage reference deploys the version the stage holds', async () => {
    const backend = world.backend(a.dir)
    await promote({ ref: 'house-prices@v0.0.1', stage: 'staging', backend, log: quiet, policy: { stages: ['staging', 'production'], protectedStages: [] } })
    const result = await deploy(options(world, a, { ref: 'house-prices#staging', environment: 'staging' }))
    assert.equal(result.version, 'v0.0.1')
    assert.deepEqual(stateOf(world, 'staging').filter((entry) => entry.model === 'house-prices'), [{ model: 'house-prices', version: 'v0.0.1', share: 100 }])
    await assert.rejects(deploy(options(world, a, { ref: 'churn#production', environment: 'staging' })), (error: Error) => {
      assert.ok(error instanceof RegistryNotFoundError)
      assert.match(error.message, /^churn has no version in stage 'production'/)
      return true
    })
  })

  test('production requires staging: only a version live in staging is accepted', async () => {
    await assert.rejects(deploy(options(world, a, { ref: 'churn@v1.0.0', environment: 'production' })), (error: Error) => {
      assert.ok(error instanceof DeployRefusedError)
      assert.equal(
        error.message,
        'production requires staging (models/churn/model.yaml), and churn v1.0.0 is not live in staging (it serves churn v1.1.0 100%); deploy it there first: modelship deploy churn@v1.0.0 --environment staging',
      )
      return true
    })
    const result = await deploy(options(world, a, { ref: 'churn@v1.1.0', environment: 'production' }))
    assert.equal(result.status, 'pushed')
    assert.deepEqual(stateOf(world, 'production'), [{ model: 'churn', version: 'v1.1.0', share: 100 }])
  })

  test('unknown versions, models, environments and bad shares are refused before anything is written', async () => {
    const head = world.remoteGit('rev-parse', 'main')
    await assert.rejects(deploy(options(world, a, { ref: 'churn@v9.9.9', environment: 'staging' })), (error: Error) => {
      assert.ok(error instanceof RegistryNotFoundError)
      assert.equal(error.message, 'churn has no version v9.9.9; its versions: v1.2.0, v1.1.0, v1.0.0')
      return true
    })
    await assert.rejects(deploy(options(world, a, { ref: 'ghost@v1.0.0', environment: 'staging' })), (error: Error) => {
      assert.ok(error instanceof UsageError)
      assert.match(error.message, /^model 'ghost' has no spec: models\/ghost\/model\.yaml does not exist/)
      return true
    })
    await assert.rejects(deploy(options(world, a, { ref: 'churn@v1.2.0', environment: 'qa' })), (error: Error) => {
      assert.ok(error instanceof DeployRefusedError)
      assert.equal(error.message, "churn is not deployed to 'qa': models/churn/model.yaml lists deploy environments staging, production; add - { environment: qa } to its deploy list")
      return true
    })
    await assert.rejects(deploy(options(world, a, { ref: 'churn@v1.2.0', environment: 'staging', traffic: 0 })), /traffic 0 for churn@v1\.2\.0 is not a share/)
    assert.equal(world.remoteGit('rev-parse', 'main'), head)
    assert.equal(a.git('status', '--porcelain'), '')
  })

  test('a model whose spec is not committed on the branch cannot be deployed there', async () => {
    const c = world.clone('uncommitted-spec')
    mkdirSync(join(c.dir, 'models/fresh'), { recursive: true })
    writeFileSync(join(c.dir, 'models/fresh/model.yaml'), readWorkTree(c, 'models/house-prices/model.yaml').replace('name: house-prices', 'name: fresh'))
    writeFileSync(join(c.dir, 'models/fresh/train.py'), 'print(1)\n')
    c.git('tag', '-a', 'fresh@v0.0.1', '-m', 'register fresh@v0.0.1')
    await assert.rejects(deploy(options(world, c, { ref: 'fresh@v0.0.1', environment: 'staging' })), (error: Error) => {
      assert.ok(error instanceof DeployRefusedError)
      assert.match(error.message, /^models\/fresh\/model\.yaml is not committed on the branch being deployed to \(commit [0-9a-f]{12} has no spec of fresh\); commit and push it first$/)
      return true
    })
  })

  test('a version whose registration did not finish (lineage, no published release) is refused', async () => {
    const lineage = JSON.stringify({ schema: 'modelship/lineage@1', model: 'house-prices', version: 'v0.0.2' })
    a.git('tag', '-a', 'house-prices@v0.0.2', '-m', `register house-prices@v0.0.2\n\n${lineage}`)
    await assert.rejects(deploy(options(world, a, { ref: 'house-prices@v0.0.2', environment: 'staging' })), (error: Error) => {
      assert.ok(error instanceof RegistryConflictError)
      assert.match(error.message, /^house-prices@v0\.0\.2 is not fully registered: its release is missing/)
      return true
    })
  })
})

describe('deploy: races, protection, locks and bad states', () => {
  let world: DeployWorld
  before(() => {
    world = createDeployWorld()
  })
  after(() => world.remove())

  test('a push that loses a race is planned again on the new state, and both changes land in order', async () => {
    const a = world.clone('race-a')
    const b = world.clone('race-b')
    const lines: string[] = []
    const result = await deploy(
      options(world, a, {
        ref: 'churn@v1.0.0',
        environment: 'staging',
        log: (line) => lines.push(line),
        // Just before a's first push, b deploys to the same file and wins.
        beforePush: async (attempt) => {
          if (attempt === 1) assert.equal((await deploy(options(world, b, { ref: 'house-prices@v0.0.1', environment: 'staging' }))).status, 'pushed')
        },
      }),
    )
    assert.equal(result.status, 'pushed')
    assert.equal(result.status === 'pushed' && result.attempts, 2)
    assert.match(lines[0]!, /^the push raced another \(fetch first\); fetching main and planning again \(attempt 2 of 5\)$/)
    assert.deepEqual(stateOf(world, 'staging'), [
      { model: 'churn', version: 'v1.0.0', share: 100 },
      { model: 'house-prices', version: 'v0.0.1', share: 100 },
    ])
    assert.deepEqual(subjects(world, 'deploy/staging.yaml').slice(0, 2), ['deploy churn v1.0.0 to staging', 'deploy house-prices v0.0.1 to staging'])
  })

  test('races lost every time end in a clear error after the bounded attempts, nothing pushed', async () => {
    const a = world.clone('lose-a')
    const b = world.clone('lose-b')
    const shares = [20, 30, 40]
    const head = () => world.remoteGit('rev-parse', 'main').trim()
    await assert.rejects(
      deploy(
        options(world, a, {
          ref: 'churn@v1.2.0',
          environment: 'staging',
          maxAttempts: 3,
          beforePush: async (attempt) => {
            await deploy(options(world, b, { ref: 'churn@v1.1.0', environment: 'staging', traffic: shares[attempt - 1]! }))
          },
        }),
      ),
      (error: Error) => {
        assert.ok(error instanceof DeployPushError)
        assert.equal(error.message, "the push to main on remote 'origin' lost 3 races in a row (last: fetch first); others are changing the desired state right now: run the command again")
        return true
      },
    )
    assert.equal(world.remoteGit('log', '-1', '--format=%s', head()).trim(), 'deploy churn v1.1.0 to staging at 40%')
  })

  test('two deploy processes racing for the same file both land, neither lost', async () => {
    const a = world.clone('proc-a')
    const b = world.clone('proc-b')
    const cli = join(process.cwd(), 'src/cli/main.ts')
    const runDeploy = (clone: Clone, ref: string) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), cli, 'deploy', ref, '--environment', 'production', '--traffic', '100', '--reason', `race ${ref}`], {
          cwd: clone.dir,
          env: { ...process.env, GITHUB_TOKEN: '', GITHUB_REPOSITORY: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let output = ''
        child.stdout.on('data', (chunk) => (output += chunk))
        child.stderr.on('data', (chunk) => (output += chunk))
        child.on('close', (code) => resolve({ code, output }))
      })
    const [first, second] = await Promise.all([runDeploy(a, 'house-prices@v0.0.1'), runDeploy(b, 'churn@v1.0.0')])
    assert.equal(first.code, 0, first.output)
    assert.equal(second.code, 0, second.output)
    assert.deepEqual(
      stateOf(world, 'production').map((entry) => `${entry.model}@${entry.version}`),
      ['churn@v1.0.0', 'house-prices@v0.0.1'],
    )
    const landed = subjects(world, 'deploy/production.yaml').slice(0, 2).sort()
    assert.deepEqual(landed, ['deploy churn v1.0.0 to production', 'deploy house-prices v0.0.1 to production'])
  })

  test('a push refused as protected is a distinct result; its commit can go to a branch for a pull request', async () => {
    const a = world.clone('protected')
    world.protectMain()
    const head = world.remoteGit('rev-parse', 'main')
    const result = await deploy(options(world, a, { ref: 'churn@v1.2.0', environment: 'staging', traffic: 100 }))
    assert.equal(result.status, 'protected')
    if (result.status !== 'protected') return
    assert.match(result.reason, /^pre-receive hook declined; main is protected: open a pull request$/)
    assert.equal(world.remoteGit('rev-parse', 'main'), head)
    const branch = await pushProposal({ root: a.dir, result })
    assert.equal(branch, `modelship/staging/${result.commit.slice(0, 12)}`)
    assert.equal(world.remoteGit('rev-parse', `refs/heads/${branch}`).trim(), result.commit)
    assert.deepEqual(
      parseDesiredState(world.remoteGit('show', `${branch}:deploy/staging.yaml`), 'deploy/staging.yaml').models.filter((entry) => entry.model === 'churn'),
      [{ model: 'churn', version: 'v1.2.0', share: 100 }],
    )
    // The checkout was not moved: the change is not on main.
    assert.equal(a.git('rev-parse', 'HEAD'), head)
  })

  test('no remote is a clear error; --no-push commits to the local branch and updates the work tree', async () => {
    const a = world.clone('local')
    a.git('remote', 'remove', 'origin')
    await assert.rejects(deploy(options(world, a, { ref: 'churn@v1.2.0', environment: 'staging' })), (error: Error) => {
      assert.ok(error instanceof DeployPushError)
      assert.equal(error.message, "the repository has no remote 'origin' to push the desired state to; add it (git remote add origin <url>), name another (--remote), or commit locally only (--no-push)")
      return true
    })
    const result = await deploy(options(world, a, { ref: 'churn@v1.2.0', environment: 'staging', traffic: 100, push: false }))
    assert.equal(result.status, 'committed')
    assert.equal(a.git('log', '-1', '--format=%s').trim(), 'deploy churn v1.2.0 to staging')
    assert.equal(a.git('status', '--porcelain'), '')
    assert.match(readWorkTree(a, 'deploy/staging.yaml'), /version: v1\.2\.0/)
  })

  test('uncommitted edits of the file are refused, not overwritten', async () => {
    const a = world.clone('dirty')
    writeFileSync(join(a.dir, 'deploy/staging.yaml'), `${readWorkTree(a, 'deploy/staging.yaml')}# my notes\n`)
    await assert.rejects(deploy(options(world, a, { ref: 'churn@v1.2.0', environment: 'staging', push: false })), /^DeployRefusedError: deploy\/staging\.yaml has uncommitted changes; commit or discard them first/)
    assert.match(readWorkTree(a, 'deploy/staging.yaml'), /# my notes\n$/)
  })

  test('a live deploy holds the lock; a lock left by a dead process is taken over', async () => {
    const a = world.clone('lock')
    const locks = join(a.dir, '.git', 'modelship', 'locks')
    mkdirSync(locks, { recursive: true })
    const live = { pid: process.pid, host: (await import('node:os')).hostname(), since: '2026-01-01T00:00:00.000Z', purpose: 'deploy churn@v1.0.0' }
    writeFileSync(join(locks, 'staging.lock'), JSON.stringify(live))
    await assert.rejects(deploy(options(world, a, { ref: 'churn@v1.2.0', environment: 'staging', push: false })), (error: Error) => {
      assert.ok(error instanceof DeployLockedError)
      assert.equal(error.message, `environment 'staging' is locked by deploy churn@v1.0.0 (pid ${process.pid} on ${live.host}, since 2026-01-01T00:00:00.000Z); wait for it to finish`)
      return true
    })
    // A process that has exited: its pid is free.
    const dead = spawn(process.execPath, ['-e', ''])
    const pid = dead.pid!
    await new Promise((resolve) => dead.on('close', resolve))
    writeFileSync(join(locks, 'staging.lock'), JSON.stringify({ ...live, pid }))
    const result = await deploy(options(world, a, { ref: 'churn@v1.2.0', environment: 'staging', traffic: 100, push: false }))
    assert.equal(result.status, 'committed')
  })

  test('a desired state whose shares do not add up, or that names an unknown model, is reported with its line', async () => {
    const a = world.clone('bad-state')
    a.git('remote', 'remove', 'origin')
    writeFileSync(join(a.dir, 'deploy/staging.yaml'), 'apiVersion: modelship/v1\nkind: Environment\nname: staging\nmodels:\n  - { model: churn, version: v1.0.0, traffic: 60 }\n  - { model: ghost, version: v1.0.0 }\n')
    a.git('commit', '-q', '-am', 'hand edit')
    await assert.rejects(deploy(options(world, a, { ref: 'churn@v1.2.0', environment: 'staging', push: false })), (error: Error) => {
      assert.ok(error instanceof SpecError)
      assert.match(error.message, /deploy\/staging\.yaml:5:\d+ models\[0\]\.traffic: traffic of churn adds up to 60/)
      assert.match(error.message, /deploy\/staging\.yaml:6:\d+ models\[1\]\.model: 'ghost' has no spec in this repository/)
      return true
    })
  })
})
