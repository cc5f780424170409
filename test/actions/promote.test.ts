import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { createOctokit } from '../../src/github/octokit.js'
import { GitHubRegistryBackend } from '../../src/registry/github-backend.js'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { register } from '../../src/registry/register.js'
import { createTestRepo, type TestRepo } from '../git/test-repo.js'
import { collectingLog, writeAssets } from '../registry/support/registry-fixture.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { NODE_BINARIES, runAction } from '../support/run-action.js'

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
  - { environment: staging }
  - { environment: production, requires: staging }
`

describe('actions/promote', () => {
  let repo: TestRepo
  let assets: string
  before(() => {
    repo = createTestRepo()
    repo.write({ 'models/churn/model.yaml': SPEC, 'models/churn/train.py': 'print(1)\n', 'data/train.csv': 'tenure,churned\n1,0\n2,1\n', 'data/test.csv': 'tenure,churned\n1,0\n2,1\n' })
    repo.git('config', 'user.name', 'Promote Tester')
    repo.git('config', 'user.email', 'promote@example.com')
    repo.commit('churn')
    assets = writeAssets('promote')
  })
  after(() => {
    repo.remove()
    rmSync(assets, { recursive: true, force: true })
  })

  /** A double whose repository holds churn@v0.0.1 at the workspace's commit. */
  async function registered(): Promise<{ double: GitHubDouble; backend: GitHubRegistryBackend; env: Record<string, string> }> {
    const double = await startGitHubDouble()
    try {
      repo.git('push', '-q', double.gitDir, 'HEAD:refs/heads/work')
      const backend = new GitHubRegistryBackend({ octokit: createOctokit({ token: double.token, baseUrl: double.url, writeIntervalMs: 0 }), owner: double.owner, repo: double.repo })
      await register({ model: 'churn', commit: repo.git('rev-parse', 'HEAD').trim(), assetsDir: assets, backend, log: collectingLog() })
      double.setPermission('alice', 'maintain')
      double.setPermission('bob', 'read')
      return { double, backend, env: { ...double.env(), MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0', GITHUB_RUN_ID: '9' } }
    } catch (error) {
      await double.close()
      throw error
    }
  }

  for (const node of Object.keys(NODE_BINARIES) as Array<keyof typeof NODE_BINARIES>) {
    test(`under ${node}: latest to staging, staging to production by a maintainer, again unchanged; a read collaborator is refused`, async () => {
      const { double, backend, env } = await registered()
      try {
        const promote = (inputs: Record<string, string>, actor?: string) =>
          runAction({ action: 'promote', workspace: repo.dir, node, inputs: { model: 'churn', token: double.token, ...inputs }, env: { ...env, ...(actor ? { GITHUB_ACTOR: actor } : {}) } })
        let run = await promote({ version: 'latest', stage: 'staging' })
        assert.equal(run.exitCode, 0, run.stdout + run.stderr)
        assert.deepEqual(run.outputs, { version: 'v0.0.1', tag: 'churn#staging#2', status: 'promoted' })
        assert.equal(run.summary, '## Modelship promote: 🚀 churn staging → v0.0.1\n\n- Before: no version\n- Now: v0.0.1 (tag `churn#staging#2`)\n')

        run = await promote({ version: 'churn#staging', stage: 'production' }, 'bob')
        assert.equal(run.exitCode, 1)
        assert.deepEqual(run.annotations.filter((a) => a.level === 'error').map((a) => a.message), [
          "bob has the repository role 'read' on GitHub acme/models, but promoting churn to protected stage 'production' needs maintain or admin (register.promote-roles in models/churn/model.yaml); ask someone with that role to promote, or grant it",
        ])
        assert.deepEqual(run.outputs, {})

        run = await promote({ version: 'churn#staging', stage: 'production' }, 'alice')
        assert.equal(run.exitCode, 0, run.stdout + run.stderr)
        assert.deepEqual(run.outputs, { version: 'v0.0.1', tag: 'churn#production#3', status: 'promoted' })
        assert.ok(run.summary.endsWith('- By: @alice\n'))
        const production = (await backend.listTags({ details: true })).find((t) => t.name === 'churn#production#3')!
        assert.match(production.message!, /"actor": "alice"/)
        assert.match(production.message!, new RegExp(`"url": "${double.webUrl}/acme/models/actions/runs/9"`))

        run = await promote({ version: 'v0.0.1', stage: 'production' }, 'alice')
        assert.equal(run.exitCode, 0)
        assert.deepEqual(run.outputs, { version: 'v0.0.1', tag: '', status: 'unchanged' })
        assert.ok(run.summary.startsWith('## Modelship promote: churn production already holds v0.0.1; nothing changed\n'))
        assert.deepEqual((await backend.listTags()).map((t) => t.name).sort(), ['churn#production#3', 'churn#staging#2', 'churn@v0.0.1'])
      } finally {
        await double.close()
      }
    })
  }

  test('bad input: a stage not in the spec, an unknown version, another model\'s stage, a version that is none', async () => {
    const { double, backend, env } = await registered()
    try {
      const cases: Array<[Record<string, string>, string]> = [
        [{ version: 'latest', stage: 'canary' }, "stage 'canary' is not a stage of churn in models/churn/model.yaml; its stages: staging, production (add it under deploy or register.protected-stages)"],
        [{ version: 'v9.9.9', stage: 'staging' }, 'churn has no version v9.9.9; its versions: v0.0.1'],
        [{ version: 'fraud#staging', stage: 'production' }, "input 'version': 'fraud#staging' names model fraud, not churn; use churn#<stage> to take the version of another stage of churn"],
        [{ version: 'newest', stage: 'staging' }, "input 'version': 'newest' is not a version; expected v1.3.0, 'latest' or churn#<stage> (e.g. churn#staging)\nFix the step's 'with:' block in your workflow."],
        [{ version: 'churn#production', stage: 'staging' }, "churn has no version in stage 'production'; no stage is assigned yet (promote one with modelship registry promote churn@<version> production)"],
      ]
      for (const [inputs, message] of cases) {
        const run = await runAction({ action: 'promote', workspace: repo.dir, inputs: { model: 'churn', token: double.token, ...inputs }, env })
        assert.equal(run.exitCode, 1, JSON.stringify(inputs))
        assert.deepEqual(run.annotations.filter((a) => a.level === 'error').map((a) => a.message), [message])
      }
      assert.deepEqual((await backend.listTags()).map((t) => t.name), ['churn@v0.0.1'])
    } finally {
      await double.close()
    }
  })

  test("production for a version never in staging is refused with the fix, and goes through with skip-requires: 'true'", async () => {
    const local = new LocalRegistryBackend({ repoDir: repo.dir })
    await register({ model: 'churn', commit: 'HEAD', assetsDir: assets, backend: local, log: collectingLog() })
    const inputs = { model: 'churn', version: 'latest', stage: 'production', token: '' }
    const refused = await runAction({ action: 'promote', workspace: repo.dir, inputs, env: { ACT: 'true' } })
    assert.equal(refused.exitCode, 1)
    assert.match(refused.annotations.find((a) => a.level === 'error')?.message ?? '', /production requires staging.*--skip-requires/)
    assert.equal(repo.git('tag', '-l', 'churn#production*').trim(), '')
    const skipped = await runAction({ action: 'promote', workspace: repo.dir, inputs: { ...inputs, 'skip-requires': 'true' }, env: { ACT: 'true' } })
    assert.equal(skipped.exitCode, 0, skipped.stdout + skipped.stderr)
    const tag = repo.git('tag', '-l', 'churn#production*').trim()
    assert.match(tag, /^churn#production#\d+$/)
    assert.match(repo.git('tag', '-l', '--format=%(contents)', tag), /skipping the required stage staging/)
    repo.git('tag', '-d', tag)
  })

  test('without a token (act) it promotes in the local registry and warns, staging before production', async () => {
    const local = new LocalRegistryBackend({ repoDir: repo.dir })
    await register({ model: 'churn', commit: 'HEAD', assetsDir: assets, backend: local, log: collectingLog() })
    // Staging: production requires it (deploy[].requires), and this version was never there.
    const run = await runAction({ action: 'promote', workspace: repo.dir, inputs: { model: 'churn', version: 'latest', stage: 'staging', token: '' }, env: { ACT: 'true' } })
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    const tag = repo.git('tag', '-l', 'churn#*').trim()
    assert.match(tag, /^churn#staging#\d+$/)
    assert.deepEqual(run.outputs, { version: 'v0.0.1', tag, status: 'promoted' })
    assert.equal(run.annotations.filter((a) => a.level === 'warning').length, 1)
    // Then production, from staging, as deploy[].requires asks.
    const skipped = await runAction({ action: 'promote', workspace: repo.dir, inputs: { model: 'churn', version: 'churn#staging', stage: 'production', token: '' }, env: { ACT: 'true' } })
    assert.equal(skipped.exitCode, 0, skipped.stdout + skipped.stderr)
    assert.match(repo.git('tag', '-l', 'churn#production*').trim(), /^churn#production#\d+$/)
  })
})
