import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { UsageError, TrainError } from '../../src/errors.js'
import {
  RunRecordSchema,
  describeOutputs,
  newRunId,
  readCommit,
  readMetrics,
  readRunRecord,
  workflowRunUrl,
  writeRunRecord,
  type RunRecord,
} from '../../src/train/run-record.js'
import {
  findRun,
  formatNumber,
  formatRunComparison,
  formatRunList,
  listRuns,
  storeRun,
} from '../../src/train/runs-store.js'
import { tempDir } from './helpers.js'

function record(overrides: Partial<RunRecord> = {}): RunRecord {
  const fact = { path: 'data/train.csv', sha256: 'a'.repeat(64), bytes: 10 }
  return {
    schemaVersion: 1,
    id: '20260126T181512Z-3fa9c1',
    model: 'churn',
    command: ['python', 'train.py'],
    params: { C: 1, solver: 'lbfgs' },
    metrics: { accuracy: 0.9, f1: 0.8, roc_auc: 0.85, log_loss: 0.31, zeta: 1, notes: 'n/a' },
    environment: { kind: 'none', key: 'e'.repeat(64), platform: 'linux-x64' },
    gpu: null,
    timing: { startedAt: '2026-01-26T18:15:12.000Z', endedAt: '2026-01-26T18:15:24.300Z', durationMs: 12_300 },
    attempts: [],
    cache: { enabled: true, hit: false, key: `modelship-train-churn-${'c'.repeat(64)}` },
    commit: { sha: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    data: { train: fact, test: { ...fact, path: 'data/test.csv' } },
    specHash: null,
    workflowRunUrl: null,
    outputs: [],
    ...overrides,
  }
}

describe('run record', () => {
  it('makes ids from the UTC time and 6 random hex digits', () => {
    assert.match(newRunId(new Date('2026-01-26T18:15:12.345Z')), /^20260126T181512Z-[0-9a-f]{6}$/)
  })

  it('builds the workflow run URL only on Actions', () => {
    assert.equal(
      workflowRunUrl({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/models', GITHUB_RUN_ID: '7' }),
      'https://github.com/acme/models/actions/runs/7',
    )
    assert.equal(workflowRunUrl({ GITHUB_REPOSITORY: 'acme/models' }), null)
  })

  it('reads the commit and whether tracked files changed; null outside git', async () => {
    const dir = await tempDir()
    assert.equal(await readCommit(dir), null)
    execFileSync('git', ['init', '-q'], { cwd: dir })
    await writeFile(join(dir, 'a.txt'), '1')
    execFileSync('git', ['add', '.'], { cwd: dir })
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'x'], { cwd: dir })
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim()
    assert.deepEqual(await readCommit(dir), { sha, dirty: false })
    await writeFile(join(dir, 'a.txt'), '2')
    assert.deepEqual(await readCommit(dir), { sha, dirty: true })
  })

  it('reads metrics.json: {} when absent, an error when not a JSON object', async () => {
    const dir = await tempDir()
    assert.deepEqual(await readMetrics(dir), {})
    await writeFile(join(dir, 'metrics.json'), '{"accuracy": 0.9}')
    assert.deepEqual(await readMetrics(dir), { accuracy: 0.9 })
    await writeFile(join(dir, 'metrics.json'), '{"accuracy": ')
    await assert.rejects(readMetrics(dir), (error: unknown) => {
      assert.ok(error instanceof TrainError)
      assert.match(error.message, /^The training command wrote metrics\.json that is not valid JSON \(.+\); write one JSON object/)
      return true
    })
    await writeFile(join(dir, 'metrics.json'), '0.9')
    await assert.rejects(
      readMetrics(dir),
      new TrainError('The training command wrote metrics.json holding 0.9; write one JSON object of metric names to numbers, e.g. {"accuracy": 0.91}'),
    )
  })

  it('lists outputs with sha256 and size, without run.json', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'model.onnx'), 'abc')
    await mkdir(join(dir, 'plots'))
    await writeFile(join(dir, 'plots', 'roc.svg'), '<svg/>')
    await writeFile(join(dir, 'run.json'), '{}')
    assert.deepEqual(await describeOutputs(dir), [
      { path: 'model.onnx', sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', bytes: 3 },
      { path: 'plots/roc.svg', sha256: createHash('sha256').update('<svg/>').digest('hex'), bytes: 6 },
    ])
  })

  it('writes a record that passes the schema and refuses one that does not', async () => {
    const dir = await tempDir()
    await writeRunRecord(dir, record())
    assert.deepEqual(await readRunRecord(dir), record())
    assert.ok(JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')).schemaVersion === 1)
    assert.throws(() => RunRecordSchema.parse({ ...record(), id: 'not-an-id' }))
    await assert.rejects(writeRunRecord(dir, { ...record(), cache: { enabled: true, hit: false } as RunRecord['cache'] }))
  })
})

describe('runs store', () => {
  async function store(): Promise<string> {
    const runs = join(await tempDir(), 'runs')
    const outputs = await tempDir()
    await writeFile(join(outputs, 'model.onnx'), 'bytes')
    const older = record()
    const newer = record({
      id: '20260127T090000Z-a1b2c3',
      params: { C: 0.5, solver: 'lbfgs', max_iter: 200 },
      metrics: { accuracy: 0.925, f1: 0.8, roc_auc: 0.9 },
      timing: { startedAt: '2026-01-27T09:00:00.000Z', endedAt: '2026-01-27T09:04:05.000Z', durationMs: 245_000 },
      cache: { enabled: true, hit: true, key: older.cache.key },
      commit: { sha: 'fedcba9876543210fedcba9876543210fedcba98', dirty: true },
    })
    for (const r of [older, newer]) {
      await writeRunRecord(outputs, r)
      await storeRun(runs, r, outputs)
    }
    return runs
  }

  it('skips folders without a valid run.json and says why each was skipped', async () => {
    const runs = await store()
    const broken = { json: join(runs, 'churn', 'broken-json'), schema: join(runs, 'churn', 'broken-schema'), none: join(runs, 'churn', 'no-record') }
    for (const dir of Object.values(broken)) await mkdir(dir)
    await writeFile(join(broken.json, 'run.json'), '{"id": ')
    await writeFile(join(broken.schema, 'run.json'), JSON.stringify({ ...record(), id: 'not-an-id' }))
    const skipped: string[] = []
    const list = await listRuns(runs, 'churn', (problem) => skipped.push(problem))
    assert.equal(list.length, 2)
    assert.equal(skipped.length, 3)
    assert.match(skipped[0]!, new RegExp(`^${join(broken.json, 'run.json')} is not valid JSON \\(`))
    assert.match(skipped[1]!, new RegExp(`^${join(broken.schema, 'run.json')} is not a run record: id: `))
    assert.equal(skipped[2], `${broken.none} holds no run.json`)
  })

  it('keeps each run with its outputs and lists them newest first', async () => {
    const runs = await store()
    const list = await listRuns(runs, 'churn')
    assert.deepEqual(list.map((r) => r.record.id), ['20260127T090000Z-a1b2c3', '20260126T181512Z-3fa9c1'])
    assert.equal(await readFile(join(list[0]!.dir, 'model.onnx'), 'utf8'), 'bytes')
    assert.deepEqual(await listRuns(runs, 'other'), [])
  })

  it('formats the run list as a table', async () => {
    const runs = await store()
    assert.equal(
      formatRunList('churn', await listRuns(runs, 'churn')),
      [
        'RUN                      WHEN                  COMMIT    DURATION  STATUS   EVALUATION  METRICS',
        '20260127T090000Z-a1b2c3  2026-01-27 09:00:00Z  fedcba9+  4m05s     cached   -           train:accuracy=0.925 train:f1=0.8 train:roc_auc=0.9',
        '20260126T181512Z-3fa9c1  2026-01-26 18:15:12Z  0123456   12.3s     trained  -           train:accuracy=0.9 train:f1=0.8 train:log_loss=0.31 train:roc_auc=0.85',
      ].join('\n'),
    )
    assert.equal(formatRunList('churn', []), 'No runs of churn yet.')
  })

  it('finds runs by id prefix, latest and previous', async () => {
    const runs = await store()
    assert.equal((await findRun(runs, 'churn', '20260126')).record.id, '20260126T181512Z-3fa9c1')
    assert.equal((await findRun(runs, 'churn', 'latest')).record.id, '20260127T090000Z-a1b2c3')
    assert.equal((await findRun(runs, 'churn', 'previous')).record.id, '20260126T181512Z-3fa9c1')
    await assert.rejects(
      findRun(runs, 'churn', '2026'),
      new UsageError("'2026' matches 2 runs of model 'churn' (20260127T090000Z-a1b2c3, 20260126T181512Z-3fa9c1); give more of the id"),
    )
    await assert.rejects(
      findRun(runs, 'churn', 'zzz'),
      new UsageError("model 'churn' has no run 'zzz'; give a run id, a unique prefix of one, latest or previous (`modelship runs churn` lists them)"),
    )
    await assert.rejects(
      findRun(runs, 'iris', 'latest'),
      new UsageError(`model 'iris' has no runs in ${join(runs, 'iris')}; train it first (modelship train iris)`),
    )
  })

  it('compares two runs side by side with deltas', async () => {
    const runs = await store()
    const a = await findRun(runs, 'churn', 'previous')
    const b = await findRun(runs, 'churn', 'latest')
    assert.equal(
      formatRunComparison(a.record, b.record),
      [
        '                       A 20260126T181512Z-3fa9c1  B 20260127T090000Z-a1b2c3  B - A',
        'status                 trained                    cached                     changed',
        'commit                 0123456                    fedcba9+                   changed',
        'duration               12.3s                      4m05s                      +3m53s',
        'param C                1                          0.5                        -0.5',
        'param max_iter         -                          200                        changed',
        'param solver           lbfgs                      lbfgs',
        'train metric accuracy  0.9                        0.925                      +0.025',
        'train metric f1        0.8                        0.8                        +0',
        'train metric log_loss  0.31                       -                          changed',
        'train metric notes     n/a                        -                          changed',
        'train metric roc_auc   0.85                       0.9                        +0.05',
        'train metric zeta      1                          -                          changed',
      ].join('\n'),
    )
  })

  it('formats numbers for people', () => {
    assert.deepEqual([0.123456, 12, 1234.5678, 0.1 + 0.2].map(formatNumber), ['0.1235', '12', '1235', '0.3'])
  })
})
