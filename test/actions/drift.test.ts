// actions/drift in-process (run(env) with a recording environment) against the GitHub REST double,
// and locally under act with no token.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { run } from '../../actions/drift/main.js'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { parseDriftReport } from '../../src/drift/index.js'
import { normals, writeCsv } from '../drift/support.js'
import { startGitHubDouble } from '../support/github-double/index.js'

function spec(monitor: string): string {
  return `apiVersion: modelship/v1
kind: Model
name: churn
task: binary-classification
data:
  train: data/train.csv
  test: data/test.csv
  target: churned
  features: [a, b]
train:
  command: [python, train.py]
monitor:
${monitor}`
}

function workspace(monitor: string, shift: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'drift-action-'))
  mkdirSync(join(dir, 'models/churn'), { recursive: true })
  mkdirSync(join(dir, 'data'), { recursive: true })
  writeFileSync(join(dir, 'models/churn/model.yaml'), spec(monitor))
  writeFileSync(join(dir, 'models/churn/train.py'), 'print(1)\n')
  writeCsv(join(dir, 'data/train.csv'), { a: normals(1500, 1), b: normals(1500, 2), churned: Array.from({ length: 1500 }, (_, i) => i % 2) })
  writeCsv(join(dir, 'data/test.csv'), { a: normals(10, 5), b: normals(10, 6), churned: Array.from({ length: 10 }, (_, i) => i % 2) })
  writeCsv(join(dir, 'data/current.csv'), { a: normals(800, 3, shift), b: normals(800, 4, shift) })
  return dir
}

const MONITOR = `  current: { source: dataset, path: data/current.csv }
  on-drift: [open-issue, retrain]
`

describe('actions/drift', () => {
  it('checks, writes drift.json and the summary, opens the issue and dispatches retraining on GitHub', async () => {
    const dir = workspace(MONITOR, 2)
    const double = await startGitHubDouble()
    try {
      double.addWorkflow({ path: '.github/workflows/modelship-dispatch.yml' })
      const env = createRecordingEnv({ workspace: dir, inputs: { model: 'churn', reference: 'data/train.csv' }, vars: { ...double.env(), MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0', GITHUB_REF_NAME: 'main' } })
      await run(env)
      assert.equal(env.record.outputs.drifted, 'true')
      assert.equal(env.record.outputs.dispatched, 'true')
      const issue = double.state.issues.get(Number(env.record.outputs.issue))!
      assert.equal(issue.state, 'open')
      assert.equal(double.state.dispatches[0]!.inputs.model, 'churn')
      assert.match(env.record.summary, /^## 🔴 Drift detected: churn/)
      assert.equal(parseDriftReport(readFileSync(join(dir, 'drift.json'), 'utf8')).dataset.drifted, true)
      assert.ok(env.record.secrets.includes(double.token))
    } finally {
      await double.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('publishes only noised counts under monitor.privacy, and fails closed once the budget is spent', async () => {
    const dir = workspace(`${MONITOR}  privacy: { epsilon: 1, budget: 1 }\n`, 0)
    const double = await startGitHubDouble()
    try {
      const vars = { ...double.env(), MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0' }
      const first = createRecordingEnv({ workspace: dir, inputs: { model: 'churn', reference: 'data/train.csv' }, vars })
      await run(first)
      const published = parseDriftReport(readFileSync(join(dir, 'drift.json'), 'utf8'))
      assert.equal(published.features[0]!.statistics.ksStatistic, null)
      assert.match(first.record.summary, /differential-privacy noise \(ε 1 for this report; 1 of the budget 1 spent over 1 reports\)/)
      rmSync(join(dir, 'drift.json'))
      const second = createRecordingEnv({ workspace: dir, inputs: { model: 'churn', reference: 'data/train.csv' }, vars })
      await assert.rejects(run(second), /would spend ε 2 of the privacy budget 1 .*nothing was published/)
      assert.match(second.record.summary, /^## Modelship drift: churn not published\n\nchurn: publishing this drift report would spend/)
      assert.equal(existsSync(join(dir, 'drift.json')), false, 'no drift.json either')
    } finally {
      await double.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('under act with no token writes the issue and the dispatch it would send to .modelship/drift/<model>/', async () => {
    const dir = workspace(MONITOR, 2)
    try {
      const env = createRecordingEnv({ workspace: dir, inputs: { model: 'churn', reference: 'data/train.csv' }, vars: { ACT: 'true' } })
      await run(env)
      assert.equal(env.record.outputs.dispatched, 'true')
      assert.equal(env.record.outputs.issue, '')
      assert.ok(env.record.log.some((line) => /would dispatch modelship-dispatch.yml with operation=retrain model=churn reason=drift check .*: 2 of 2 features drifted \(a, b\)/.test(line)))
      assert.match(readFileSync(join(dir, '.modelship/drift/churn/issue.md'), 'utf8'), /^open\n/)
      assert.match(env.record.annotations[0]!.message, /running under act with no GitHub token/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('names a missing model input', async () => {
    await assert.rejects(run(createRecordingEnv({ inputs: {} })), /input 'model': is required: the model name/)
  })
})
