/**
 * The world of the actions/deploy and actions/rollback tests: a REST double whose bare repository
 * holds a churn spec and empty desired states, and a workspace cloned from it (origin is the
 * double's bare repository, so pushes really land there). Versions are registered on the double.
 */
import { rmSync } from 'node:fs'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { createOctokit } from '../../src/github/octokit.js'
import { GitHubRegistryBackend } from '../../src/registry/github-backend.js'
import { register } from '../../src/registry/register.js'
import { createTestRepo, type TestRepo } from '../git/test-repo.js'
import { collectingLog, writeAssets } from '../registry/support/registry-fixture.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'

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

/** A double, a workspace cloned from it, and helpers; `close()` removes them all. */
export interface DeployActionWorld {
  double: GitHubDouble
  repo: TestRepo
  assets: string
  head(): string
  /** Registers churn at `version` on the double, at a new commit when `newCommit` (one commit gets one version). */
  registerOnGitHub(version: string, newCommit?: boolean): Promise<void>
  /** A recording environment with the double's variables and a token. */
  actionEnv(inputs: Record<string, string>, vars?: Record<string, string>): ReturnType<typeof createRecordingEnv>
  remoteFile(path: string): Promise<string>
  close(): Promise<void>
}

/** Starts the world; the action's git credentials (GIT_CONFIG_* in process.env) are undone by close(). */
export async function startDeployActionWorld(): Promise<DeployActionWorld> {
  const savedEnv = { ...process.env }
  const double = await startGitHubDouble({ owner: 'acme', repo: 'models', files: FILES })
  const repo = createTestRepo()
  repo.git('remote', 'add', 'origin', double.gitDir)
  repo.git('fetch', '-q', 'origin', 'main')
  repo.git('checkout', '-q', '-B', 'main', 'origin/main')
  repo.git('config', 'user.name', 'Deploy Tester')
  repo.git('config', 'user.email', 'deploy@example.com')
  const assets = writeAssets('deploy')
  let commits = 0
  const head = () => repo.git('rev-parse', 'HEAD').trim()
  return {
    double,
    repo,
    assets,
    head,
    async registerOnGitHub(version, newCommit = false) {
      if (newCommit) {
        repo.write({ 'models/churn/train.py': `print(${++commits})\n` })
        repo.commit(`train ${version}`)
        repo.git('push', '-q', 'origin', 'main')
      }
      const backend = new GitHubRegistryBackend({ octokit: createOctokit({ token: double.token, baseUrl: double.url, writeIntervalMs: 0 }), owner: 'acme', repo: 'models' })
      await register({ model: 'churn', commit: head(), assetsDir: assets, backend, version, log: collectingLog() })
    },
    actionEnv(inputs, vars = {}) {
      return createRecordingEnv({
        workspace: repo.dir,
        inputs: { model: 'churn', token: double.token, ...inputs },
        vars: { ...double.env(), MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0', GITHUB_RUN_ID: '42', ...vars },
      })
    },
    remoteFile: (path) => double.git.git(['show', `main:${path}`]),
    async close() {
      for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key]
      Object.assign(process.env, savedEnv)
      repo.remove()
      rmSync(assets, { recursive: true, force: true })
      await double.close()
    },
  }
}
