import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { GitHubApiError } from '../../src/errors.js'
import { createOctokit } from '../../src/github/octokit.js'
import { GitHubRegistryBackend } from '../../src/registry/github-backend.js'
import { listModels } from '../../src/registry/lookup.js'
import { register } from '../../src/registry/register.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { registryContract, type ContractFixture } from './support/contract.js'
import { collectingLog, GIT_ENV, writeAssets } from './support/registry-fixture.js'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

function client(double: GitHubDouble, token = double.token) {
  return createOctokit({ token, baseUrl: double.url, retryAfterBaseMs: 1, writeIntervalMs: 0, log: quiet })
}

async function githubFixture(withCheckout: boolean): Promise<ContractFixture> {
  const double = await startGitHubDouble({ owner: 'acme', repo: 'models' })
  let checkout: string | undefined
  if (withCheckout) {
    checkout = mkdtempSync(join(tmpdir(), 'modelship-checkout-'))
    execFileSync('git', ['clone', '-q', double.gitDir, checkout], { env: GIT_ENV, stdio: 'ignore' })
  }
  const backend = new GitHubRegistryBackend({ octokit: client(double), owner: 'acme', repo: 'models', checkout })
  const breakAsset = async (releaseId: string, name: string) => {
    const now = new Date().toISOString()
    const id = double.state.nextId()
    double.state.assets.set(id, {
      id, releaseId: Number(releaseId), name, label: null, contentType: 'application/octet-stream',
      data: Buffer.alloc(0), state: 'open', uploader: 'github-actions[bot]', createdAt: now, updatedAt: now, downloadCount: 0,
    })
  }
  return {
    backend,
    commit: (message) => double.createCommit({ message }),
    breakAsset,
    async breakPublishedAsset(tag, name) {
      const release = [...double.state.releases.values()].find((r) => !r.draft && r.tagName === tag)!
      const asset = [...double.state.assets.values()].find((a) => a.releaseId === release.id && a.name === name)
      if (asset) Object.assign(asset, { data: Buffer.alloc(0), state: 'open' })
      else await breakAsset(String(release.id), name)
    },
    async tamperAsset(tag, name, content) {
      const release = [...double.state.releases.values()].find((r) => !r.draft && r.tagName === tag)!
      const asset = [...double.state.assets.values()].find((a) => a.releaseId === release.id && a.name === name)!
      asset.data = Buffer.from(content)
    },
    setRole: async (actor, role) => double.setPermission(actor, role),
    async close() {
      if (checkout) rmSync(checkout, { recursive: true, force: true })
      await double.close()
    },
  }
}

registryContract('github (REST only)', () => githubFixture(false))
// The checkout variant differs only in how tags are listed: run the tests that lean on listings.
registryContract('github (tags fetched into a checkout)', () => githubFixture(true), ['registers v0.0.1', 'racing', 'promotes', 'history', 'unknown models'])

describe('GitHubRegistryBackend', () => {
  const doubles: GitHubDouble[] = []
  after(async () => {
    for (const d of doubles) await d.close()
  })

  it('writes annotated tags through the git database API and reads them back with one listing plus one read per tag', async () => {
    const double = await startGitHubDouble()
    doubles.push(double)
    const backend = new GitHubRegistryBackend({ octokit: client(double), owner: 'acme', repo: 'models' })
    const sha = await double.createCommit({ message: 'train' })
    await register({ model: 'churn', commit: sha, assetsDir: writeAssets('g'), backend, actor: 'octocat', tagger: { name: 'octocat', email: 'octocat@example.com' }, log: collectingLog() })
    const writes = double.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.operationId}`)
    assert.deepEqual(writes, [
      'POST repos/create-release',
      ...Array(7).fill('POST repos/upload-release-asset'),
      'POST git/create-tag',
      'POST git/create-ref',
      'PATCH repos/update-release',
    ])
    assert.equal(String(await double.git.git(['cat-file', '-t', 'churn@v0.0.1'])).trim(), 'tag')
    const before = double.requests.length
    assert.deepEqual(await listModels(new GitHubRegistryBackend({ octokit: client(double), owner: 'acme', repo: 'models' })), [
      { model: 'churn', latest: 'v0.0.1', versions: 1, stages: {}, deprecated: false },
    ])
    assert.deepEqual(double.requests.slice(before).map((r) => r.operationId), ['git/list-matching-refs', 'git/get-tag'])
  })

  it('falls back to the API when the checkout cannot fetch (no such remote)', async () => {
    const double = await startGitHubDouble()
    doubles.push(double)
    const lonely = mkdtempSync(join(tmpdir(), 'modelship-lonely-'))
    execFileSync('git', ['init', '-q', lonely], { env: GIT_ENV })
    try {
      const backend = new GitHubRegistryBackend({ octokit: client(double), owner: 'acme', repo: 'models', checkout: lonely })
      await register({ model: 'churn', commit: await double.createCommit({ message: 't' }), assetsDir: writeAssets('f'), backend, log: collectingLog() })
      assert.deepEqual((await backend.listTags()).map((t) => t.name), ['churn@v0.0.1'])
      assert.match(String(await backend.readTagMessage('churn@v0.0.1')), /^Register churn v0\.0\.1/)
    } finally {
      rmSync(lonely, { recursive: true, force: true })
    }
  })

  it('an expired token (401) and a read-only token (403) fail with GitHubApiError and leave nothing behind', async () => {
    const double = await startGitHubDouble({ tokens: { ghs_readonly: 'read' } })
    doubles.push(double)
    const sha = await double.createCommit({ message: 'train' })
    const expired = new GitHubRegistryBackend({ octokit: client(double, 'ghs_expired'), owner: 'acme', repo: 'models' })
    await assert.rejects(listModels(expired), (e: unknown) => e instanceof GitHubApiError && e.status === 401 && /the token is invalid or has expired/.test(e.message))
    const readOnly = new GitHubRegistryBackend({ octokit: client(double, 'ghs_readonly'), owner: 'acme', repo: 'models' })
    await assert.rejects(
      register({ model: 'churn', commit: sha, assetsDir: writeAssets('r'), backend: readOnly, log: collectingLog() }),
      (e: unknown) => e instanceof GitHubApiError && e.status === 403 && e.message.startsWith('GitHub API POST /repos/acme/models/releases answered 403'),
    )
    assert.equal(double.state.releases.size, 0)
    assert.equal(String(await double.git.git(['tag', '-l'])).trim(), '')
  })
})
