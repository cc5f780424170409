import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { DataError } from '../../src/errors.js'
import { evaluateModel } from '../../src/evaluate/index.js'
import { EvaluationResultSchema } from '../../src/evaluate/evaluation-schema.js'
import { renderReport } from '../../src/report/render-report.js'
import { churnSpec, FIXTURES, near, ROOT } from './helpers.js'

const dirs: string[] = []
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** A repository holding the fixture test data and `train` as data/train.csv. */
function repositoryWithTrain(train: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-background-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'data'))
  writeFileSync(join(dir, 'data/train.csv'), train)
  writeFileSync(join(dir, 'data/test.csv'), readFileSync(join(ROOT, 'test/fixtures/data/churn-test.csv')))
  return dir
}

const trainLines = readFileSync(join(ROOT, 'example-repo/data/churn/train.csv'), 'utf8').trimEnd().split('\n')
const header = trainLines[0]!
// Columns: customer_id,tenure,monthly_charges,contract,support_calls,gender,churned
const withHole = (line: string, column: number, value: string) => line.split(',').map((cell, i) => (i === column ? value : cell)).join(',')

test('training rows with a NaN or an empty feature are left out of the background and counted; every number stays finite', async () => {
  const rows = trainLines.slice(1, 61)
  rows[0] = withHole(rows[0]!, 1, 'NaN') // tenure NaN
  rows[1] = withHole(rows[1]!, 2, '') // monthly_charges empty
  rows[2] = withHole(rows[2]!, 3, '') // contract (text) empty
  rows[3] = withHole(rows[3]!, 5, '') // gender is no feature: the row stays
  const dir = repositoryWithTrain([header, ...rows, ''].join('\n'))
  const spec = churnSpec({ explain: { method: 'exact', 'background-rows': 100, 'explain-rows': 3 } }, { train: 'data/train.csv', test: 'data/test.csv' })
  const result = await evaluateModel({ repoRoot: dir, pathsRelativeTo: dir, candidatePath: join(ROOT, FIXTURES.candidate), spec })
  const explanations = result.explanations!
  assert.equal(explanations.backgroundIncompleteRows, 3)
  assert.equal(explanations.backgroundRows, 57)
  assert.ok(Number.isFinite(explanations.baseValue![0]))
  for (const row of explanations.local) {
    const sum = row.attributions.reduce((total, phi) => total + phi[0]!, 0)
    assert.ok(near(sum, row.prediction[0]! - explanations.baseValue![0]!, 1e-9), `row ${row.row}: Σφ ${sum}`)
  }
  EvaluationResultSchema.parse(result)
  assert.match(renderReport(result), /exact Shapley values over 57 background rows \(3 training rows with a missing feature left out\)/)
})

test('a training file whose every row misses a feature is a clear error with the fix', async () => {
  const rows = trainLines.slice(1, 6).map((line) => withHole(line, 1, ''))
  const dir = repositoryWithTrain([header, ...rows, ''].join('\n'))
  const spec = churnSpec({ explain: { method: 'exact' } }, { train: 'data/train.csv', test: 'data/test.csv' })
  await assert.rejects(evaluateModel({ repoRoot: dir, candidatePath: join(ROOT, FIXTURES.candidate), spec }), (error: unknown) => {
    assert.ok(error instanceof DataError)
    assert.equal(
      error.message,
      'data/train.csv: all 5 rows have a null or NaN in a feature, so no row can serve as the explanation background. ' +
        'Fix: fill the missing values in the training data, or set evaluate.explain.method: permutation (it reads only the test data).',
    )
    return true
  })
})
