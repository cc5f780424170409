/**
 * The registry contract: one suite of behaviours every `RegistryBackend` must show through the
 * core (register, promote, lookups, download). `local-backend.test.ts` runs it on a local
 * repository, `github-backend.test.ts` through the GitHub API double.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it as test } from 'node:test'
import { PermissionDeniedError, RegistryConflictError, RegistryNotFoundError, UsageError } from '../../../src/errors.js'
import type { RegistryBackend } from '../../../src/registry/backend.js'
import { download } from '../../../src/registry/download.js'
import { listModels, modelHistory, resolveVersion, showVersion } from '../../../src/registry/lookup.js'
import { demote, promote } from '../../../src/registry/promote.js'
import { register } from '../../../src/registry/register.js'
import { deprecate, deregister } from '../../../src/registry/withdraw.js'
import { collectingLog, failAt, InjectedFault, writeAssets } from './registry-fixture.js'

/** The text of published asset `name` of `tagName`, read through the backend. */
async function readAsset(backend: RegistryBackend, tagName: string, name: string): Promise<string> {
  const release = (await backend.getRelease(tagName))!
  const chunks: Buffer[] = []
  for await (const chunk of await backend.openAsset(release, release.assets.find((a) => a.name === name)!)) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks).toString('utf8')
}

/** A backend under test plus the hooks the suite needs to reach behind it. */
export interface ContractFixture {
  backend: RegistryBackend
  /** Makes a commit the backend can see; answers its SHA. */
  commit(message: string): Promise<string>
  /** Leaves a broken asset `name` (empty, not finished) on draft `releaseId`, as a dead upload does. */
  breakAsset(releaseId: string, name: string): Promise<void>
  /** Leaves published asset `name` of `tagName` as a broken upload (empty, unfinished), adding it when missing. */
  breakPublishedAsset(tagName: string, name: string): Promise<void>
  /** Overwrites a published asset's bytes behind the registry's back. */
  tamperAsset(tagName: string, name: string, content: string): Promise<void>
  /** Gives an actor a repository role; undefined for backends without roles (local trusts everyone). */
  setRole?: (actor: string, role: 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none') => Promise<void>
  close(): Promise<void>
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

const ASSET_NAMES = ['SHA256SUMS', 'evaluation.json', 'model-card.md', 'model.onnx', 'reference-profile.json', 'run.json', 'spec.yaml']

/**
 * Runs the contract against backends made by `makeFixture` (a fresh, empty registry per test).
 * `only` keeps the tests whose title contains one of its words (for a variant that differs from a
 * fully tested one in a single method, to keep the suite fast).
 */
export function registryContract(name: string, makeFixture: () => Promise<ContractFixture>, only?: readonly string[]): void {
  describe(`registry contract: ${name}`, () => {
    const it = (title: string, fn: () => Promise<void>) => (only && !only.some((w) => title.includes(w)) ? undefined : test(title, fn))
    const scratch: string[] = []
    const assets = (seed: string) => {
      const dir = writeAssets(seed)
      scratch.push(dir)
      return dir
    }
    let fixtures: ContractFixture[] = []
    const fresh = async () => {
      const f = await makeFixture()
      fixtures.push(f)
      return f
    }
    before(() => {
      fixtures = []
    })
    after(async () => {
      for (const f of fixtures) await f.close()
      for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
    })

    const tagNames = async (backend: RegistryBackend) => (await backend.listTags()).map((t) => t.name).sort()

    it('registers v0.0.1 with every asset and a SHA256SUMS that sha256sum -c accepts', async () => {
      const { backend, commit } = await fresh()
      const sha = await commit('train churn')
      const log = collectingLog()
      const result = await register({ model: 'churn', commit: sha, assetsDir: assets('a'), backend, actor: 'octocat', run: { url: 'https://github.com/acme/models/actions/runs/7' }, log })
      assert.equal(result.status, 'registered')
      assert.equal(result.tag, 'churn@v0.0.1')
      assert.equal(result.commit, sha)
      assert.equal(result.release?.draft, false)
      assert.deepEqual(result.release?.assets.map((a) => a.name).sort(), ASSET_NAMES)
      assert.deepEqual(await tagNames(backend), ['churn@v0.0.1'])
      const tags = await backend.listTags({ details: true })
      assert.equal(tags[0]!.annotated, true)
      assert.equal(tags[0]!.commit, sha)
      assert.match(tags[0]!.message!, /^Register churn v0\.0\.1\n\n\{/)
      assert.deepEqual(await backend.listDrafts(), [])

      const out = mkdtempSync(join(tmpdir(), 'modelship-dl-'))
      scratch.push(out)
      const got = await download({ backend, ref: 'churn@latest', dir: out, log })
      assert.deepEqual(got.files.map((f) => f.name).sort(), ASSET_NAMES.filter((n) => n !== 'SHA256SUMS'))
      assert.deepEqual(readdirSync(out).sort(), ASSET_NAMES)
      const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })
      assert.equal(check.trim().split('\n').length, 6)
      assert.match(check, /model\.onnx: OK/)
      assert.equal(readFileSync(join(out, 'model.onnx'), 'utf8'), 'onnx bytes for a\n')
    })

    it('registering the same commit again is a logged no-op', async () => {
      const { backend, commit } = await fresh()
      const sha = await commit('c1')
      await register({ model: 'churn', commit: sha, assetsDir: assets('a'), backend, log: collectingLog() })
      const log = collectingLog()
      const again = await register({ model: 'churn', commit: sha, assetsDir: assets('b'), backend, log })
      assert.equal(again.status, 'unchanged')
      assert.equal(again.tag, 'churn@v0.0.1')
      assert.deepEqual(log.lines, [`churn at ${sha.slice(0, 7)} is already registered as churn@v0.0.1; nothing to do`])
      assert.deepEqual(again.repaired, [])
      assert.deepEqual(await tagNames(backend), ['churn@v0.0.1'])
      // A healthy published asset is never replaced, even by a different local file.
      const onnx = again.release!.assets.find((a) => a.name === 'model.onnx')!
      assert.deepEqual([onnx.state, onnx.size], ['uploaded', 'onnx bytes for a\n'.length])
      assert.equal(await readAsset(backend, 'churn@v0.0.1', 'model.onnx'), 'onnx bytes for a\n')
    })

    it('a rerun on a published release uploads again the assets someone deleted, after which download verifies them', async () => {
      const { backend, commit } = await fresh()
      const sha = await commit('c')
      const dir = assets('a')
      const first = await register({ model: 'churn', commit: sha, assetsDir: dir, backend, log: collectingLog() })
      for (const name of ['model.onnx', 'SHA256SUMS']) await backend.deleteAsset(first.release!.id, first.release!.assets.find((a) => a.name === name)!.id)
      const log = collectingLog()
      const result = await register({ model: 'churn', commit: sha, assetsDir: dir, backend, log })
      assert.deepEqual([result.status, result.tag, result.repaired], ['completed', 'churn@v0.0.1', ['model.onnx', 'SHA256SUMS']])
      assert.deepEqual(log.lines, [
        'uploading asset model.onnx of churn@v0.0.1 again: it was missing; the local file matches the sha256 its version tag recorded',
        'uploading asset SHA256SUMS of churn@v0.0.1 again: it was missing; rewritten from the sha256s its version tag recorded',
        'repaired churn@v0.0.1: model.onnx, SHA256SUMS uploaded again',
      ])
      assert.deepEqual(result.release?.assets.map((a) => [a.name, a.state]).sort(), ASSET_NAMES.map((n) => [n, 'uploaded']))
      assert.deepEqual(await backend.listDrafts(), [])

      const out = mkdtempSync(join(tmpdir(), 'modelship-dl-'))
      scratch.push(out)
      await download({ backend, ref: 'churn@v0.0.1', dir: out, log: collectingLog() })
      const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })
      assert.equal(check, ASSET_NAMES.filter((n) => n !== 'SHA256SUMS').map((n) => `${n}: OK\n`).join(''))
      assert.equal(readFileSync(join(out, 'model.onnx'), 'utf8'), 'onnx bytes for a\n')

      const again = collectingLog()
      assert.equal((await register({ model: 'churn', commit: sha, assetsDir: dir, backend, log: again })).status, 'unchanged')
      assert.deepEqual(again.lines, [`churn at ${sha.slice(0, 7)} is already registered as churn@v0.0.1; nothing to do`])
    })

    it('a rerun on a published release replaces a broken upload, and leaves a broken asset the lineage does not know', async () => {
      const { backend, commit, breakPublishedAsset } = await fresh()
      const sha = await commit('c')
      const dir = assets('a')
      await register({ model: 'churn', commit: sha, assetsDir: dir, backend, log: collectingLog() })
      await breakPublishedAsset('churn@v0.0.1', 'run.json')
      await breakPublishedAsset('churn@v0.0.1', 'debug.log')
      const log = collectingLog()
      const result = await register({ model: 'churn', commit: sha, assetsDir: dir, backend, log })
      assert.deepEqual([result.status, result.repaired], ['completed', ['run.json']])
      assert.deepEqual(log.lines, [
        "warning: asset debug.log of churn@v0.0.1 is a broken upload that its version tag records no sha256 for, so it is left as it is; delete it from the release if it does not belong there",
        'uploading asset run.json of churn@v0.0.1 again: it was a broken upload; the local file matches the sha256 its version tag recorded',
        'repaired churn@v0.0.1: run.json uploaded again',
      ])
      const states = Object.fromEntries(result.release!.assets.map((a) => [a.name, a.state]))
      assert.deepEqual(states, { ...Object.fromEntries(ASSET_NAMES.map((n) => [n, 'uploaded'])), 'debug.log': 'broken' })
      assert.equal(await readAsset(backend, 'churn@v0.0.1', 'run.json'), readFileSync(join(dir, 'run.json'), 'utf8'))
      const out = mkdtempSync(join(tmpdir(), 'modelship-dl-'))
      scratch.push(out)
      const got = await download({ backend, ref: 'churn@v0.0.1', assets: ['run.json', 'model.onnx'], dir: out, log: collectingLog() })
      assert.deepEqual(got.files.map((f) => f.name), ['run.json', 'model.onnx'])
    })

    it('a rerun refuses to repair a published release from a local file whose sha256 differs from the lineage, uploading nothing', async () => {
      const { backend, commit, breakPublishedAsset } = await fresh()
      const sha = await commit('c')
      const first = await register({ model: 'churn', commit: sha, assetsDir: assets('a'), backend, log: collectingLog() })
      await backend.deleteAsset(first.release!.id, first.release!.assets.find((a) => a.name === 'model.onnx')!.id)
      await breakPublishedAsset('churn@v0.0.1', 'SHA256SUMS')
      const before = (await backend.getRelease('churn@v0.0.1'))!.assets
      const log = collectingLog()
      await assert.rejects(register({ model: 'churn', commit: sha, assetsDir: assets('b'), backend, log }), (e: unknown) =>
        e instanceof RegistryConflictError &&
        e.message ===
          `cannot repair the assets of churn@v0.0.1: local model.onnx has sha256 ${sha256('onnx bytes for b\n')}, but its version tag recorded ${sha256('onnx bytes for a\n')}; a published version's files never change: pass the files of the run that was registered (rebuild them from commit ${sha.slice(0, 7)}), or commit the change and register it as a new version`,
      )
      assert.deepEqual(log.lines, [])
      assert.deepEqual((await backend.getRelease('churn@v0.0.1'))!.assets, before)
      assert.deepEqual(await tagNames(backend), ['churn@v0.0.1'])
    })

    it('a rerun on a published release adds no asset the lineage does not know, and refuses when a lost one is not given', async () => {
      const { backend, commit } = await fresh()
      const sha = await commit('c')
      const first = await register({ model: 'churn', commit: sha, assetsDir: writeAssets('a', { 'shap.json': '{"importance": []}\n' }), backend, log: collectingLog() })
      const log = collectingLog()
      const extra = assets('a')
      writeFileSync(join(extra, 'notes.txt'), 'not registered\n')
      writeFileSync(join(extra, 'shap.json'), '{"importance": []}\n')
      const same = await register({ model: 'churn', commit: sha, assetsDir: extra, backend, log })
      assert.deepEqual([same.status, same.repaired], ['unchanged', []])
      assert.deepEqual(log.lines, [
        "local asset notes.txt is not part of churn@v0.0.1 (its version tag records no such asset) and is not added: a published version's assets never change",
        `churn at ${sha.slice(0, 7)} is already registered as churn@v0.0.1; nothing to do`,
      ])
      assert.equal((await backend.getRelease('churn@v0.0.1'))!.assets.some((a) => a.name === 'notes.txt'), false)

      await backend.deleteAsset(first.release!.id, first.release!.assets.find((a) => a.name === 'shap.json')!.id)
      await assert.rejects(register({ model: 'churn', commit: sha, assetsDir: assets('a'), backend, log: collectingLog() }), {
        name: 'RegistryNotFoundError',
        message: `cannot repair the assets of churn@v0.0.1: no local file for shap.json (missing from the release); pass the files of the run that was registered (rebuild them from commit ${sha.slice(0, 7)})`,
      })
      assert.equal((await backend.getRelease('churn@v0.0.1'))!.assets.length, 7)
    })

    it('a rerun repairs nothing on a published release whose version tag carries no lineage, and says why', async () => {
      const { backend, commit, breakPublishedAsset } = await fresh()
      const sha = await commit('c')
      // A version tagged by hand (or by GTO): free text, no asset checksums.
      await backend.createTag({ name: 'churn@v0.0.1', commit: sha, message: 'churn v0.0.1, tagged by hand\n' })
      const draft = await backend.createDraft({ tagName: 'churn@v0.0.1', name: 'churn@v0.0.1', body: '', commit: sha })
      const dir = assets('a')
      await backend.uploadAsset(draft.id, 'model.onnx', join(dir, 'model.onnx'))
      await backend.publish(draft.id)
      await breakPublishedAsset('churn@v0.0.1', 'model.onnx')
      const log = collectingLog()
      const result = await register({ model: 'churn', commit: sha, assetsDir: dir, backend, log })
      assert.deepEqual([result.status, result.repaired], ['unchanged', []])
      assert.deepEqual(log.lines, [
        'warning: churn@v0.0.1 holds broken uploads (model.onnx), but its version tag records no asset checksums to check local files against, so they are left as they are; check and upload them by hand, or register a new version',
        `churn at ${sha.slice(0, 7)} is already registered as churn@v0.0.1; nothing to do`,
      ])
      assert.deepEqual(result.release?.assets.map((a) => [a.name, a.state]), [['model.onnx', 'broken']])
    })

    it('bumps patch by default, minor or major when asked, and keeps models apart', async () => {
      const { backend, commit } = await fresh()
      const log = collectingLog()
      const v = async (model: string, bump?: 'major' | 'minor' | 'patch') =>
        (await register({ model, commit: await commit(`${model} ${bump}`), assetsDir: assets(model), bump, backend, log })).tag
      assert.equal(await v('churn'), 'churn@v0.0.1')
      assert.equal(await v('churn'), 'churn@v0.0.2')
      assert.equal(await v('churn', 'minor'), 'churn@v0.1.0')
      assert.equal(await v('churn', 'major'), 'churn@v1.0.0')
      assert.equal(await v('models/price:price'), 'models/price=price@v0.0.1')
      assert.equal((await resolveVersion(backend, 'churn@latest')).version.version.toString(), 'v1.0.0')
      assert.equal((await resolveVersion(backend, 'models/price:price')).version.tag.name, 'models/price=price@v0.0.1')
    })

    it('gives two racing registrations of different commits distinct versions', async () => {
      const { backend, commit } = await fresh()
      const [a, b] = [await commit('a'), await commit('b')]
      const results = await Promise.all([
        register({ model: 'churn', commit: a, assetsDir: assets('a'), backend, log: collectingLog() }),
        register({ model: 'churn', commit: b, assetsDir: assets('b'), backend, log: collectingLog() }),
      ])
      assert.deepEqual(results.map((r) => r.status), ['registered', 'registered'])
      assert.deepEqual(results.map((r) => r.tag).sort(), ['churn@v0.0.1', 'churn@v0.0.2'])
      const byCommit = new Map((await backend.listTags()).map((t) => [t.commit, t.name]))
      assert.equal(byCommit.get(a), results[0]!.tag)
      assert.equal(byCommit.get(b), results[1]!.tag)
      for (const r of results) {
        const release = await backend.getRelease(r.tag)
        assert.equal(release?.draft, false)
        assert.equal(release?.assets.length, 7)
      }
      assert.deepEqual(await backend.listDrafts(), [])
    })

    const steps: Array<[string, keyof RegistryBackend, number, boolean]> = [
      ['after the draft is created', 'createDraft', 1, true],
      ['in the middle of the uploads', 'uploadAsset', 3, false],
      ['after the tag is created', 'createTag', 1, true],
      ['when publishing', 'publish', 1, false],
    ]
    for (const [when, method, nth, afterCall] of steps) {
      it(`a rerun finishes a registration that failed ${when}`, async () => {
        const { backend, commit } = await fresh()
        const sha = await commit('c')
        const dir = assets('x')
        await assert.rejects(register({ model: 'churn', commit: sha, assetsDir: dir, backend: failAt(backend, method, nth, afterCall), log: collectingLog() }), InjectedFault)
        const log = collectingLog()
        const result = await register({ model: 'churn', commit: sha, assetsDir: dir, backend, log })
        assert.equal(result.status, method === 'createTag' || method === 'publish' ? 'completed' : 'registered')
        assert.equal(result.tag, 'churn@v0.0.1')
        assert.deepEqual(await tagNames(backend), ['churn@v0.0.1'])
        assert.deepEqual(await backend.listDrafts(), [])
        const release = await backend.getRelease('churn@v0.0.1')
        assert.deepEqual(release?.assets.map((a) => [a.name, a.state]).sort(), ASSET_NAMES.map((n) => [n, 'uploaded']))
        if (method === 'uploadAsset') assert.ok(log.lines.includes('asset evaluation.json of churn@v0.0.1 is already uploaded and identical; kept'), log.lines.join('\n'))
      })
    }

    it('a rerun replaces a broken (empty, unfinished) asset left by a dead upload and removes duplicate drafts', async () => {
      const { backend, commit, breakAsset } = await fresh()
      const sha = await commit('c')
      const dir = assets('x')
      await assert.rejects(register({ model: 'churn', commit: sha, assetsDir: dir, backend: failAt(backend, 'uploadAsset', 2), log: collectingLog() }), InjectedFault)
      const [draft] = await backend.listDrafts()
      await breakAsset(draft!.id, 'model.onnx')
      // A run that died right after creating its draft leaves a second draft of the same commit.
      await backend.createDraft({ tagName: 'churn@v0.0.1', name: 'churn@v0.0.1', body: '', commit: sha })
      const log = collectingLog()
      const result = await register({ model: 'churn', commit: sha, assetsDir: dir, backend, log })
      assert.equal(result.status, 'registered')
      assert.ok(log.lines.includes('replacing asset model.onnx of churn@v0.0.1: it is a broken upload'), log.lines.join('\n'))
      assert.equal(log.lines.filter((l) => l.startsWith('deleting duplicate draft release churn@v0.0.1')).length, 1, log.lines.join('\n'))
      const onnx = result.release!.assets.find((a) => a.name === 'model.onnx')!
      assert.equal(onnx.state, 'uploaded')
      assert.equal(onnx.size, 'onnx bytes for x\n'.length)
      assert.deepEqual(await backend.listDrafts(), [])
    })

    it('refuses an explicit version whose tag exists on another commit, creating nothing', async () => {
      const { backend, commit } = await fresh()
      const a = await commit('a')
      const b = await commit('b')
      await register({ model: 'churn', commit: a, assetsDir: assets('a'), backend, log: collectingLog() })
      await assert.rejects(
        register({ model: 'churn', commit: b, version: 'v0.0.1', assetsDir: assets('b'), backend, log: collectingLog() }),
        (e: unknown) =>
          e instanceof RegistryConflictError &&
          e.message ===
            `tag churn@v0.0.1 already exists on commit ${a.slice(0, 7)}, not on ${b.slice(0, 7)}; a version is never moved: register ${b.slice(0, 7)} without --version to get the next free version`,
      )
      assert.deepEqual(await tagNames(backend), ['churn@v0.0.1'])
      assert.deepEqual(await backend.listDrafts(), [])
    })

    it('refuses missing assets and unknown commits before writing anything', async () => {
      const { backend, commit } = await fresh()
      const sha = await commit('c')
      const dir = assets('m')
      rmSync(join(dir, 'reference-profile.json'))
      rmSync(join(dir, 'spec.yaml'))
      await assert.rejects(register({ model: 'churn', commit: sha, assetsDir: dir, backend, log: collectingLog() }), {
        name: 'RegistryNotFoundError',
        message: `missing assets reference-profile.json, spec.yaml in '${dir}': a version needs model.onnx, evaluation.json, run.json, model-card.md, reference-profile.json, spec.yaml; produce them (train, evaluate, render the model card and reference profile) before registering`,
      })
      await assert.rejects(register({ model: 'churn', commit: 'f'.repeat(40), assetsDir: assets('n'), backend, log: collectingLog() }), (e: unknown) => e instanceof RegistryNotFoundError && e.message.startsWith(`commit '${'f'.repeat(40)}' was not found in ${backend.description}`))
      assert.deepEqual(await tagNames(backend), [])
      assert.deepEqual(await backend.listDrafts(), [])
    })

    it('promotes with a stage tag counting every tag of the model; promoting again is a no-op; newest wins', async () => {
      const { backend, commit } = await fresh()
      const log = collectingLog()
      for (const seed of ['1', '2']) await register({ model: 'churn', commit: await commit(seed), assetsDir: assets(seed), backend, log })
      const first = await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, actor: 'octocat', log })
      assert.equal(first.status, 'promoted')
      assert.equal(first.tag, 'churn#production#3')
      assert.equal((await resolveVersion(backend, 'churn#production')).version.version.toString(), 'v0.0.1')

      const plog = collectingLog()
      const same = await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log: plog })
      assert.equal(same.status, 'unchanged')
      assert.deepEqual(plog.lines, ['churn production already points at v0.0.1 (churn#production#3); nothing to do'])

      assert.equal((await promote({ ref: 'churn@latest', stage: 'production', backend, log })).tag, 'churn#production#4')
      assert.equal((await resolveVersion(backend, 'churn#production')).version.version.toString(), 'v0.0.2')
      // Rolling back is promoting the older version again.
      const back = await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log })
      assert.equal(back.tag, 'churn#production#5')
      assert.equal(back.previous?.toString(), 'v0.0.2')
      assert.equal((await resolveVersion(backend, 'churn#production')).version.version.toString(), 'v0.0.1')

      // Taking v0.0.1 out of production leaves v0.0.2, whose assignment was never withdrawn (GTO).
      const out = await demote({ ref: 'churn#production', backend, log })
      assert.equal(out.tag, 'churn#production!#6')
      assert.equal((await resolveVersion(backend, 'churn#production')).version.version.toString(), 'v0.0.2')

      const [summary] = await listModels(backend)
      assert.deepEqual(summary, { model: 'churn', latest: 'v0.0.2', versions: 2, stages: { production: 'v0.0.2' }, deprecated: false })
      const shown = await showVersion(backend, 'churn#production')
      assert.equal(shown.tag, 'churn@v0.0.2')
      assert.deepEqual(shown.stages, ['production'])
      assert.equal(shown.published, true)
      assert.equal(shown.lineage?.model, 'churn')
      assert.equal(shown.assets.length, 7)
    })

    it('refuses a stage not in the spec and unknown models, versions and stages with clear errors', async () => {
      const { backend, commit } = await fresh()
      await register({ model: 'churn', commit: await commit('1'), assetsDir: assets('1'), backend, log: collectingLog() })
      await assert.rejects(promote({ ref: 'churn@v0.0.1', stage: 'prod', backend, policy: { stages: ['staging', 'production'], source: 'models/churn/model.yaml' }, log: collectingLog() }), {
        name: 'RegistryNotFoundError',
        message: "stage 'prod' is not a stage of churn in models/churn/model.yaml; its stages: staging, production (add it under deploy or register.protected-stages)",
      })
      await assert.rejects(resolveVersion(backend, 'fraud@latest'), { name: 'RegistryNotFoundError', message: `model 'fraud' has no versions in ${backend.description}; registered models: churn` })
      await assert.rejects(resolveVersion(backend, 'churn@v9.0.0'), { name: 'RegistryNotFoundError', message: 'churn has no version v9.0.0; its versions: v0.0.1' })
      await assert.rejects(resolveVersion(backend, 'churn#production'), {
        name: 'RegistryNotFoundError',
        message: 'churn has no version in stage \'production\'; no stage is assigned yet (promote one with modelship registry promote churn@<version> production)',
      })
      await assert.rejects(download({ backend, ref: 'churn@v0.0.1', assets: ['weights.bin'], dir: mkdtempSync(join(tmpdir(), 'modelship-dl-')) }), {
        name: 'RegistryNotFoundError',
        message: `churn@v0.0.1 has no asset 'weights.bin'; its assets: ${ASSET_NAMES.join(', ')}`,
      })
      assert.deepEqual(await tagNames(backend), ['churn@v0.0.1'])
    })

    it('a checksum mismatch on download is a clear error and leaves no file behind', async () => {
      const { backend, commit, tamperAsset } = await fresh()
      const sha = await commit('1')
      await register({ model: 'churn', commit: sha, assetsDir: assets('1'), backend, log: collectingLog() })
      await tamperAsset('churn@v0.0.1', 'model.onnx', 'tampered!\n')
      const out = mkdtempSync(join(tmpdir(), 'modelship-dl-'))
      scratch.push(out)
      const good = 'onnx bytes for 1\n'
      const expected = execFileSync('sha256sum', { input: good, encoding: 'utf8' }).split(' ')[0]
      const actual = execFileSync('sha256sum', { input: 'tampered!\n', encoding: 'utf8' }).split(' ')[0]
      await assert.rejects(download({ backend, ref: 'churn@v0.0.1', assets: ['model.onnx'], dir: out, log: collectingLog() }), {
        name: 'RegistryConflictError',
        message: `checksum mismatch for model.onnx of churn@v0.0.1: its version tag recorded ${expected}, the download is ${actual}; the partial file was removed. The asset was changed or damaged after registration: download again, and if it persists run modelship registry register churn --commit ${sha.slice(0, 7)} with the registered run's files, which uploads it again`,
      })
      assert.deepEqual(readdirSync(out), [])
      assert.equal(existsSync(join(out, 'model.onnx')), false)
    })

    it('a registration deletes a draft a killed run left for another commit once it is a day old', async () => {
      const { backend, commit } = await fresh()
      const killed = await commit('killed')
      const orphan = await backend.createDraft({ tagName: 'churn@v0.0.1', name: 'churn@v0.0.1', body: '', commit: killed })
      const created = (await backend.getReleaseById(orphan.id))!.createdAt!
      await register({ model: 'churn', commit: await commit('b'), assetsDir: assets('b'), backend, log: collectingLog() })
      assert.deepEqual((await backend.listDrafts()).map((d) => d.id), [orphan.id])
      const later = new Date(created.getTime() + 25 * 60 * 60 * 1000)
      await register({ model: 'churn', commit: await commit('c'), assetsDir: assets('c'), backend, log: collectingLog(), now: () => later })
      assert.deepEqual(await backend.listDrafts(), [])
    })

    it("download checks the version tag's sha256s, so an asset changed together with its SHA256SUMS line fails", async () => {
      const { backend, commit, tamperAsset } = await fresh()
      const sha = await commit('1')
      await register({ model: 'churn', commit: sha, assetsDir: assets('1'), backend, log: collectingLog() })
      const sums = (await readAsset(backend, 'churn@v0.0.1', 'SHA256SUMS')).replace(sha256('onnx bytes for 1\n'), sha256('evil\n'))
      await tamperAsset('churn@v0.0.1', 'model.onnx', 'evil\n')
      await tamperAsset('churn@v0.0.1', 'SHA256SUMS', sums)
      const out = mkdtempSync(join(tmpdir(), 'modelship-dl-'))
      scratch.push(out)
      await assert.rejects(download({ backend, ref: 'churn@v0.0.1', dir: out, log: collectingLog() }), {
        name: 'RegistryConflictError',
        message: `checksum mismatch for model.onnx of churn@v0.0.1: its version tag recorded ${sha256('onnx bytes for 1\n')}, the download is ${sha256('evil\n')}; the partial file was removed. The asset was changed or damaged after registration: download again, and if it persists run modelship registry register churn --commit ${sha.slice(0, 7)} with the registered run's files, which uploads it again`,
      })
      assert.equal(existsSync(join(out, 'model.onnx')), false)
    })

    it('download of a version whose asset was deleted names it, where it was looked for and the fix; a register rerun brings it back', async () => {
      const { backend, commit } = await fresh()
      const sha = await commit('1')
      const dir = assets('1')
      const first = await register({ model: 'churn', commit: sha, assetsDir: dir, backend, log: collectingLog() })
      await backend.deleteAsset(first.release!.id, first.release!.assets.find((a) => a.name === 'model.onnx')!.id)
      const out = mkdtempSync(join(tmpdir(), 'modelship-dl-'))
      scratch.push(out)
      await assert.rejects(download({ backend, ref: 'churn@v0.0.1', assets: ['model.onnx'], dir: out, log: collectingLog() }), {
        name: 'RegistryNotFoundError',
        message: `the files of churn@v0.0.1 cannot be had: its release in ${backend.description} lacks model.onnx; run modelship registry register churn --commit ${sha.slice(0, 7)} with the registered run's files: it uploads again what the release lost, checked against the sha256s its version tag recorded`,
      })
      await register({ model: 'churn', commit: sha, assetsDir: dir, backend, log: collectingLog() })
      const got = await download({ backend, ref: 'churn@v0.0.1', assets: ['model.onnx', 'SHA256SUMS'], dir: out, log: collectingLog() })
      assert.equal(readFileSync(join(out, 'model.onnx'), 'utf8'), 'onnx bytes for 1\n')
      assert.equal(execFileSync('sha256sum', ['-c', '--ignore-missing', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' }), 'model.onnx: OK\n')
      assert.deepEqual(got.files.map((f) => f.name), ['model.onnx', 'SHA256SUMS'])
    })

    it('history lists registrations and stage moves with tagger, time, actor and run link', async () => {
      const { backend, commit } = await fresh()
      const log = collectingLog()
      const run = { url: 'https://github.com/acme/models/actions/runs/42' }
      await register({ model: 'churn', commit: await commit('1'), assetsDir: assets('1'), backend, actor: 'alice', run, log })
      await promote({ ref: 'churn@v0.0.1', stage: 'staging', backend, actor: 'bob', run: { url: 'https://github.com/acme/models/actions/runs/43' }, log })
      const history = await modelHistory(backend, 'churn')
      assert.deepEqual(
        history.map((h) => [h.type, h.tag, h.version, h.stage, h.actor, h.runUrl]),
        [
          ['registered', 'churn@v0.0.1', 'v0.0.1', undefined, 'alice', 'https://github.com/acme/models/actions/runs/42'],
          ['assigned', 'churn#staging#2', 'v0.0.1', 'staging', 'bob', 'https://github.com/acme/models/actions/runs/43'],
        ],
      )
      for (const h of history) {
        assert.ok(h.by?.name, 'tagger name')
        assert.ok(h.at instanceof Date && Math.abs(h.at.getTime() - Date.now()) < 10 * 60_000, 'tag time')
      }
    })

    it('protected stages: roles are checked where the backend has them', async () => {
      const { backend, commit, setRole } = await fresh()
      await register({ model: 'churn', commit: await commit('1'), assetsDir: assets('1'), backend, log: collectingLog() })
      const policy = { protectedStages: ['production'], promoteRoles: ['maintain', 'admin'] as const, source: 'models/churn/model.yaml' }
      if (!setRole) {
        const ok = await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, actor: 'anyone', policy, log: collectingLog() })
        assert.equal(ok.status, 'promoted')
        return
      }
      await setRole('dev', 'write')
      await setRole('lead', 'maintain')
      await assert.rejects(promote({ ref: 'churn@v0.0.1', stage: 'production', backend, actor: 'dev', policy, log: collectingLog() }), (e: unknown) =>
        e instanceof PermissionDeniedError &&
        e.message === `dev has the repository role 'write' on ${backend.description}, but promoting churn to protected stage 'production' needs maintain or admin (register.promote-roles in models/churn/model.yaml); ask someone with that role to promote, or grant it`,
      )
      await assert.rejects(promote({ ref: 'churn@v0.0.1', stage: 'production', backend, policy, log: collectingLog() }), {
        name: 'PermissionDeniedError',
        message: "promoting churn to protected stage 'production' needs to know who promotes: pass the actor (GITHUB_ACTOR in workflows); the stage needs the role maintain or admin (register.promote-roles in models/churn/model.yaml)",
      })
      assert.equal((await promote({ ref: 'churn@v0.0.1', stage: 'staging', backend, actor: 'dev', policy, log: collectingLog() })).status, 'promoted')
      assert.equal((await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, actor: 'lead', policy, log: collectingLog() })).status, 'promoted')
    })
    it('deregister withdraws a version with <model>@vX.Y.Z! on its commit, keeps its release, warns where its stages fall back; a rerun is a no-op', async () => {
      const { backend, commit } = await fresh()
      const log = collectingLog()
      const [c1, c2] = [await commit('1'), await commit('2')]
      await register({ model: 'churn', commit: c1, assetsDir: assets('1'), backend, log })
      await register({ model: 'churn', commit: c2, assetsDir: assets('2'), backend, log })
      await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log })
      await promote({ ref: 'churn@v0.0.2', stage: 'production', backend, log })
      await promote({ ref: 'churn@v0.0.2', stage: 'staging', backend, log })

      const dlog = collectingLog()
      const result = await deregister({ ref: 'churn@v0.0.2', backend, actor: 'octocat', message: 'leaks a {future} feature\nsee the incident', log: dlog })
      assert.deepEqual(
        [result.status, result.tag, result.release, result.latest?.toString(), result.stages.map((s) => [s.stage, s.now?.toString()])],
        ['deregistered', 'churn@v0.0.2!', 'churn@v0.0.2', 'v0.0.1', [['production', 'v0.0.1'], ['staging', undefined]]],
      )
      assert.deepEqual(dlog.lines, [
        'churn v0.0.2 deregistered (churn@v0.0.2!); its release churn@v0.0.2 and assets stay',
        'warning: churn v0.0.2 was in production, staging; with it withdrawn, production now points at v0.0.1, staging now points at no version. Promote the version each should serve (modelship registry promote churn@<version> production) or empty it (modelship registry demote churn#production)',
      ])
      const tag = (await backend.listTags({ details: true })).find((t) => t.name === 'churn@v0.0.2!')!
      assert.deepEqual([tag.annotated, tag.commit], [true, c2])
      assert.match(tag.message!, /^Deregister churn v0\.0\.2: leaks a \{future\} feature\n\n\{\n {2}"schema": "modelship\/withdrawal@1"/)
      const history = await modelHistory(backend, 'churn')
      assert.deepEqual(history.filter((h) => h.type === 'deregistered').map((h) => [h.tag, h.version, h.actor, h.note]), [['churn@v0.0.2!', 'v0.0.2', 'octocat', 'leaks a {future} feature']])

      const release = await backend.getRelease('churn@v0.0.2')
      assert.deepEqual([release?.draft, release?.assets.length], [false, 7])
      assert.equal((await resolveVersion(backend, 'churn@latest')).version.version.toString(), 'v0.0.1')
      assert.equal((await resolveVersion(backend, 'churn#production')).version.version.toString(), 'v0.0.1')
      await assert.rejects(resolveVersion(backend, 'churn@v0.0.2'), { name: 'RegistryNotFoundError', message: 'churn@v0.0.2 was withdrawn (churn@v0.0.2!); pick another version of churn: v0.0.1' })
      await assert.rejects(resolveVersion(backend, 'churn#staging'), {
        name: 'RegistryNotFoundError',
        message: "churn has no version in stage 'staging'; it was emptied: the version assigned there was withdrawn (v0.0.2) (promote one with modelship registry promote churn@<version> staging)",
      })
      const [summary] = await listModels(backend)
      assert.deepEqual(summary, { model: 'churn', latest: 'v0.0.1', versions: 1, stages: { production: 'v0.0.1' }, deprecated: false })

      const before = await tagNames(backend)
      const again = collectingLog()
      const rerun = await deregister({ ref: 'churn@v0.0.2', backend, log: again })
      assert.deepEqual([rerun.status, rerun.tag, rerun.stages], ['unchanged', 'churn@v0.0.2!', []])
      assert.deepEqual(again.lines, ['churn v0.0.2 is already deregistered (churn@v0.0.2!); nothing to do'])
      assert.deepEqual(await tagNames(backend), before)
    })

    it('deregister and deprecate refuse unknown models and versions and a reference without a version, writing nothing', async () => {
      const { backend, commit } = await fresh()
      await register({ model: 'churn', commit: await commit('1'), assetsDir: assets('1'), backend, log: collectingLog() })
      await assert.rejects(deregister({ ref: 'churn@v9.0.0', backend, log: collectingLog() }), (e: unknown) => e instanceof RegistryNotFoundError && e.message === 'churn has no version v9.0.0; its versions: v0.0.1')
      for (const ref of ['churn@latest', 'churn#production', 'churn']) {
        await assert.rejects(deregister({ ref, backend, log: collectingLog() }), (e: unknown) =>
          e instanceof UsageError && e.message === `'${ref}' names no version: expected <model>@vX.Y.Z, e.g. churn@v0.0.1 (a withdrawal names its exact version)`,
        )
      }
      const unknown = `model 'fraud' has no versions in ${backend.description}; registered models: churn`
      await assert.rejects(deregister({ ref: 'fraud@v0.0.1', backend, log: collectingLog() }), { name: 'RegistryNotFoundError', message: unknown })
      await assert.rejects(deprecate({ model: 'fraud', backend, log: collectingLog() }), { name: 'RegistryNotFoundError', message: unknown })
      await assert.rejects(deprecate({ model: 'churn@v0.0.1', backend, log: collectingLog() }), { name: 'UsageError' })
      assert.deepEqual(await tagNames(backend), ['churn@v0.0.1'])
    })

    it('a deregistration or deprecation that failed around its tag finishes on a rerun, or left nothing', async () => {
      const { backend, commit } = await fresh()
      await register({ model: 'churn', commit: await commit('1'), assetsDir: assets('1'), backend, log: collectingLog() })
      await assert.rejects(deregister({ ref: 'churn@v0.0.1', backend: failAt(backend, 'createTag', 1), log: collectingLog() }), InjectedFault)
      assert.deepEqual(await tagNames(backend), ['churn@v0.0.1'])
      await assert.rejects(deregister({ ref: 'churn@v0.0.1', backend: failAt(backend, 'createTag', 1, true), log: collectingLog() }), InjectedFault)
      assert.equal((await deregister({ ref: 'churn@v0.0.1', backend, log: collectingLog() })).status, 'unchanged')
      await assert.rejects(deprecate({ model: 'churn', backend: failAt(backend, 'createTag', 1, true), log: collectingLog() }), InjectedFault)
      const log = collectingLog()
      assert.equal((await deprecate({ model: 'churn', backend, log })).status, 'unchanged')
      assert.deepEqual(log.lines, ['churn is already deprecated (churn@deprecated#3); nothing to do'])
      assert.deepEqual(await tagNames(backend), ['churn@deprecated#3', 'churn@v0.0.1', 'churn@v0.0.1!'])
    })

    it('deprecate tags @deprecated#N on the newest version; a rerun or a racing second call writes nothing; any later tag ends it, a withdrawal as much as a registration (GTO)', async () => {
      const { backend, commit } = await fresh()
      const log = collectingLog()
      const [c1, c2] = [await commit('1'), await commit('2')]
      await register({ model: 'churn', commit: c1, assetsDir: assets('1'), backend, log })
      await register({ model: 'churn', commit: c2, assetsDir: assets('2'), backend, log })
      await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log })

      const dlog = collectingLog()
      const results = await Promise.all([
        deprecate({ model: 'churn', backend, actor: 'octocat', message: 'replaced by churn-v2', log: dlog }),
        deprecate({ model: 'churn', backend, message: 'replaced by churn-v2', log: collectingLog() }),
      ])
      assert.deepEqual(results.map((r) => r.status).sort(), ['deprecated', 'unchanged'])
      const done = results.find((r) => r.status === 'deprecated') ?? results[0]!
      assert.deepEqual([done.tag, done.commit, done.version?.toString(), done.stages], ['churn@deprecated#4', c2, 'v0.0.2', { production: 'v0.0.1' }])
      assert.deepEqual(results.map((r) => r.tag), ['churn@deprecated#4', 'churn@deprecated#4'])
      if (done === results[0]) {
        assert.deepEqual(dlog.lines, [
          'churn deprecated (churn@deprecated#4)',
          'warning: churn is deprecated but its stages still point at versions: production=v0.0.1; empty each one that should no longer serve it with modelship registry demote churn#production',
        ])
      }
      const tag = (await backend.listTags({ details: true })).find((t) => t.name === 'churn@deprecated#4')!
      assert.deepEqual([tag.annotated, tag.commit], [true, c2])
      assert.match(tag.message!, /^Deprecate churn: replaced by churn-v2\n\n\{/)
      assert.equal((await listModels(backend))[0]!.deprecated, true)
      assert.equal((await showVersion(backend, 'churn#production')).deprecated, true)

      const again = collectingLog()
      assert.equal((await deprecate({ model: 'churn', backend, log: again })).status, 'unchanged')
      assert.deepEqual(again.lines, ['churn is already deprecated (churn@deprecated#4); nothing to do'])

      await deregister({ ref: 'churn@v0.0.1', backend, log: collectingLog() })
      assert.equal((await listModels(backend))[0]!.deprecated, false, "withdrawing a version ends a deprecation too (GTO's Artifact.is_active)")
      assert.equal((await deprecate({ model: 'churn', backend, log: collectingLog() })).status, 'deprecated')
      await register({ model: 'churn', commit: await commit('3'), assetsDir: assets('3'), backend, log })
      assert.equal((await listModels(backend))[0]!.deprecated, false, 'a new version ends it')
      assert.deepEqual(await tagNames(backend), ['churn#production#3', 'churn@deprecated#4', 'churn@deprecated#6', 'churn@v0.0.1', 'churn@v0.0.1!', 'churn@v0.0.2', 'churn@v0.0.3'])
    })

    it('deregister and deprecate touching a protected stage need the promote roles where the backend has them', async () => {
      const { backend, commit, setRole } = await fresh()
      const log = collectingLog()
      await register({ model: 'churn', commit: await commit('1'), assetsDir: assets('1'), backend, log })
      await register({ model: 'churn', commit: await commit('2'), assetsDir: assets('2'), backend, log })
      await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, actor: 'lead', log })
      await promote({ ref: 'churn@v0.0.2', stage: 'staging', backend, actor: 'lead', log })
      const policy = { protectedStages: ['production'], promoteRoles: ['maintain', 'admin'] as const, source: 'models/churn/model.yaml' }
      if (!setRole) {
        assert.equal((await deregister({ ref: 'churn@v0.0.1', backend, actor: 'anyone', policy, log })).status, 'deregistered')
        assert.equal((await deprecate({ model: 'churn', backend, policy, log })).status, 'deprecated')
        return
      }
      await setRole('dev', 'write')
      await setRole('lead', 'maintain')
      const before = await tagNames(backend)
      await assert.rejects(deregister({ ref: 'churn@v0.0.1', backend, actor: 'dev', policy, log }), (e: unknown) =>
        e instanceof PermissionDeniedError &&
        e.message === `dev has the repository role 'write' on ${backend.description}, but deregistering churn v0.0.1, which is in protected stage 'production', needs maintain or admin (register.promote-roles in models/churn/model.yaml); ask someone with that role to deregister, or grant it`,
      )
      await assert.rejects(deregister({ ref: 'churn@v0.0.1', backend, policy, log }), {
        name: 'PermissionDeniedError',
        message: "deregistering churn v0.0.1, which is in protected stage 'production', needs to know who deregisters: pass the actor (GITHUB_ACTOR in workflows); the stage needs the role maintain or admin (register.promote-roles in models/churn/model.yaml)",
      })
      await assert.rejects(deprecate({ model: 'churn', backend, actor: 'dev', policy, log }), {
        name: 'PermissionDeniedError',
        message: `dev has the repository role 'write' on ${backend.description}, but deprecating churn, whose versions are in protected stage 'production', needs maintain or admin (register.promote-roles in models/churn/model.yaml); ask someone with that role to deprecate, or grant it`,
      })
      await assert.rejects(deprecate({ model: 'churn', backend, policy: { ...policy, protectedStages: ['production', 'staging'] }, log }), {
        name: 'PermissionDeniedError',
        message: "deprecating churn, whose versions are in protected stages 'production', 'staging', needs to know who deprecates: pass the actor (GITHUB_ACTOR in workflows); the stages need the role maintain or admin (register.promote-roles in models/churn/model.yaml)",
      })
      assert.deepEqual(await tagNames(backend), before)
      // v0.0.2 is only in staging, which is not protected: a write role is enough.
      assert.equal((await deregister({ ref: 'churn@v0.0.2', backend, actor: 'dev', policy, log })).status, 'deregistered')
      assert.equal((await deregister({ ref: 'churn@v0.0.1', backend, actor: 'lead', policy, log })).status, 'deregistered')
      // Production fell back to no version, so nothing protected is left to guard.
      assert.equal((await deprecate({ model: 'churn', backend, actor: 'dev', policy, log })).status, 'deprecated')
    })
  })
}
