import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isModelChanged, jobTimeoutMinutes, modelDependencies, modelMatrix, type MatrixModel } from '../../src/git/changed-models.js'

const churn: MatrixModel = {
  name: 'churn',
  file: 'models/churn/model.yaml',
  spec: {
    data: { train: 'data/churn/train.csv', test: 'data/churn/test.csv' },
    train: {
      workingDirectory: 'training/churn/',
      environment: { requirements: 'requirements.txt' },
      compute: { runsOn: ['self-hosted', 'linux', 'gpu'], accelerator: 'nvidia-gpu', timeoutMinutes: 120, retries: 2 },
    },
  },
}
const prices: MatrixModel = {
  name: 'prices',
  file: 'models/prices/model.yaml',
  spec: {
    data: { train: './data/prices/train', test: 'data/prices/test.parquet' },
    train: { compute: { runsOn: ['ubuntu-latest'], accelerator: 'none', timeoutMinutes: 60, retries: 0 } },
  },
}

test('a model depends on its spec and folder, data, working directory and requirements file', () => {
  assert.deepEqual(modelDependencies(churn), [
    'data/churn/test.csv',
    'data/churn/train.csv',
    'models/churn',
    'models/churn/model.yaml',
    'training/churn',
    'training/churn/requirements.txt',
  ])
  // Without a working directory the spec's folder is the training code.
  assert.deepEqual(modelDependencies(prices), ['data/prices/test.parquet', 'data/prices/train', 'models/prices', 'models/prices/model.yaml'])
})

test('a change marks a model when it is a dependency or inside a dependency folder, not a name prefix', () => {
  assert.equal(isModelChanged(churn, ['data/churn/train.csv']), true)
  assert.equal(isModelChanged(churn, ['training/churn/src/features.py']), true)
  assert.equal(isModelChanged(churn, ['models/churn/README.md']), true)
  assert.equal(isModelChanged(prices, ['data/prices/train/part-0.parquet']), true)
  assert.equal(isModelChanged(churn, ['data/churn/train.csv.bak', 'models/churn-v2/model.yaml', 'README.md']), false)
  assert.equal(isModelChanged(prices, []), false)
})

test('a model whose spec did not parse still changes with its own spec file', () => {
  const broken: MatrixModel = { name: 'broken', file: 'models/broken/model.yaml' }
  assert.equal(isModelChanged(broken, ['models/broken/model.yaml']), true)
  assert.equal(isModelChanged(broken, ['data/other.csv']), false)
})

test('the matrix lists valid models by name with runner labels, accelerator, the job time limit and what setup-python needs', () => {
  const matrix = modelMatrix([prices, { name: 'broken', file: 'models/broken/model.yaml' }, churn])
  assert.equal(
    JSON.stringify(matrix),
    '{"include":[' +
      '{"model":"churn","spec":"models/churn/model.yaml","runs-on":["self-hosted","linux","gpu"],"accelerator":"nvidia-gpu","timeout-minutes":390,' +
      '"python":"","python-requirements":"training/churn/requirements.txt"},' +
      '{"model":"prices","spec":"models/prices/model.yaml","runs-on":["ubuntu-latest"],"accelerator":"none","timeout-minutes":90,' +
      '"python":"","python-requirements":""}]}',
  )
  assert.deepEqual(modelMatrix([]), { include: [] })
})

test('the job time limit covers every attempt the spec allows plus 30 minutes of set-up, so retries are not cut off', () => {
  // timeout-minutes limits each attempt; a job limited to one attempt would die before its first retry.
  assert.equal(jobTimeoutMinutes({ timeoutMinutes: 60, retries: 0 }), 90)
  assert.equal(jobTimeoutMinutes({ timeoutMinutes: 120, retries: 2 }), 3 * 120 + 30)
  assert.equal(jobTimeoutMinutes({ timeoutMinutes: 1, retries: 10 }), 11 + 30)
})
