import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { evaluateModel, resolveChampion } from '../../src/evaluate/index.js'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { promote } from '../../src/registry/promote.js'
import { register } from '../../src/registry/register.js'
import { newRunId, writeRunRecord, type RunRecord } from '../../src/train/run-record.js'
import { renderReport } from '../../src/report/index.js'
import { collectingLog, createScratchRepo, writeAssets } from '../registry/support/registry-fixture.js'
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
    assert.deepEqual(result.training, {
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
