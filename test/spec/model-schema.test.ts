import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EnvironmentSpecSchema, ModelSpecSchema, loadModelSpec } from '../../src/spec/index.js'
import { BASE_REPO } from './corpus.js'

const minimal = {
  apiVersion: 'modelship/v1',
  kind: 'Model',
  name: 'churn',
  task: 'binary-classification',
  data: { train: 'data/churn/train.csv', test: 'data/churn/test.csv', target: 'churned', features: ['tenure'] },
  train: { command: ['python', 'train.py'] },
}

describe('model spec schema', () => {
  it('fills every documented default and maps kebab-case keys to camelCase', () => {
    const spec = ModelSpecSchema.parse(minimal)
    assert.deepEqual(spec, {
      apiVersion: 'modelship/v1',
      kind: 'Model',
      name: 'churn',
      task: 'binary-classification',
      data: { train: 'data/churn/train.csv', test: 'data/churn/test.csv', target: 'churned', features: ['tenure'], sensitiveFeatures: [] },
      train: {
        command: ['python', 'train.py'],
        compute: { runsOn: ['ubuntu-latest'], accelerator: 'none', timeoutMinutes: 60, retries: 0, gpus: 0 },
        params: {},
        cache: true,
      },
      evaluate: {
        metrics: ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc', 'log_loss', 'brier'],
        gates: [],
        explain: { method: 'auto', backgroundRows: 100, explainRows: 5 },
        onFail: 'fail',
      },
      register: { bump: 'patch', protectedStages: ['production'], promoteRoles: ['maintain', 'admin'] },
      deploy: [],
    })
  })

  it('defaults gpus to 1 for nvidia-gpu, fairness groups to data.sensitive-features, the monitored environment to the last deployed', () => {
    const spec = ModelSpecSchema.parse({
      ...minimal,
      data: { ...minimal.data, 'sensitive-features': ['gender'] },
      train: { ...minimal.train, compute: { 'runs-on': 'gpu', accelerator: 'nvidia-gpu' } },
      evaluate: { fairness: {} },
      deploy: [{ environment: 'staging', canary: {} }, { environment: 'production' }],
      monitor: {},
    })
    assert.deepEqual(spec.train.compute, { runsOn: ['gpu'], accelerator: 'nvidia-gpu', timeoutMinutes: 60, retries: 0, gpus: 1 })
    assert.deepEqual(spec.evaluate.fairness, {
      metrics: ['demographic_parity_difference', 'equalized_odds_difference'],
      max: 0.1,
      min: 0.8,
      sensitiveFeatures: ['gender'],
    })
    assert.deepEqual(spec.deploy[0], {
      environment: 'staging',
      provider: 'builtin',
      canary: { traffic: 10, maxErrorRate: 0.01, maxP99Ms: 500, duration: '10m' },
      healthCheck: { path: '/v2/health/ready', timeoutSeconds: 5, retries: 3, periodSeconds: 10 },
    })
    assert.deepEqual(spec.monitor, {
      schedule: '0 6 * * *',
      current: { source: 'endpoint-logs', window: '7d', environment: 'production' },
      drift: { method: 'auto', driftShare: 0.5, features: {} },
      onDrift: ['open-issue'],
      retrainCooldown: '7d',
      retrainWorkflow: 'modelship-dispatch.yml',
    })
  })

  it('keeps user-named keys (params, per-feature drift overrides) as written', () => {
    const spec = ModelSpecSchema.parse({
      ...minimal,
      train: { ...minimal.train, params: { 'learning-rate': 0.1, max_depth: 3 } },
      monitor: { current: { source: 'dataset', path: 'x.csv' }, drift: { features: { 'monthly-charges': { threshold: 0.2 } } } },
    })
    assert.deepEqual(spec.train.params, { 'learning-rate': 0.1, max_depth: 3 })
    assert.deepEqual(spec.monitor?.drift.features, { 'monthly-charges': { threshold: 0.2 } })
  })

  it('loadModelSpec defaults the working directory to the spec folder', async () => {
    const spec = await loadModelSpec(BASE_REPO, 'models/prices/model.yaml')
    assert.equal(spec.train.workingDirectory, 'models/prices')
    assert.deepEqual(spec.monitor?.current, { source: 'dataset', path: 'data/prices/train.csv' })
  })
})

describe('environment schema', () => {
  it('writes every version in tag form and defaults traffic to 100', () => {
    const spec = EnvironmentSpecSchema.parse({
      apiVersion: 'modelship/v1',
      kind: 'Environment',
      name: 'production',
      models: [{ model: 'churn', version: '1.2.3' }, { model: 'prices', version: 'v0.1.0', traffic: 100 }],
    })
    assert.deepEqual(spec.models, [
      { model: 'churn', version: 'v1.2.3', traffic: 100 },
      { model: 'prices', version: 'v0.1.0', traffic: 100 },
    ])
  })

  it('reads an environment with no models as an empty list', () => {
    const spec = EnvironmentSpecSchema.parse({ apiVersion: 'modelship/v1', kind: 'Environment', name: 'staging' })
    assert.deepEqual(spec.models, [])
  })
})
