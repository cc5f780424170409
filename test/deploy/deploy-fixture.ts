/**
 * Real git for the deploy tests: a bare remote (optionally with a pre-receive hook), a seed commit
 * with two model specs and empty desired states, registered versions as tags, and clones of it.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { LocalRegistryBackend } from '../../src/registry/index.js'

/** Git identity and config isolation for every git the tests run (the code under test inherits it). */
export const TEST_GIT_ENV = {
  GIT_AUTHOR_NAME: 'Deploy Tester',
  GIT_AUTHOR_EMAIL: 'deploy@example.com',
  GIT_COMMITTER_NAME: 'Deploy Tester',
  GIT_COMMITTER_EMAIL: 'deploy@example.com',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
}
Object.assign(process.env, TEST_GIT_ENV)

const churnSpec = `apiVersion: modelship/v1
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

const housePricesSpec = `apiVersion: modelship/v1
kind: Model
name: house-prices
task: regression
data:
  train: data/train.csv
  test: data/test.csv
  target: churned
  features: [tenure]
train:
  command: [python, train.py]
deploy:
  - { environment: staging }
  - { environment: production }
`

function emptyState(name: string): string {
  return `# Desired state of ${name}; kept by modelship deploy.\napiVersion: modelship/v1\nkind: Environment\nname: ${name}\nmodels: []\n`
}

/** A clone of the remote. */
export interface Clone {
  dir: string
  git(...args: string[]): string
  /** The file as committed on the remote's main. */
  read(path: string): string
}

/** The remote and what the tests do with it. */
export interface DeployWorld {
  remote: string
  clone(name: string): Clone
  /** git in the bare remote. */
  remoteGit(...args: string[]): string
  /** Installs a pre-receive hook refusing pushes to refs/heads/main (a protected branch). */
  protectMain(): void
  backend(dir: string): LocalRegistryBackend
  remove(): void
}

function run(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'pipe'] })
}

/**
 * Creates the remote with one seed commit (specs churn and house-prices, empty staging and
 * production states) and versions churn v1.0.0, v1.1.0, v1.2.0 and house-prices v0.0.1 (tagged as
 * GTO does by hand: no lineage, so no release is needed).
 */
export function createDeployWorld(): DeployWorld {
  const top = mkdtempSync(join(tmpdir(), 'modelship-deploy-'))
  const remote = join(top, 'remote.git')
  run(top, ['init', '-q', '--bare', '-b', 'main', remote])
  const seed = join(top, 'seed')
  run(top, ['init', '-q', '-b', 'main', seed])
  const files: Record<string, string> = {
    'models/churn/model.yaml': churnSpec,
    'models/churn/train.py': 'print(1)\n',
    'models/house-prices/model.yaml': housePricesSpec,
    'models/house-prices/train.py': 'print(1)\n',
    'data/train.csv': 'tenure,churned\n1,0\n2,1\n',
    'data/test.csv': 'tenure,churned\n1,0\n2,1\n',
    'deploy/staging.yaml': emptyState('staging'),
    'deploy/production.yaml': emptyState('production'),
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(seed, path)), { recursive: true })
    writeFileSync(join(seed, path), text)
  }
  run(seed, ['add', '-A'])
  run(seed, ['commit', '-q', '-m', 'models'])
  for (const tag of ['churn@v1.0.0', 'churn@v1.1.0', 'churn@v1.2.0', 'house-prices@v0.0.1']) run(seed, ['tag', '-a', tag, '-m', `register ${tag}`])
  run(seed, ['remote', 'add', 'origin', remote])
  run(seed, ['push', '-q', 'origin', 'main', '--tags'])
  return {
    remote,
    clone(name) {
      const dir = join(top, name)
      run(top, ['clone', '-q', remote, dir])
      return { dir, git: (...args) => run(dir, args), read: (path) => run(remote, ['show', `main:${path}`]) }
    },
    remoteGit: (...args) => run(remote, args),
    protectMain() {
      const hook = join(remote, 'hooks', 'pre-receive')
      writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do\n  if [ "$ref" = refs/heads/main ]; then echo "main is protected: open a pull request" >&2; exit 1; fi\ndone\n')
      chmodSync(hook, 0o755)
    },
    backend: (dir) => new LocalRegistryBackend({ repoDir: dir }),
    remove: () => rmSync(top, { recursive: true, force: true }),
  }
}

/** The subject lines of main's log of `path` on the remote, newest first. */
export function subjects(world: DeployWorld, path: string): string[] {
  return world.remoteGit('log', '--format=%s', 'main', '--', path).trim().split('\n').filter(Boolean)
}

/** Reads a file of a clone's work tree. */
export function readWorkTree(clone: Clone, path: string): string {
  return readFileSync(join(clone.dir, path), 'utf8')
}
