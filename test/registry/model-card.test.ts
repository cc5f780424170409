import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EvaluationResult } from '../../src/evaluate/evaluation-schema.js'
import { renderModelCard } from '../../src/registry/model-card.js'

const evaluation: EvaluationResult = {
  schemaVersion: 1,
  model: 'churn',
  task: 'binary-classification',
  createdAt: '2026-01-26T18:15:12Z',
  passed: true,
  verdict: 'passed',
  summary: { checks: 1, passed: 1, failed: 0, skipped: 0 },
  data: { test: { path: 'data/test.csv', sha256: 'a'.repeat(64), rows: 200 } },
  candidate: { path: 'model.onnx', sha256: 'b'.repeat(64), version: null, metrics: { roc_auc: 0.91234 }, confusionMatrix: null, classes: ['0', '1'] },
  champion: { path: 'champ.onnx', sha256: 'c'.repeat(64), version: 'churn@v0.0.1', metrics: { roc_auc: 0.9 }, confusionMatrix: null, classes: ['0', '1'] },
  metrics: [{ name: 'roc_auc', greaterIsBetter: true, candidate: 0.91234, champion: 0.9, delta: 0.01234 }],
  gates: [{ metric: 'roc_auc', check: 'threshold', required: 0.8, greaterIsBetter: true, candidate: 0.91234, champion: 0.9, delta: 0.01234, status: 'passed', passed: true, reason: '' }],
  fairness: {
    features: [{
      feature: 'gender',
      groups: [
        { group: 'f', count: 90, selectionRate: 0.3, truePositiveRate: 0.8, falsePositiveRate: 0.1, accuracy: 0.9 },
        { group: 'm', count: 110, selectionRate: 0.35, truePositiveRate: 0.82, falsePositiveRate: 0.12, accuracy: 0.88 },
      ],
      overall: { count: 200, selectionRate: 0.33, truePositiveRate: 0.81, falsePositiveRate: 0.11, accuracy: 0.89 },
      metrics: { demographic_parity_difference: 0.05, demographic_parity_ratio: 0.857, equalized_odds_difference: 0.02, equalized_odds_ratio: 0.83 },
      champion: null,
    }],
    gates: [],
  },
  explanations: { method: 'exact', features: ['tenure', 'contract'], outputs: ['P(1)'], baseValue: [0.3], global: [{ feature: 'tenure', importance: [0.12] }, { feature: 'contract', importance: [0.05] }], local: [], backgroundRows: 100, explainedRows: 50 },
  training: null,
  workflowRunUrl: null,
  timing: { totalMs: 1, predictMs: 1, metricsMs: 0, fairnessMs: 0, explainMs: 0 },
}

describe('renderModelCard', () => {
  it('renders every section from the spec and the evaluation', () => {
    const card = renderModelCard({
      version: 'churn@v0.0.2',
      spec: { name: 'churn', description: 'Predicts churn within 30 days', task: 'binary-classification', data: { train: 'data/train.csv', test: 'data/test.csv', target: 'churned', features: ['tenure', 'contract'], sensitiveFeatures: ['gender'] } } as never,
      evaluation,
    })
    for (const line of [
      '# Model card: churn',
      '- **Version:** churn@v0.0.2',
      'Predicts churn within 30 days',
      'Predicts `churned` from 2 features.',
      '- **Sensitive features** (kept out of the inputs, used for fairness): `gender`',
      '- **Evaluated on:** 200 rows of `data/test.csv`',
      'Not known: no run record (run.json) was given.',
      '| metric | this version | churn@v0.0.1 | change |',
      '| roc_auc ↑ | 0.9123 | 0.9 | +0.01234 |',
      '| roc_auc threshold | 0.8 | 0.9123 | passed |',
      '| f | 90 | 0.3 | 0.8 | 0.1 |',
      'Demographic parity difference 0.05, equalized odds difference 0.02.',
      '| `tenure` | 0.12 |',
      '- Measured on 200 held-out rows only; performance on data unlike them is not known.',
      '- No drift monitoring is configured (`monitor` in the spec).',
    ]) {
      assert.ok(card.split('\n').includes(line), `missing line: ${line}\n---\n${card}`)
    }
  })

  it('describes the training run from its run record', () => {
    const run = {
      command: ['python', 'train.py'],
      params: { C: 1 },
      timing: { durationMs: 245_000 },
      cache: { hit: true },
      environment: { python: { version: '3.11.9' }, platform: 'linux-x64' },
      gpu: { devices: [{ name: 'NVIDIA H100' }] },
      data: {
        train: { path: 'data/train.csv', bytes: 1200, sha256: 'd'.repeat(64) },
        test: { path: 'data/test.csv', bytes: 300, sha256: 'e'.repeat(64) },
      },
    }
    const lines = renderModelCard({ run: run as never }).split('\n')
    for (const line of [
      '- **Command:** `python train.py`',
      '- **Parameters:** `C=1`',
      '- **Duration:** 4m05s (outputs restored from the cache)',
      '- **Environment:** Python 3.11.9 on linux-x64',
      '- **GPU:** NVIDIA H100',
      `- **Training data:** \`data/train.csv\` (1200 bytes, sha256 \`${'d'.repeat(64)}\`)`,
    ]) {
      assert.ok(lines.includes(line), `missing line: ${line}\n---\n${lines.join('\n')}`)
    }
  })

  it('claims no drift check the project does not run, even when the spec schedules one', () => {
    const spec = { name: 'churn', task: 'binary-classification', data: { train: 'a.csv', test: 'b.csv', target: 'y', features: ['x'] }, monitor: { schedule: '0 6 * * *' } }
    const lines = renderModelCard({ spec: spec as never, evaluation }).split('\n')
    assert.ok(lines.includes('- Drift is not monitored yet: the spec sets `monitor` (schedule `0 6 * * *`), but Modelship does not run scheduled drift checks.'), lines.join('\n'))
    assert.ok(!lines.some((line) => /drift is checked/i.test(line)))
  })

  it('says what is not known when given nothing', () => {
    assert.equal(
      renderModelCard({}),
      [
        '# Model card: unnamed model', '',
        '## Intended use', '', 'No description: add `description` to the model spec.', '',
        '## Data', '', 'Not known: no spec, run record or evaluation was given.', '',
        '## Training', '', 'Not known: no run record (run.json) was given.', '',
        '## Metrics', '', 'Not known: no evaluation (evaluation.json) was given.', '',
        '## Fairness', '', 'Not known: no evaluation was given.', '',
        '## Explanations', '', 'Not known: no evaluation was given.', '',
        '## Limitations', '', '- Not known: no evaluation, spec or run record was given.', '',
      ].join('\n'),
    )
  })
})
