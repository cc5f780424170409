import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { evaluateModel, resolveChampion } from '../../src/evaluate/index.js'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { promote } from '../../src/registry/promote.js'
import { register } from '../../src/registry/register.js'
import { deregister } from '../../src/registry/withdraw.js'
import { newRunId, writeRunRecord, type RunRecord } from '../../src/train/run-record.js'
import { renderReport } from '../../src/report/index.js'
import { collectingLog, createScratchRepo, GIT_ENV, writeAssets } from '../registry/support/registry-fixture.js'
import { rewriteReleaseFile } from '../registry/support/release-files.js'
import { churnSpec, FIXTURES, ROOT } from './helpers.js'

function runRecord(): RunRecord {
  const file = { path: 'data/churn/train.csv', sha256: 'd'.repeat(64), bytes: 10 }
  return {
    schemaVersion: 1,
    id: newRunId(new Date('2026-01-26T18:10:12Z')),
    model: 'churn',
    command: ['python', 'train.py'],
    params: { C: 1 },
    metrics: {},
    environment: { kind: 'python', key: 'k', platform: 'linux-x64' },
    gpu: {
      count: 1,
      visibleDevices: '0',
      sampleIntervalMs: 1000,
      devices: [{ index: 0, name: 'NVIDIA A10G', driverVersion: '550.54', memoryTotalMiB: 23028, utilizationPercent: { peak: 97, mean: 64.4 }, memoryUsedMiB: { peak: 8000, mean: 6000 }, samples: 40 }],
    },
    timing: { startedAt: '2026-01-26T18:10:12.000Z', endedAt: '2026-01-26T19:12:42.000Z', durationMs: 3_750_000 },
    attempts: [{ attempt: 1, startedAt: '2026-01-26T18:10:12.000Z', endedAt: '2026-01-26T19:12:42.000Z', durationMs: 3_750_000, outcome: 'succeeded', exitCode: 0, signal: null }],
    cache: { enabled: true, hit: true, key: 'modelship-train-abc' },
    commit: { sha: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    data: { train: file, test: file },
    specHash: null,
    workflowRunUrl: 'https://github.com/acme/models/actions/runs/5',
    outputs: [],
  }
}

test('a run folder whose run.json is broken is refused, not evaluated without its training facts', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'modelship-run-'))
  try {
    copyFileSync(join(ROOT, FIXTURES.candidate), join(runDir, 'model.onnx'))
    writeFileSync(join(runDir, 'run.json'), '{"schemaVersion": 1}')
    await assert.rejects(evaluateModel({ repoRoot: ROOT, spec: churnSpec(), candidatePath: runDir, explain: false }), {
      name: 'ModelError',
      message: new RegExp(`^${join(runDir, 'run.json')} is not a run record: \\S+: .+\\. Fix: pass the run folder as modelship train wrote it, or remove the broken run\\.json to evaluate the model without its training facts\\.$`),
    })
  } finally {
    rmSync(runDir, { recursive: true, force: true })
  }
})

test('a run folder as the candidate: its model.onnx is evaluated and its run.json becomes the training facts', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'modelship-run-'))
  try {
    copyFileSync(join(ROOT, FIXTURES.candidate), join(runDir, 'model.onnx'))
    await writeRunRecord(runDir, runRecord())
    const result = await evaluateModel({ repoRoot: ROOT, spec: churnSpec(), candidatePath: runDir, explain: false })
    const record = runRecord()
    // The facts what-changed compares against the champion's run.
    assert.deepEqual(result.training?.params, record.params)
    assert.deepEqual(result.training?.data, { train: record.data.train.sha256, test: record.data.test.sha256 })
    assert.deepEqual({ ...result.training, params: undefined, data: undefined }, {
      params: undefined,
      data: undefined,
      runId: '20260126T181012Z-' + result.training!.runId.slice(-6),
      durationMs: 3_750_000,
      cacheHit: true,
      attempts: 1,
      gpus: [{ name: 'NVIDIA A10G', utilizationMeanPercent: 64.4, utilizationPeakPercent: 97, memoryPeakMiB: 8000 }],
      commit: '0123456789abcdef0123456789abcdef01234567',
      workflowRunUrl: 'https://github.com/acme/models/actions/runs/5',
    })
    const markdown = renderReport(result)
    assert.ok(markdown.includes('| duration | 1h02m |\n'))
    assert.ok(markdown.includes('| GPU | NVIDIA A10G (64% mean, 97% peak utilization) |\n'))
    assert.ok(markdown.includes('| cache | hit: outputs restored from an earlier run |\n'))
    // The evaluation has no run link of its own, so the training run's is used.
    assert.ok(markdown.includes('[Workflow run](https://github.com/acme/models/actions/runs/5)'))
  } finally {
    rmSync(runDir, { recursive: true, force: true })
  }
})

test("champion from the registry: the production version's model.onnx, or none before the first promotion", async () => {
  const repo = createScratchRepo()
  const downloads = mkdtempSync(join(tmpdir(), 'modelship-champion-'))
  try {
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    assert.equal(await resolveChampion({ backend, model: 'churn', dir: downloads }), undefined, 'no model registered yet')

    const assets = writeAssets('v1')
    copyFileSync(join(ROOT, FIXTURES.champion), join(assets, 'model.onnx'))
    await register({ model: 'churn', commit: repo.commit('train'), assetsDir: assets, backend, log: collectingLog() })
    assert.equal(await resolveChampion({ backend, model: 'churn', dir: downloads }), undefined, 'registered but not in production')

    await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log: collectingLog() })
    const champion = await resolveChampion({ backend, model: 'churn', dir: downloads, log: collectingLog() })
    assert.deepEqual(champion, { path: join(downloads, 'model.onnx'), version: 'churn@v0.0.1' })

    const result = await evaluateModel({
      repoRoot: ROOT,
      spec: churnSpec(),
      candidatePath: join(ROOT, FIXTURES.candidate),
      championPath: champion!.path,
      championVersion: champion!.version,
      explain: false,
    })
    assert.equal(result.champion?.version, 'churn@v0.0.1')
    assert.ok(renderReport(result).includes('against the champion churn@v0.0.1, on test/fixtures/data/churn-test.csv (400 rows).'))
    rmSync(assets, { recursive: true, force: true })
  } finally {
    repo.remove()
    rmSync(downloads, { recursive: true, force: true })
  }
})

describe('a champion whose files cannot be had fails the evaluation, saying what is missing, where and the fix', () => {
  const scratch: string[] = []
  after(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })))
  const temp = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    scratch.push(dir)
    return dir
  }
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

  /** churn v0.0.1 registered and in production in a repository with a bare `origin` holding its branch and tags. */
  async function productionRepo() {
    const repo = createScratchRepo()
    scratch.push(repo.dir)
    const remote = temp('modelship-remote-')
    git(remote, 'init', '-q', '--bare')
    repo.git('remote', 'add', 'origin', remote)
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const sha = repo.commit('train')
    const assets = writeAssets('v1')
    scratch.push(assets)
    const result = await register({ model: 'churn', commit: sha, assetsDir: assets, backend, log: collectingLog() })
    await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log: collectingLog() })
    repo.git('push', '-q', 'origin', 'main', '--tags')
    return { repo, remote, backend, sha, release: result.release! }
  }

  const fetchHelp = (backend: LocalRegistryBackend) =>
    `${backend.repoDir} has no refs/modelship/releases/churn@v0.0.1, where the local registry keeps the version's files (nor a folder ${join(backend.storeDir, 'churn@v0.0.1')}). ` +
    `A clone or checkout gets the tags but not that ref: run git fetch origin '+refs/modelship/*:refs/modelship/*' there ` +
    `(once pushed from the repository that registered it: git push origin 'refs/modelship/*'), or set git config --add remote.origin.fetch '+refs/modelship/*:refs/modelship/*' so every fetch brings it`

  test('in another clone that has the tags but not the release ref; once fetched, the champion downloads', async () => {
    const { repo, remote, sha } = await productionRepo()
    const clone = temp('modelship-clone-')
    git(clone, 'clone', '-q', remote, '.')
    const backend = new LocalRegistryBackend({ repoDir: clone })
    const dir = temp('modelship-champion-')
    await assert.rejects(resolveChampion({ backend, model: 'churn', dir, log: collectingLog() }), {
      name: 'RegistryNotFoundError',
      message: `the champion churn@v0.0.1 (churn#production) cannot be compared with: the files of churn@v0.0.1 (commit ${sha.slice(0, 7)}) cannot be had: ${fetchHelp(backend)}`,
    })
    repo.git('push', '-q', 'origin', 'refs/modelship/*')
    git(clone, 'fetch', '-q', 'origin', '+refs/modelship/*:refs/modelship/*')
    assert.deepEqual(await resolveChampion({ backend, model: 'churn', dir, log: collectingLog() }), { path: join(dir, 'model.onnx'), version: 'churn@v0.0.1' })
  })

  test('under act, whose copy of the checkout keeps .git but not the git-ignored .modelship, the champion is there', async () => {
    const { repo } = await productionRepo()
    const copy = temp('modelship-act-')
    cpSync(repo.dir, copy, { recursive: true, filter: (path) => !path.startsWith(join(repo.dir, '.modelship')) })
    const dir = temp('modelship-champion-')
    const champion = await resolveChampion({ backend: new LocalRegistryBackend({ repoDir: copy }), model: 'churn', dir, log: collectingLog() })
    assert.equal(champion?.version, 'churn@v0.0.1')
    assert.equal(readFileSync(champion!.path, 'utf8'), 'onnx bytes for v1\n')
  })

  test('a tag pushed without its release (a checkout of a registry whose ref was never pushed) fails the same way, not as "no champion"', async () => {
    const { repo, sha } = await productionRepo()
    // The stage and version tags fetched into a fresh repository by hand, as act does with tags only.
    const bare = createScratchRepo()
    scratch.push(bare.dir)
    bare.git('fetch', '-q', repo.dir, '+refs/heads/main:refs/heads/other', '+refs/tags/*:refs/tags/*')
    const backend = new LocalRegistryBackend({ repoDir: bare.dir })
    await assert.rejects(resolveChampion({ backend, model: 'churn', dir: temp('modelship-champion-') }), {
      name: 'RegistryNotFoundError',
      message: `the champion churn@v0.0.1 (churn#production) cannot be compared with: the files of churn@v0.0.1 (commit ${sha.slice(0, 7)}) cannot be had: ${fetchHelp(backend)}`,
    })
  })

  test('a deleted model.onnx names the asset and the register rerun that restores it', async () => {
    const { backend, sha, release } = await productionRepo()
    await backend.deleteAsset(release.id, 'model.onnx')
    await assert.rejects(resolveChampion({ backend, model: 'churn', dir: temp('modelship-champion-') }), {
      name: 'RegistryNotFoundError',
      message: `the champion churn@v0.0.1 (churn#production) cannot be compared with: the files of churn@v0.0.1 cannot be had: its release in ${backend.description} lacks model.onnx; run modelship registry register churn --commit ${sha.slice(0, 7)} with the registered run's files: it uploads again what the release lost, checked against the sha256s its version tag recorded`,
    })
  })

  test('a tampered model.onnx fails with both checksums instead of being judged against', async () => {
    const { repo, backend } = await productionRepo()
    rewriteReleaseFile(repo.dir, 'churn@v0.0.1', 'model.onnx', 'not the registered model\n')
    await assert.rejects(resolveChampion({ backend, model: 'churn', dir: temp('modelship-champion-') }), {
      name: 'RegistryConflictError',
      message: /^the champion churn@v0\.0\.1 \(churn#production\) cannot be compared with: checksum mismatch for model\.onnx of churn@v0\.0\.1: its version tag recorded [0-9a-f]{64}, the download is [0-9a-f]{64};/,
    })
  })

  test('a deregistered production version leaves the stage empty: no champion, as before the first promotion', async () => {
    const { backend } = await productionRepo()
    await deregister({ ref: 'churn@v0.0.1', backend, log: collectingLog() })
    assert.equal(await resolveChampion({ backend, model: 'churn', dir: temp('modelship-champion-') }), undefined)
  })
})

describe("the champion's training record comes from its release, so the report can say what changed", () => {
  const scratch: string[] = []
  after(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })))
  const temp = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    scratch.push(dir)
    return dir
  }

  /** churn v0.0.1 in production, registered from `assets` (the champion fixture's model and `runJson`). */
  async function production(runJson: string) {
    const repo = createScratchRepo()
    scratch.push(repo.dir)
    const assets = writeAssets('v1', { 'run.json': runJson })
    scratch.push(assets)
    copyFileSync(join(ROOT, FIXTURES.champion), join(assets, 'model.onnx'))
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    await register({ model: 'churn', commit: repo.commit('train'), assetsDir: assets, backend, log: collectingLog() })
    await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log: collectingLog() })
    return { repo, backend }
  }

  /** A candidate run folder: the candidate fixture and a run record with other params and data. */
  async function candidateRun() {
    const dir = temp('modelship-run-')
    copyFileSync(join(ROOT, FIXTURES.candidate), join(dir, 'model.onnx'))
    const record = runRecord()
    await writeRunRecord(dir, { ...record, params: { C: 0.5 }, data: { ...record.data, train: { ...record.data.train, sha256: 'e'.repeat(64) } } })
    return dir
  }

  test("a release with run.json: it is downloaded beside the model and the report compares the runs", async () => {
    const championRecord = runRecord()
    const { backend } = await production(JSON.stringify(championRecord))
    const dir = temp('modelship-champion-')
    const log = collectingLog()
    const champion = await resolveChampion({ backend, model: 'churn', dir, log })
    assert.equal(champion?.version, 'churn@v0.0.1')
    assert.deepEqual(champion?.runRecord, championRecord)
    assert.equal(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).id, championRecord.id)
    const result = await evaluateModel({
      repoRoot: ROOT,
      spec: churnSpec(),
      candidatePath: await candidateRun(),
      championPath: champion!.path,
      championVersion: champion!.version,
      explain: false,
    })
    assert.equal(result.championTraining?.runId, championRecord.id)
    const markdown = renderReport(result)
    assert.ok(markdown.includes(`Against the champion's run ${championRecord.id}:`), markdown)
    assert.ok(markdown.includes('| param `C` | 1 | 0.5 |'))
    assert.ok(markdown.includes('| train data (sha256) | dddddddddddd | eeeeeeeeeeee |'))
  })

  test('a run.json this release cannot read is left out with a warning: the champion is still judged against', async () => {
    const { backend } = await production(JSON.stringify({ seed: 'v1' }))
    const dir = temp('modelship-champion-')
    const log = collectingLog()
    const champion = await resolveChampion({ backend, model: 'churn', dir, log })
    assert.deepEqual(champion, { path: join(dir, 'model.onnx'), version: 'churn@v0.0.1' })
    assert.ok(
      log.lines.some((line) => /^warning: churn@v0\.0\.1's run\.json is left out \(.*run\.json is not a run record: .+\): what changed since its training is not recorded$/.test(line)),
      log.lines.join('\n'),
    )
    const result = await evaluateModel({ repoRoot: ROOT, spec: churnSpec(), candidatePath: await candidateRun(), championPath: champion!.path, championVersion: champion!.version, explain: false })
    assert.equal(result.championTraining, undefined)
    assert.ok(renderReport(result).includes('| param `C` | not recorded for churn@v0.0.1 | 0.5 |'))
  })

  test('a version whose tag records no run.json (made by GTO or before run.json was kept) says "not recorded", never "no changes"', async () => {
    const { repo, backend } = await production(JSON.stringify(runRecord()))
    // Re-made as GTO makes a version tag: annotated, with no modelship lineage in its message.
    const commit = repo.git('rev-parse', 'churn@v0.0.1^{commit}').trim()
    repo.git('tag', '-f', '-a', 'churn@v0.0.1', '-m', 'Registering churn v0.0.1', commit)
    const dir = temp('modelship-champion-')
    const log = collectingLog()
    const champion = await resolveChampion({ backend, model: 'churn', dir, log })
    assert.deepEqual(champion, { path: join(dir, 'model.onnx'), version: 'churn@v0.0.1' })
    assert.ok(log.lines.includes('churn@v0.0.1 was registered without run.json: what changed since its training is not recorded'), log.lines.join('\n'))
    const result = await evaluateModel({ repoRoot: ROOT, spec: churnSpec(), candidatePath: await candidateRun(), championPath: champion!.path, championVersion: champion!.version, explain: false })
    const markdown = renderReport(result)
    assert.ok(markdown.includes('| code (commit) | not recorded for churn@v0.0.1 | 0123456789ab |'), markdown)
    assert.ok(!markdown.includes('are the same as'))
  })
})
