import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { runCli } from '../../src/cli/run-cli.js'
import { parseDriftReport, readPredictionLogs, renderDriftReport, runDriftCheck } from '../../src/drift/index.js'
import { DataError } from '../../src/errors.js'
import { loadModelSpec } from '../../src/spec/index.js'
import { normals, writeCsv, writePredictionLog } from './support.js'

const dir = mkdtempSync(join(tmpdir(), 'modelship-drift-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** A repository with a valid spec for 'demo' (its files exist, as validation insists). */
function repository(name: string, lines: string[]): string {
  const repo = join(dir, name)
  mkdirSync(join(repo, 'models', 'demo'), { recursive: true })
  writeFileSync(join(repo, 'models', 'demo', 'train.py'), '')
  writeFileSync(join(repo, 'train.csv'), 'age\n1\n')
  writeFileSync(join(repo, 'test.csv'), 'age\n1\n')
  writeFileSync(join(repo, 'models', 'demo', 'model.yaml'), [
    'apiVersion: modelship/v1', 'kind: Model', 'name: demo', 'task: binary-classification',
    ...lines,
    'train: { command: [python, train.py] }', '',
  ].join('\n'))
  return repo
}

async function cli(args: string[], cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(['drift', ...args], { out: (t) => (stdout += t), err: (t) => (stderr += t), cwd })
  return { code, stdout, stderr }
}

const n = 3000
writeCsv(join(dir, 'train.csv'), { age: normals(n, 1, 40, 8), income: normals(n, 2, 50, 5), city: Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]!) })
writeCsv(join(dir, 'same.csv'), { age: normals(2000, 3, 40, 8), income: normals(2000, 4, 50, 5), city: Array.from({ length: 2000 }, (_, i) => ['a', 'b', 'c'][i % 3]!) })
mkdirSync(join(dir, 'parts'))
for (const part of [1, 2]) writeCsv(join(dir, 'parts', `shifted-${part}.csv`), { age: normals(1000, 4 + part, 48, 8), income: normals(1000, 6 + part, 50, 5), city: Array.from({ length: 1000 }, (_, i) => ['a', 'b', 'c', 'd'][i % 4]!) })

describe('modelship drift', () => {
  it('exits 0 without drift and writes a schema-valid drift.json and a Markdown report', async () => {
    const { code, stdout, stderr } = await cli(['demo', '--reference', 'train.csv', '--current', 'same.csv', '--out', 'drift.json', '--report', 'drift.md'])
    assert.equal(stderr, '')
    assert.equal(code, 0, stdout)
    assert.match(stdout, /^demo: no drift — 0 of 3 features drifted \(dataset drifts at 50%\)\n {2}age: ok {2}wasserstein /)
    const report = parseDriftReport(readFileSync(join(dir, 'drift.json'), 'utf8'))
    assert.deepEqual(report.features.map((f) => f.method), ['wasserstein', 'wasserstein', 'jensenshannon'])
    assert.equal(report.current.rows, 2000)
    const markdown = readFileSync(join(dir, 'drift.md'), 'utf8')
    assert.match(markdown, /^## 🟢 No dataset drift: demo\n/)
    assert.match(markdown, /```mermaid\nxychart-beta\n {4}title "Top features by score ÷ threshold"/)
  })

  it('reads a glob of files, exits 1 on drift, and lists what it found', async () => {
    const { code, stdout } = await cli(['demo', '--reference', 'train.csv', '--current', 'parts/shifted-*.csv', '--format', 'json'])
    assert.equal(code, 1)
    const report = parseDriftReport(stdout)
    assert.deepEqual(report.current.files, ['parts/shifted-1.csv', 'parts/shifted-2.csv'])
    assert.equal(report.current.rows, 2000)
    assert.deepEqual(report.features.filter((f) => f.drifted).map((f) => f.name), ['age', 'city'])
    assert.deepEqual(report.quality.filter((q) => q.column === 'city').map((q) => q.message), ["500 current rows of 'city' hold categories the reference never saw: 'd'."])
    // age moved up by one std: its upper tail passes the reference's maximum.
    assert.match(report.quality.find((q) => q.column === 'age')!.message, /^\d+ of 2000 current rows of 'age' lie outside the reference's range \[[\d.]+, [\d.]+\] \(0 below, \d+ above\)\.$/)
  })

  it('checks against a stored profile, and the spec picks features, methods and thresholds', async () => {
    const repo = repository('repo', [
      'data: { train: train.csv, test: test.csv, target: churned, features: [age, city] }',
      'monitor: { current: { source: dataset, path: same.csv }, drift: { method: psi, features: { city: { method: chisquare, threshold: 0.01 } } } }',
    ])
    const { buildReferenceProfile, renderReferenceProfile } = await import('../../src/registry/reference-profile.js')
    const { readTable } = await import('../../src/data/read-table.js')
    writeFileSync(join(dir, 'profile.json'), renderReferenceProfile(buildReferenceProfile(await readTable(join(dir, 'train.csv')))))
    const { code, stdout } = await cli(['demo', '--reference', join(dir, 'profile.json'), '--current', join(dir, 'same.csv'), '--path', repo, '--format', 'json'])
    assert.equal(code, 0)
    const report = parseDriftReport(stdout)
    assert.deepEqual(report.features.map((f) => [f.name, f.method, f.threshold, f.methodSource]), [['age', 'psi', 0.1, 'spec'], ['city', 'chisquare', 0.01, 'spec']])
    assert.equal(report.reference.source, 'profile')
  })

  it('reports text in a numeric column as a finding, and a column of text only as the wrong type', async () => {
    writeCsv(join(dir, 'typos.csv'), {
      age: Array.from(normals(500, 40, 40, 8), (v, i) => (i % 50 === 0 ? 'n/a' : v)),
      income: Array.from({ length: 500 }, (_, i) => ['high', 'low'][i % 2]!),
      city: Array.from({ length: 500 }, (_, i) => ['a', 'b', 'c'][i % 3]!),
    })
    const { code, stdout } = await cli(['demo', '--reference', 'train.csv', '--current', 'typos.csv', '--format', 'json'])
    assert.equal(code, 0)
    const report = parseDriftReport(stdout)
    assert.deepEqual(report.quality.map((q) => [q.column, q.kind, q.severity, q.message]), [
      ['age', 'wrong-type', 'warning', "10 of 500 current rows of 'age' are text, not numbers; they were left out of the statistics."],
      ['income', 'wrong-type', 'error', "'income' is numeric in the reference but holds text in the current data (e.g. 'high', 'low'); it was not checked. Fix: write the feature as numbers."],
    ])
    assert.deepEqual(report.features.map((f) => [f.name, f.status, f.current.usable]), [['age', 'checked', 490], ['income', 'skipped', 500], ['city', 'checked', 500]])
  })

  it('gives usage errors and data errors as one clear line', async () => {
    assert.deepEqual(await cli(['demo', '--current', 'same.csv']).then((r) => [r.code, r.stderr.split('\n')[0]]), [2, 'modelship drift: missing --reference: the training data, a reference-profile.json, or a registry reference such as demo#production'])
    assert.deepEqual(await cli(['demo', '--reference', 'nope.csv', '--current', 'same.csv']).then((r) => [r.code, r.stderr.split('\n')[0]]), [1, 'modelship drift: --reference nope.csv: no such file. Fix: give a data file, a reference-profile.json, or a registry reference such as demo#production or demo@v1.0.0'])
    assert.deepEqual(await cli(['demo', '--reference', 'train.csv', '--current', 'none-*.csv']).then((r) => [r.code, r.stderr.split('\n')[0]]), [1, `modelship drift: --current none-*.csv: the pattern matches no file (relative to ${dir}). Fix: check the pattern, or quote it so the shell does not expand it.`])
    assert.deepEqual(await cli(['demo', '--reference', 'train.csv', '--current', 'same.csv', '--window', '7d']).then((r) => [r.code, r.stderr.split('\n')[0]]), [2, 'modelship drift: --window applies to prediction logs; same.csv is a dataset, read whole'])
    assert.deepEqual(await cli(['demo', '--reference', 'train.csv', '--current', 'same.csv', '--threshold', '-1']).then((r) => [r.code, r.stderr.split('\n')[0]]), [2, 'modelship drift: --threshold -1: expected a number above 0'])
    writeCsv(join(dir, 'other.csv'), { x: [1, 2, 3] })
    const unrelated = await cli(['demo', '--reference', 'train.csv', '--current', 'other.csv'])
    assert.equal(unrelated.code, 1)
    assert.match(unrelated.stderr, /^modelship drift: other.csv: none of the checked features \(age, income, city\) is a column of this file \(columns: x\)/)
    assert.doesNotMatch(unrelated.stderr, /\n\s+at /, 'no stack trace')
  })
})

describe('drift over prediction logs', () => {
  const logs = join(dir, 'logs')
  const day = 86_400_000
  const now = Date.UTC(2026, 11, 8)
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  // An old file (before the window, with a successor that starts before the window), two in it, and one still being written.
  const rows = (count: number, start: number, shift: number, seed: number) => ({
    timestamps: Array.from({ length: count }, (_, i) => start + i * 1000),
    requestIds: Array.from({ length: count }, (_, i) => `req-${seed}-${i}`),
    columns: { age: Array.from(normals(count, seed, 40 + shift, 8)), income: Array.from(normals(count, seed + 100, 50, 5)), city: Array.from({ length: count }, (_, i) => ['a', 'b', 'c'][i % 3]!), 'output.label': Array.from({ length: count }, (_, i) => i % 2) },
  })
  writePredictionLog(logs, 'demo', 'v1.0.0', `predictions-${stamp(now - 30 * day)}-000001.arrow`, rows(500, now - 30 * day, 30, 20))
  writePredictionLog(logs, 'demo', 'v1.0.0', `predictions-${stamp(now - 20 * day)}-000002.arrow`, rows(500, now - 20 * day, 30, 21))
  writePredictionLog(logs, 'demo', 'v1.0.0', `predictions-${stamp(now - 3 * day)}-000003.arrow`, rows(800, now - 3 * day, 0, 22))
  writePredictionLog(logs, 'demo', 'v1.1.0', `predictions-${stamp(now - 2 * day)}-000001.arrow`, rows(700, now - 2 * day, 0, 23))
  writePredictionLog(logs, 'demo', 'v1.1.0', `predictions-${stamp(now - day)}-000002.arrow.partial`, rows(100, now - day, 100, 24))

  it('reads only the window, skips files before it and files still being written', async () => {
    const wanted = new Map([['age', 'numeric'], ['city', 'categorical']] as const)
    const { current } = await readPredictionLogs(logs, 'demo', wanted, { window: { start: now - 7 * day, end: now, duration: '7d' }, cwd: dir })
    assert.deepEqual(current.files, [`logs/demo/v1.0.0/predictions-${stamp(now - 20 * day)}-000002.arrow`, `logs/demo/v1.0.0/predictions-${stamp(now - 3 * day)}-000003.arrow`, `logs/demo/v1.1.0/predictions-${stamp(now - 2 * day)}-000001.arrow`])
    assert.equal(current.rows, 1500)
    assert.deepEqual(current.window, { start: '2026-12-01T00:00:00.000Z', end: '2026-12-08T00:00:00.000Z', duration: '7d' })
    const report = await runDriftCheck({ model: 'demo', reference: 'train.csv', current: 'logs', window: '7d', cwd: dir, now })
    assert.equal(report.dataset.drifted, false)
    const wide = await runDriftCheck({ model: 'demo', reference: 'train.csv', current: 'logs', window: '30d', cwd: dir, now })
    assert.equal(wide.current.rows, 2500)
    assert.equal(wide.features.find((f) => f.name === 'age')!.drifted, true)
  })

  it('says so when there are no logs yet, or none in the window, or a file is not a log', async () => {
    await assert.rejects(runDriftCheck({ model: 'nobody', reference: 'train.csv', current: 'logs', cwd: dir, now }), (e: unknown) => e instanceof DataError && e.message === 'logs/nobody: no prediction logs for nobody yet (the folder does not exist). Fix: run the server with prediction logging on, or check --current.')
    // The newest file may still hold rows of a later window, so it is read, and found to have none there.
    await assert.rejects(runDriftCheck({ model: 'demo', reference: 'train.csv', current: 'logs', window: '1h', cwd: dir, now: now + 400 * day }), /^DataError: drift: the current data \(logs\) has no rows in the window 2028-01-11T23:00:00.000Z to 2028-01-12T00:00:00.000Z/)
    await assert.rejects(runDriftCheck({ model: 'demo', reference: 'train.csv', current: 'logs', window: '1h', cwd: dir, now: now - 60 * day }), (e: unknown) => e instanceof DataError && e.message === 'logs/demo: no prediction log covers the window 2026-10-08T23:00:00.000Z to 2026-10-09T00:00:00.000Z (1h); a drift verdict needs data. Fix: widen --window, or check that the server is logging predictions.')
    await assert.rejects(runDriftCheck({ model: 'demo', reference: 'train.csv', current: 'logs', window: '1x', cwd: dir, now }), /--window 1x: not a duration; expected a whole number and a unit \(s, m, h, d or w\), e.g. 7d/)
    const odd = join(dir, 'odd')
    writePredictionLog(odd, 'demo', 'v1', `predictions-${stamp(now - day)}-000001.arrow`, rows(10, now - day, 0, 30), { other: 'x' })
    await assert.rejects(runDriftCheck({ model: 'demo', reference: 'train.csv', current: 'odd', cwd: dir, now }), /predictions-\d{8}T\d{6}Z-000001.arrow: not a prediction log \(its schema has no 'modelship.prediction-log' metadata\)/)
    const newer = join(dir, 'newer')
    writePredictionLog(newer, 'demo', 'v1', `predictions-${stamp(now - day)}-000001.arrow`, rows(10, now - day, 0, 31), { 'modelship.prediction-log': '2' })
    await assert.rejects(runDriftCheck({ model: 'demo', reference: 'train.csv', current: 'newer', cwd: dir, now }), /prediction log format '2'; this modelship reads format 1. Fix: upgrade modelship/)
    const empty = join(dir, 'quiet')
    writePredictionLog(empty, 'demo', 'v1', `predictions-${stamp(now - 2 * day)}-000001.arrow`, rows(10, now - 30 * day, 0, 32))
    await assert.rejects(runDriftCheck({ model: 'demo', reference: 'train.csv', current: 'quiet', window: '1d', cwd: dir, now }), /^DataError: drift: the current data \(quiet\) has no rows in the window 2026-12-07T00:00:00.000Z to 2026-12-08T00:00:00.000Z; a drift verdict needs data/)
  })

  it('compares the logged outputs with the reference outputs: prediction drift', async () => {
    // The reference knows the model's outputs on its rows (output.label); the logs' label is 0/1 alternating.
    writeCsv(join(dir, 'train-with-outputs.csv'), { age: normals(n, 1, 40, 8), income: normals(n, 2, 50, 5), city: Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]!), 'output.label': Array.from({ length: n }, (_, i) => (i % 10 < 8 ? 1 : 0)) })
    const report = await runDriftCheck({ model: 'demo', reference: 'train-with-outputs.csv', current: 'logs', window: '7d', cwd: dir, now })
    assert.deepEqual(report.features.map((f) => f.name), ['age', 'income', 'city'])
    const [label] = report.predictions!
    assert.deepEqual([label!.name, label!.method, label!.drifted], ['output.label', 'jensenshannon', true])
    assert.match(renderDriftReport(report), /### Prediction drift\n\| feature \| verdict \|/)
    const plain = await runDriftCheck({ model: 'demo', reference: 'train.csv', current: 'logs', window: '7d', cwd: dir, now })
    assert.equal(plain.predictions, null)
  })

  it('joins labels by request id: realised metrics and fairness per sensitive feature', async () => {
    const repo = repository('labelled', [
      'data: { train: train.csv, test: test.csv, target: churned, features: [age, income, city], sensitive-features: [gender] }',
      'evaluate: { metrics: [accuracy, f1, roc_auc], fairness: { metrics: [demographic_parity_difference] } }',
    ])
    const spec = await loadModelSpec(repo, 'models/demo/model.yaml')
    // Labels for the 800 rows of v1.0.0's third file: truth = logged label except every 4th row; one unknown id.
    const ids = Array.from({ length: 800 }, (_, i) => `req-22-${i}`)
    writeCsv(join(dir, 'labels.csv'), {
      request_id: [...ids, 'req-unknown'],
      churned: [...ids.map((_, i) => (i % 4 === 0 ? 1 - (i % 2) : i % 2)), 1],
      gender: [...ids.map((_, i) => (i % 3 === 0 ? 'f' : 'm')), 'f'],
    })
    const report = await runDriftCheck({ model: 'demo', reference: 'train.csv', current: 'logs', window: '7d', labels: 'labels.csv', spec, cwd: dir, now })
    const performance = report.performance!
    assert.equal(performance.joinedRows, 800)
    assert.equal(performance.unmatchedLabels, 1)
    assert.equal(performance.metrics.accuracy, 0.75)
    assert.deepEqual(Object.keys(performance.metrics), ['accuracy', 'f1'])
    assert.equal(performance.fairness[0]!.feature, 'gender')
    assert.deepEqual(performance.fairness[0]!.groups.map((g) => [g.group, g.count]), [['f', 267], ['m', 533]])
    assert.match(renderDriftReport(report), /### Realised performance\n\n800 predictions joined to labels in labels.csv by request id/)
  })
})
