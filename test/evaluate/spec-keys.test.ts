/** The spec keys evaluation reads: data.sample-weight and evaluate.pos-label. */
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { formatProblem, validateModelFile } from '../../src/spec/index.js'
import { churnRepository, churnSpecYaml } from './helpers.js'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const repo = churnRepository()
after(() => repo.remove())

async function problemsOf(yaml: string): Promise<string[]> {
  writeFileSync(join(repo.dir, 'models/churn/model.yaml'), yaml)
  const result = await validateModelFile(repo.dir, 'models/churn/model.yaml')
  return result.problems.map(formatProblem)
}

const withKeys = (data: string, evaluate: string) =>
  churnSpecYaml()
    .replace('  sensitive-features: [gender]\n', `  sensitive-features: [gender]\n${data}`)
    .replace('evaluate:\n', `evaluate:\n${evaluate}`)

test('data.sample-weight and evaluate.pos-label are read into the spec', async () => {
  writeFileSync(join(repo.dir, 'models/churn/model.yaml'), withKeys('  sample-weight: weight\n', '  pos-label: 1\n'))
  const result = await validateModelFile(repo.dir, 'models/churn/model.yaml')
  assert.deepEqual(result.problems, [])
  assert.equal(result.spec!.data.sampleWeight, 'weight')
  assert.equal(result.spec!.evaluate.posLabel, 1)
  assert.deepEqual(await problemsOf(withKeys('', "  pos-label: churned\n")), [])
})

test('a wrong type for either key is a file:line:col problem', async () => {
  const problems = await problemsOf(withKeys('  sample-weight: [weight]\n', '  pos-label: [churned]\n'))
  assert.deepEqual(problems, [
    'models/churn/model.yaml:11:18 data.sample-weight: expected a string, found a list',
    'models/churn/model.yaml:15:14 evaluate.pos-label: expected a string or a number, found a list',
  ])
  assert.match(await problemsOf(withKeys('', "  pos-labl: churned\n")).then((p) => p.join('\n')), /evaluate\.pos-labl: .*did you mean 'pos-label'/)
})

test('pos-label on a task without a positive class, and the target as its own weight, are spec problems with the fix', async () => {
  const multiclass = withKeys('  sample-weight: churned\n', '  pos-label: churned\n').replace('task: binary-classification', 'task: multiclass-classification')
  const problems = await problemsOf(multiclass.replace('  fairness: { metrics: [demographic_parity_difference, equalized_odds_difference], max: 0.25 }\n', '').replace('[roc_auc, accuracy, log_loss]', '[accuracy, log_loss]').replace(/    - \{ metric: roc_auc.*\n/, '    - { metric: accuracy, threshold: 0.5 }\n'))
  assert.deepEqual(problems, [
    "models/churn/model.yaml:11:18 data.sample-weight: 'churned' is the target; weights come from another column: name the column of per-row weights",
    'models/churn/model.yaml:15:3 evaluate.pos-label: pos-label names the positive class of a binary classifier; task is multiclass-classification: remove evaluate.pos-label',
  ])
})
