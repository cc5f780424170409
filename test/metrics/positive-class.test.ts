import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { computeMetrics } from '../../src/metrics/compute-metrics.js'
import { positiveClassIndex } from '../../src/metrics/positive-class.js'
import { golden } from './golden.js'

const BINARY = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc', 'log_loss', 'brier']

describe('pos-label', () => {
  // scikit-learn's cases are 0/1 with pos_label=1. Relabelled 1 → 1 and 0 → 2, the positive class is
  // the first of the model's classes [1, 2], where the default rule would pick 2.
  for (const name of ['binary ties and extreme probabilities', 'binary weighted']) {
    const c = golden.metrics.find((entry) => entry.name === name)!
    const relabel = (label: string | number) => (Number(label) === 1 ? 1 : 2)
    const proba = new Float64Array(2 * c.y_true.length)
    c.proba!.forEach((p, i) => {
      proba[2 * i] = p
      proba[2 * i + 1] = 1 - p
    })
    const input = {
      yTrue: c.y_true.map(relabel),
      yPred: c.y_pred.map(relabel),
      proba,
      classes: [1, 2],
      ...(c.sample_weight ? { sampleWeight: c.sample_weight } : {}),
    }

    it(`${name}: pos-label 1 of classes [1, 2] gives scikit-learn's pos_label=1 values`, () => {
      const result = computeMetrics('binary-classification', { ...input, posLabel: 1 }, BINARY)
      for (const metric of BINARY) {
        // 1 − p is not exactly p's complement in floating point: 1e-12 rather than equality.
        assert.ok(Math.abs(result.values[metric]! - c.expected[metric]!) <= 1e-12, `${metric}: ${result.values[metric]} vs ${c.expected[metric]}`)
      }
      assert.deepEqual(result.confusionMatrix, { classes: ['2', '1'], counts: c.confusion_matrix })
    })

    it(`${name}: without pos-label the second class (2) is positive`, () => {
      const byDefault = computeMetrics('binary-classification', input, ['precision', 'recall'])
      const explicit = computeMetrics('binary-classification', { ...input, posLabel: '2' }, ['precision', 'recall'])
      assert.deepEqual(byDefault.values, explicit.values)
      assert.notEqual(byDefault.values.precision, c.expected.precision)
    })
  }

  it('matches a label by its text, and names the classes when it is not one', () => {
    assert.equal(positiveClassIndex(['churned', 'stayed']), 1)
    assert.equal(positiveClassIndex([0, 1], '0'), 0)
    assert.equal(positiveClassIndex(['1', '2'], 1), 0)
    assert.throws(() => positiveClassIndex(['churned', 'stayed'], 'yes'), {
      name: 'UsageError',
      message: "evaluate.pos-label 'yes' is not a class of the model; its classes are 'churned', 'stayed'. Fix: set evaluate.pos-label to one of them (the text of the label, as in the target column).",
    })
  })
})
