import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { listModels, resolveVersion } from '../../src/registry/lookup.js'
import { promote } from '../../src/registry/promote.js'
import { register } from '../../src/registry/register.js'
import { deprecate, deregister } from '../../src/registry/withdraw.js'
import { registryContract } from './support/contract.js'
import { collectingLog, createScratchRepo, GIT_ENV, writeAssets, type ScratchRepo } from './support/registry-fixture.js'
import { rewriteReleaseFile } from './support/release-files.js'

registryContract('local', async () => {
  const repo = createScratchRepo()
  const backend = new LocalRegistryBackend({ repoDir: repo.dir })
  return {
    backend,
    commit: async (message) => repo.commit(message),
    breakAsset: async (releaseId, name) => writeFileSync(join(backend.storeDir, '.drafts', releaseId, name), ''),
    // An asset that release.json does not list at that size is a copy that died half-way.
    breakPublishedAsset: async (tag, name) => rewriteReleaseFile(repo.dir, tag, name, ''),
    tamperAsset: async (tag, name, content) => rewriteReleaseFile(repo.dir, tag, name, content),
    close: async () => repo.remove(),
  }
})

describe('LocalRegistryBackend', () => {
  const repos: ScratchRepo[] = []
  after(() => repos.forEach((r) => r.remove()))

  it('keeps each release as a commit under refs/modelship/releases/<tag> holding the assets and a release.json, and git tags GTO reads', async () => {
    const repo = createScratchRepo()
    repos.push(repo)
    const sha = repo.commit('c')
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const assets = writeAssets('z', { 'run.json': JSON.stringify({ workflowRunUrl: 'https://github.com/acme/models/actions/runs/5' }) })
    await register({ model: 'models/churn:churn', commit: sha, assetsDir: assets, backend, actor: 'me', log: collectingLog() })
    const lineage = JSON.parse(repo.git('tag', '-l', '--format=%(contents:body)').trim())
    assert.deepEqual([lineage.schema, lineage.model, lineage.version, lineage.commit, lineage.actor, lineage.trainingRun], [
      'modelship/lineage@1', 'models/churn:churn', 'v0.0.1', sha, 'me', { url: 'https://github.com/acme/models/actions/runs/5' },
    ])
    assert.deepEqual(Object.keys(lineage.assets), ['evaluation.json', 'model-card.md', 'model.onnx', 'reference-profile.json', 'run.json', 'spec.yaml'])
    const ref = 'refs/modelship/releases/models/churn=churn@v0.0.1'
    assert.equal(repo.git('show', `${ref}:model.onnx`), 'onnx bytes for z\n')
    assert.deepEqual(repo.git('ls-tree', '--name-only', ref).trim().split('\n'), [
      'SHA256SUMS', 'evaluation.json', 'model-card.md', 'model.onnx', 'reference-profile.json', 'release.json', 'run.json', 'spec.yaml',
    ])
    const manifest = JSON.parse(repo.git('show', `${ref}:release.json`))
    assert.equal(manifest.tagName, 'models/churn=churn@v0.0.1')
    // No published folder and no draft are left behind: the folder is only a working area.
    assert.deepEqual(readdirSync(join(repo.dir, '.modelship', 'registry', '.drafts')), [])
    assert.equal(existsSync(join(repo.dir, '.modelship', 'registry', 'models%2Fchurn=churn@v0.0.1')), false)
    assert.equal(manifest.draft, false)
    assert.equal(manifest.commit, sha)
    assert.equal(repo.git('for-each-ref', '--format=%(objecttype) %(refname:short) %(*objectname)', 'refs/tags/').trim(), `tag models/churn=churn@v0.0.1 ${sha}`)
    assert.equal(repo.git('tag', '-l', '--format=%(contents:subject)').trim(), 'Register models/churn:churn v0.0.1')
  })

  it('ignores lightweight tags, as GTO does', async () => {
    const repo = createScratchRepo()
    repos.push(repo)
    repo.git('tag', 'churn@v0.0.1')
    repo.git('tag', 'churn#production#1')
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const result = await register({ model: 'churn', commit: repo.commit('c'), assetsDir: writeAssets('l'), backend, log: collectingLog() })
    // The lightweight tag is no version, but its name is taken, so the next version is used.
    assert.equal(result.tag, 'churn@v0.0.2')
    assert.deepEqual(await listModels(backend), [{ model: 'churn', latest: 'v0.0.2', versions: 1, stages: {}, deprecated: false }])
    const promoted = await promote({ ref: 'churn@v0.0.2', stage: 'production', backend, log: collectingLog() })
    assert.equal(promoted.tag, 'churn#production#4')
  })

  it('deregister refuses a lightweight tag squatting on the deregistration name, saying how to clear it', async () => {
    const repo = createScratchRepo()
    repos.push(repo)
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    await register({ model: 'churn', commit: repo.commit('c'), assetsDir: writeAssets('w'), backend, log: collectingLog() })
    repo.git('tag', 'churn@v0.0.1!')
    const log = collectingLog()
    await assert.rejects(deregister({ ref: 'churn@v0.0.1', backend, log }), {
      name: 'RegistryConflictError',
      message: `tag churn@v0.0.1! already exists in ${backend.description} but is not an annotated registry tag, so the registry ignores it; delete it (git tag -d 'churn@v0.0.1!', and git push --delete origin 'churn@v0.0.1!' where it was pushed) and run again`,
    })
    assert.deepEqual(log.lines, ['churn@v0.0.1! was taken by a concurrent change; reading the registry again'])
    repo.git('tag', '-d', 'churn@v0.0.1!')
    assert.equal((await deregister({ ref: 'churn@v0.0.1', backend, log })).status, 'deregistered')
  })

  it("deprecate puts the tag on the newest tag's commit for a model with stage tags only (GTO-made)", async () => {
    const repo = createScratchRepo()
    repos.push(repo)
    const sha = repo.commit('gto')
    repo.git('tag', '-a', '-m', 'Assigning stage', 'churn#prod#1', sha)
    repo.commit('later')
    const result = await deprecate({ model: 'churn', backend: new LocalRegistryBackend({ repoDir: repo.dir }), log: collectingLog() })
    assert.deepEqual([result.status, result.tag, result.commit, result.version], ['deprecated', 'churn@deprecated#2', sha, undefined])
    assert.equal(repo.git('rev-parse', 'churn@deprecated#2^{commit}').trim(), sha)
  })

  it('orders stage tags by tag time in every listing path, keeping tag dates in a cache under the git dir', async () => {
    const repo = createScratchRepo()
    repos.push(repo)
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const c1 = repo.commit('1')
    const c2 = repo.commit('2')
    const tagAt = (name: string, commit: string, date: string) =>
      execFileSync('git', ['tag', '-a', '-m', 'm', name, commit], { cwd: repo.dir, env: { ...GIT_ENV, GIT_COMMITTER_DATE: date } })
    tagAt('churn@v0.0.1', c1, '2026-01-01T00:00:00Z')
    tagAt('churn@v0.0.2', c2, '2026-01-02T00:00:00Z')
    // The higher counter is older by the clock: tag time wins (GTO), so production is v0.0.1.
    tagAt('churn#production#4', c1, '2026-01-04T00:00:00Z')
    tagAt('churn#production#5', c2, '2026-01-03T00:00:00Z')
    for (let round = 0; round < 2; round++) {
      assert.deepEqual((await listModels(backend))[0]?.stages, { production: 'v0.0.1' })
      assert.equal((await resolveVersion(backend, 'churn#production')).version.version.toString(), 'v0.0.1')
    }
    const cache = JSON.parse(readFileSync(join(repo.dir, '.git', 'modelship', 'tag-dates.json'), 'utf8'))
    // Every annotated tag's date, versions too: GTO sets deprecations against them by time.
    const days = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04'].map((day) => Date.parse(`${day}T00:00:00Z`) / 1000)
    assert.deepEqual(Object.values(cache).map((v) => (v as [string, string, number])[2]).sort(), days)
  })

  it('says how to fix a missing git identity', async () => {
    const repo = createScratchRepo()
    repos.push(repo)
    repo.git('config', '--unset', 'user.name')
    repo.git('config', '--unset', 'user.email')
    mkdirSync(join(repo.dir, 'x'))
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const env = { ...process.env }
    process.env.GIT_CONFIG_GLOBAL = '/dev/null'
    process.env.GIT_CONFIG_NOSYSTEM = '1'
    delete process.env.GIT_COMMITTER_NAME
    delete process.env.GIT_COMMITTER_EMAIL
    process.env.EMAIL = ''
    try {
      const sha = repo.commit('c')
      await assert.rejects(backend.createTag({ name: 'churn@v0.0.1', commit: sha, message: 'm' }), {
        name: 'UsageError',
        message: `git in ${backend.repoDir} has no identity to sign tag 'churn@v0.0.1' with: run git config user.name "<name>" and git config user.email "<email>", or pass an actor`,
      })
      assert.deepEqual(await backend.createTag({ name: 'churn@v0.0.1', commit: sha, message: 'm', tagger: { name: 'ci', email: 'ci@example.com' } }), { created: true })
    } finally {
      process.env = env
    }
  })
})
