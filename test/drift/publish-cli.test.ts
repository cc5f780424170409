// modelship drift --publish: the scheduled check's publication with the local backend, as files.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { runCli } from '../../src/cli/run-cli.js'
import { parseDriftReport } from '../../src/drift/index.js'
import { normals, writeCsv } from './support.js'

const SPEC = `apiVersion: modelship/v1
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
  current: { source: dataset, path: data/current.csv }
  on-drift: [open-issue, retrain]
  privacy: { epsilon: 0.5, budget: 1 }
`

async function drift(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(['drift', 'churn', ...args], { out: (t) => (stdout += t), err: (t) => (stderr += t), cwd })
  return { code, stdout, stderr }
}

describe('modelship drift --publish', () => {
  it('writes the state, the issue and the dispatch it would send, noises what it writes, and refuses past the budget', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drift-publish-cli-'))
    try {
      mkdirSync(join(dir, 'models/churn'), { recursive: true })
      mkdirSync(join(dir, 'data'))
      writeFileSync(join(dir, 'models/churn/model.yaml'), SPEC)
      writeFileSync(join(dir, 'models/churn/train.py'), 'print(1)\n')
      writeCsv(join(dir, 'data/train.csv'), { a: normals(1500, 1), b: normals(1500, 2), churned: Array.from({ length: 1500 }, (_, i) => i % 2) })
      writeCsv(join(dir, 'data/test.csv'), { a: normals(10, 5), b: normals(10, 6), churned: Array.from({ length: 10 }, (_, i) => i % 2) })
      writeCsv(join(dir, 'data/current.csv'), { a: normals(800, 3, 2), b: normals(800, 4, 2) })
      const first = await drift(dir, '--reference', 'data/train.csv', '--publish', '--out', 'drift.json', '--path', dir)
      assert.equal(first.code, 1, 'drift')
      assert.match(first.stdout, /published to .*\.modelship\/drift\/churn \(issue open\)\nwould dispatch modelship-dispatch.yml with operation=retrain model=churn reason=drift check .*: 2 of 2 features drifted \(a, b\)\n$/)
      assert.equal(parseDriftReport(readFileSync(join(dir, 'drift.json'), 'utf8')).features[0]!.statistics.ksStatistic, null, 'drift.json is the published, noised report')
      assert.ok(existsSync(join(dir, '.modelship/drift/churn/state.json')))

      const second = await drift(dir, '--reference', 'data/train.csv', '--publish', '--path', dir)
      assert.match(second.stdout, /retraining not dispatched: retraining was dispatched at .*, within the cooldown of 7d/)
      const third = await drift(dir, '--reference', 'data/train.csv', '--publish', '--path', dir)
      assert.equal(third.code, 1)
      assert.match(third.stderr, /churn: publishing this drift report would spend ε 1.5 of the privacy budget 1 \(1 spent by 2 earlier reports, 0.5 each\); nothing was published/)
      assert.doesNotMatch(third.stderr, /\n\s+at /, 'no stack trace')

      writeFileSync(join(dir, 'h.json'), '[]')
      const withHistory = await drift(dir, '--reference', 'data/train.csv', '--publish', '--history', 'h.json', '--path', dir)
      assert.equal(withHistory.code, 2)
      assert.match(withHistory.stderr, /--publish keeps its own history in \.modelship\/drift\/<model>\/state\.json; leave out --history/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('locates a bad budget, cooldown or retrain workflow in the spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drift-publish-spec-'))
    try {
      mkdirSync(join(dir, 'models/churn'), { recursive: true })
      writeFileSync(join(dir, 'models/churn/train.py'), 'print(1)\n')
      writeFileSync(
        join(dir, 'models/churn/model.yaml'),
        SPEC.replace('privacy: { epsilon: 0.5, budget: 1 }', 'privacy: { epsilon: 0.5, budget: -1 }\n  retrain-cooldown: soon\n  retrain-workflow: ../evil.yml'),
      )
      let stdout = ''
      const code = await runCli(['validate', dir], { out: (t) => (stdout += t), err: (t) => (stdout += t), cwd: dir })
      assert.equal(code, 1)
      assert.ok(stdout.includes('models/churn/model.yaml:15:36 monitor.privacy.budget: expected a number greater than 0, found the number -1\n'), stdout)
      assert.ok(stdout.includes("models/churn/model.yaml:16:21 monitor.retrain-cooldown: 'soon' is not a duration; expected a whole number and a unit (s, m, h, d or w), e.g. '7d'\n"))
      assert.ok(stdout.includes('models/churn/model.yaml:17:21 monitor.retrain-workflow: expected a workflow file name in .github/workflows, e.g. modelship-dispatch.yml\n'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
