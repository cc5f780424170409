import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { join } from 'node:path'
import { readTable } from '../../src/data/read-table.js'
import { runDriftCheck } from '../../src/drift/index.js'
import { RegistryConflictError } from '../../src/errors.js'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { buildReferenceProfile, renderReferenceProfile } from '../../src/registry/reference-profile.js'
import { register } from '../../src/registry/register.js'
import { collectingLog, createScratchRepo, writeAssets } from '../registry/support/registry-fixture.js'
import { rewriteReleaseFile } from '../registry/support/release-files.js'
import { normals, writeCsv } from './support.js'

describe('drift against a registered version', () => {
  const repo = createScratchRepo('modelship-drift-registry-')
  after(() => repo.remove())

  it("downloads the version's reference-profile.json, checked against its tag, and names the version", async () => {
    writeCsv(join(repo.dir, 'train.csv'), { age: normals(2000, 1, 40, 8) })
    writeCsv(join(repo.dir, 'current.csv'), { age: normals(1000, 2, 40, 8) })
    const profile = renderReferenceProfile(buildReferenceProfile(await readTable(join(repo.dir, 'train.csv'))))
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    await register({ model: 'churn', commit: repo.commit('c'), assetsDir: writeAssets('d', { 'reference-profile.json': profile }), backend, log: collectingLog() })
    const report = await runDriftCheck({ model: 'churn', reference: 'churn@v0.0.1', current: 'current.csv', cwd: repo.dir, registry: () => backend })
    assert.deepEqual([report.reference.source, report.reference.location, report.version, report.dataset.drifted], ['registry', 'churn@v0.0.1', 'churn@v0.0.1', false])
    assert.equal(report.features[0]!.exact, true)

    // A profile changed on the release after registration no longer matches the tag's sha256.
    rewriteReleaseFile(repo.dir, 'churn@v0.0.1', 'reference-profile.json', profile.replace('"rowCount": 2000', '"rowCount": 1999'))
    await assert.rejects(runDriftCheck({ model: 'churn', reference: 'churn@v0.0.1', current: 'current.csv', cwd: repo.dir, registry: () => backend }), (e: unknown) => e instanceof RegistryConflictError && /^checksum mismatch for reference-profile.json of churn@v0.0.1: its version tag recorded [0-9a-f]{64}, the download is [0-9a-f]{64}/.test(e.message))
    await assert.rejects(runDriftCheck({ model: 'churn', reference: 'churn@v9.9.9', current: 'current.csv', cwd: repo.dir, registry: () => backend }), /churn@v9.9.9|v9.9.9/)
  })
})
