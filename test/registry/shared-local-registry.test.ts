/**
 * The local registry shared through git: a version's files live under refs/modelship/releases/, so
 * a clone that fetched that ref, or a copy of `.git` as act makes, has them; one that did not gets a
 * message naming the ref and the fetch. Also the move of the first layout (folders) into git, and
 * orphan drafts.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { download } from '../../src/registry/download.js'
import { LocalRegistryBackend, releaseRef } from '../../src/registry/local-backend.js'
import { formatVersionDetails } from '../../src/registry/format.js'
import { listModels, showVersion } from '../../src/registry/lookup.js'
import { promote } from '../../src/registry/promote.js'
import { register } from '../../src/registry/register.js'
import { collectingLog, createScratchRepo, GIT_ENV, writeAssets } from './support/registry-fixture.js'

const scratch: string[] = []
after(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  scratch.push(dir)
  return dir
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** A repository with churn v0.0.1 registered and in production, pushed (tags only) to a bare remote. */
async function registeredOrigin() {
  const repo = createScratchRepo()
  scratch.push(repo.dir)
  const remote = temp('modelship-remote-')
  git(remote, 'init', '-q', '--bare')
  repo.git('remote', 'add', 'origin', remote)
  const backend = new LocalRegistryBackend({ repoDir: repo.dir })
  const sha = repo.commit('train')
  await register({ model: 'churn', commit: sha, assetsDir: writeAssets('v1'), backend, log: collectingLog() })
  await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log: collectingLog() })
  repo.git('push', '-q', 'origin', 'main', '--tags')
  return { repo, remote, sha }
}

describe('the local registry shared through git', () => {
  it('a clone with the tags but not the release ref says which ref is missing and how to fetch it; after the fetch it downloads', async () => {
    const { repo, remote, sha } = await registeredOrigin()
    const clone = temp('modelship-clone-')
    git(clone, 'clone', '-q', remote, '.')
    const backend = new LocalRegistryBackend({ repoDir: clone })
    assert.deepEqual((await listModels(backend))[0]?.stages, { production: 'v0.0.1' })
    const out = temp('modelship-dl-')
    await assert.rejects(download({ backend, ref: 'churn#production', dir: out, log: collectingLog() }), {
      name: 'RegistryNotFoundError',
      message:
        `the files of churn@v0.0.1 (commit ${sha.slice(0, 7)}) cannot be had: ${backend.repoDir} has no refs/modelship/releases/churn@v0.0.1, where the local registry keeps the version's files (nor a folder ${join(backend.storeDir, 'churn@v0.0.1')}). ` +
        `A clone or checkout gets the tags but not that ref: run git fetch origin '+refs/modelship/*:refs/modelship/*' there ` +
        `(once pushed from the repository that registered it: git push origin 'refs/modelship/*'), or set git config --add remote.origin.fetch '+refs/modelship/*:refs/modelship/*' so every fetch brings it`,
    })
    assert.deepEqual(readdirSync(out), [])

    repo.git('push', '-q', 'origin', 'refs/modelship/*')
    git(clone, 'fetch', '-q', 'origin', '+refs/modelship/*:refs/modelship/*')
    const got = await download({ backend, ref: 'churn#production', dir: out, log: collectingLog() })
    assert.equal(got.tag, 'churn@v0.0.1')
    assert.equal(readFileSync(join(out, 'model.onnx'), 'utf8'), 'onnx bytes for v1\n')
    assert.match(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' }), /model\.onnx: OK/)
  })

  it('show in such a clone says the release ref is missing and how to fetch it, not that the registration is unfinished', async () => {
    const { remote } = await registeredOrigin()
    const clone = temp('modelship-clone-')
    git(clone, 'clone', '-q', remote, '.')
    const backend = new LocalRegistryBackend({ repoDir: clone })
    const details = await showVersion(backend, 'churn#production')
    assert.equal(details.published, false)
    const line = formatVersionDetails(details).split('\n').find((l) => l.startsWith('  release '))
    assert.equal(line, `  release     not found: ${backend.missingReleaseHelp('churn@v0.0.1')}`)
  })

  it('a clone set up with the fetch refspec from the README gets the files with a plain fetch', async () => {
    const { repo, remote } = await registeredOrigin()
    repo.git('push', '-q', 'origin', 'refs/modelship/*')
    const clone = temp('modelship-clone-')
    git(clone, 'init', '-q', '-b', 'main')
    git(clone, 'remote', 'add', 'origin', remote)
    git(clone, 'config', '--add', 'remote.origin.fetch', '+refs/modelship/*:refs/modelship/*')
    git(clone, 'fetch', '-q', '--tags', 'origin')
    const got = await download({ backend: new LocalRegistryBackend({ repoDir: clone }), ref: 'churn@v0.0.1', assets: ['model.onnx'], dir: temp('modelship-dl-'), log: collectingLog() })
    assert.equal(got.files[0]?.name, 'model.onnx')
  })

  it('a copy of the checkout without the git-ignored .modelship folder (as act makes) has the files', async () => {
    const { repo } = await registeredOrigin()
    const copy = temp('modelship-act-')
    cpSync(repo.dir, copy, { recursive: true, filter: (path) => !path.includes(`${join(repo.dir, '.modelship')}`) })
    assert.equal(existsSync(join(copy, '.modelship')), false)
    const got = await download({ backend: new LocalRegistryBackend({ repoDir: copy }), ref: 'churn#production', assets: ['model.onnx'], dir: temp('modelship-dl-'), log: collectingLog() })
    assert.equal(readFileSync(got.files[0]!.path, 'utf8'), 'onnx bytes for v1\n')
  })

  it('moves a release of the first layout (a folder under .modelship/registry) into git the first time it is read', async () => {
    const repo = createScratchRepo()
    scratch.push(repo.dir)
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const sha = repo.commit('old')
    const assets = writeAssets('old')
    // The first layout: assets and a release.json with size and sha256 of each, in <store>/<tag>/.
    const dir = join(backend.storeDir, 'churn@v0.0.1')
    mkdirSync(dir, { recursive: true })
    const entries: Record<string, { size: number; sha256: string }> = {}
    const sums: string[] = []
    for (const name of readdirSync(assets).sort()) {
      const bytes = readFileSync(join(assets, name))
      writeFileSync(join(dir, name), bytes)
      const digest = execFileSync('sha256sum', { input: bytes, encoding: 'utf8' }).split(' ')[0]!
      entries[name] = { size: bytes.length, sha256: digest }
      sums.push(`${digest}  ${name}\n`)
    }
    writeFileSync(join(dir, 'SHA256SUMS'), sums.join(''))
    entries.SHA256SUMS = { size: Buffer.byteLength(sums.join('')), sha256: execFileSync('sha256sum', { input: sums.join(''), encoding: 'utf8' }).split(' ')[0]! }
    const lineage = { schema: 'modelship/lineage@1', model: 'churn', version: 'v0.0.1', commit: sha, registeredAt: '2026-01-01T00:00:00.000Z', assets: Object.fromEntries(Object.entries(entries).filter(([n]) => n !== 'SHA256SUMS').map(([n, e]) => [n, e.sha256])) }
    repo.git('tag', '-a', '-m', `Register churn v0.0.1\n\n${JSON.stringify(lineage)}`, 'churn@v0.0.1', sha)
    writeFileSync(join(dir, 'release.json'), JSON.stringify({ id: 'old-1', tagName: 'churn@v0.0.1', name: 'churn@v0.0.1', body: '', draft: false, commit: sha, createdAt: '2026-01-01T00:00:00.000Z', assets: entries }))

    const out = temp('modelship-dl-')
    const got = await download({ backend, ref: 'churn@v0.0.1', dir: out, log: collectingLog() })
    assert.deepEqual(got.files.map((f) => f.name).sort(), Object.keys(lineage.assets).sort())
    assert.equal(existsSync(dir), false, 'the folder is gone once its release is in git')
    assert.equal(repo.git('show', `${releaseRef('churn@v0.0.1')}:model.onnx`), 'onnx bytes for old\n')
    // A register rerun on the moved version finds it published and whole.
    const again = await register({ model: 'churn', commit: sha, assetsDir: assets, backend, log: collectingLog() })
    assert.deepEqual([again.status, again.release?.id], ['unchanged', releaseRef('churn@v0.0.1')])
  })

  it('a register rerun deletes the drafts a killed run left for a commit whose version is published', async () => {
    const repo = createScratchRepo()
    scratch.push(repo.dir)
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const sha = repo.commit('c')
    const assets = writeAssets('c')
    await register({ model: 'churn', commit: sha, assetsDir: assets, backend, log: collectingLog() })
    // What a second, killed run of the same commit leaves: a draft with some of the assets.
    const orphan = await backend.createDraft({ tagName: 'churn@v0.0.1', name: 'churn@v0.0.1', body: '', commit: sha })
    await backend.uploadAsset(orphan.id, 'model.onnx', join(assets, 'model.onnx'))
    const log = collectingLog()
    const result = await register({ model: 'churn', commit: sha, assetsDir: assets, backend, log })
    assert.equal(result.status, 'unchanged')
    assert.deepEqual(await backend.listDrafts(), [])
    assert.deepEqual(readdirSync(join(backend.storeDir, '.drafts')), [])
    assert.deepEqual(log.lines, [
      `deleting draft release churn@v0.0.1 (${orphan.id}) left by an earlier run: churn@v0.0.1 of commit ${sha.slice(0, 7)} is published`,
      `churn at ${sha.slice(0, 7)} is already registered as churn@v0.0.1; nothing to do`,
    ])
  })

  it('a register rerun for a version whose release is gone recreates it only from the files its tag recorded', async () => {
    const repo = createScratchRepo()
    scratch.push(repo.dir)
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const sha = repo.commit('c')
    const assets = writeAssets('c')
    await register({ model: 'churn', commit: sha, assetsDir: assets, backend, log: collectingLog() })
    repo.git('update-ref', '-d', releaseRef('churn@v0.0.1'))
    const recorded = execFileSync('sha256sum', [join(assets, 'model.onnx')], { encoding: 'utf8' }).split(' ')[0]
    const other = writeAssets('other')
    const otherSum = execFileSync('sha256sum', [join(other, 'model.onnx')], { encoding: 'utf8' }).split(' ')[0]
    await assert.rejects(register({ model: 'churn', commit: sha, assetsDir: other, backend, log: collectingLog() }), {
      name: 'RegistryConflictError',
      message: new RegExp(`^cannot finish the release of churn@v0\\.0\\.1: local evaluation\\.json has sha256 [0-9a-f]{64}, but its version tag recorded [0-9a-f]{64}; .*local model\\.onnx has sha256 ${otherSum}, but its version tag recorded ${recorded};`),
    })
    assert.equal(await backend.getRelease('churn@v0.0.1'), undefined, 'nothing was published')
    const result = await register({ model: 'churn', commit: sha, assetsDir: assets, backend, log: collectingLog() })
    assert.equal(result.status, 'completed')
    const got = await download({ backend, ref: 'churn@v0.0.1', assets: ['model.onnx'], dir: temp('modelship-dl-'), log: collectingLog() })
    assert.equal(got.files[0]?.sha256, recorded)
  })

  it("a registration deletes another commit's draft once it is a day old, and keeps a younger one (it may be a run under way)", async () => {
    const repo = createScratchRepo()
    scratch.push(repo.dir)
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const killed = repo.commit('killed')
    // What a run killed before its tag leaves: a draft of a commit with no version.
    const orphan = await backend.createDraft({ tagName: 'churn@v0.0.1', name: 'churn@v0.0.1', body: '', commit: killed })
    const created = (await backend.getReleaseById(orphan.id))!.createdAt!
    await register({ model: 'churn', commit: repo.commit('b'), assetsDir: writeAssets('b'), backend, log: collectingLog() })
    assert.deepEqual((await backend.listDrafts()).map((d) => d.id), [orphan.id], 'a young draft stays')
    const log = collectingLog()
    const later = new Date(created.getTime() + 25 * 60 * 60 * 1000)
    await register({ model: 'churn', commit: repo.commit('c'), assetsDir: writeAssets('c'), backend, log, now: () => later })
    assert.deepEqual(await backend.listDrafts(), [])
    assert.ok(log.lines.includes(`deleting draft release churn@v0.0.1 (${orphan.id}) of commit ${killed.slice(0, 7)}: abandoned, created ${created.toISOString()} and never finished`), log.lines.join('\n'))
  })

  it('a second publish of the same tag from another draft fails and changes nothing', async () => {
    const repo = createScratchRepo()
    scratch.push(repo.dir)
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const sha = repo.commit('c')
    await register({ model: 'churn', commit: sha, assetsDir: writeAssets('c'), backend, log: collectingLog() })
    const before = repo.git('rev-parse', releaseRef('churn@v0.0.1'))
    const other = await backend.createDraft({ tagName: 'churn@v0.0.1', name: 'churn@v0.0.1', body: '', commit: sha })
    await assert.rejects(backend.publish(other.id), {
      name: 'RegistryConflictError',
      message: `release 'churn@v0.0.1' already exists in ${backend.description} (refs/modelship/releases/churn@v0.0.1); a draft for the same tag cannot be published over it`,
    })
    assert.equal(repo.git('rev-parse', releaseRef('churn@v0.0.1')), before)
    assert.equal((await backend.listDrafts()).length, 1, 'the draft stays for a rerun to clean up')
  })
})
