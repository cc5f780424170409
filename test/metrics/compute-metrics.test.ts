import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DataError, ModelError, UsageError } from '../../src/errors.js'
import { computeMetrics } from '../../src/metrics/compute-metrics.js'
import { encodeLabels } from '../../src/metrics/encode-labels.js'

const classes = ['no', 'yes']

describe('computeMetrics', () => {
  it('takes binary probabilities as [N, 2] or as the positive column [N] and gives the same values', () => {
    const yTrue = ['no', 'yes', 'yes', 'no']
    const yPred = ['no', 'yes', 'no', 'no']
    const two = Float32Array.of(0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.7, 0.3)
    const one = Float32Array.of(0.1, 0.8, 0.4, 0.3)
    const names = ['roc_auc', 'log_loss', 'brier', 'pr_auc', 'accuracy']
    const a = computeMetrics('binary-classification', { yTrue, yPred, proba: two, classes }, names)
    const b = computeMetrics('binary-classification', { yTrue, yPred, proba: one, classes }, names)
    assert.deepEqual(a.values, b.values)
    assert.equal(a.values.roc_auc, 1)
    assert.equal(a.values.accuracy, 0.75)
    assert.deepEqual(a.confusionMatrix, { classes: ['no', 'yes'], counts: [[2, 0], [1, 1]] })
  })

  it('matches numeric targets to string classes by their text (1 = 1n = "1")', () => {
    const result = computeMetrics('binary-classification', { yTrue: Float64Array.of(0, 1, 1), yPred: BigInt64Array.of(0n, 1n, 0n), classes: ['0', '1'] }, ['recall'])
    assert.equal(result.values.recall, 0.5)
  })

  it('reads labels straight from a categorical column', () => {
    const column = { kind: 'categorical' as const, codes: Int32Array.of(1, 0, 1), categories: ['yes', 'no'] }
    assert.deepEqual([...encodeLabels(column, classes, 'target')], [0, 1, 0])
  })

  it('names an unknown metric and suggests the close one', () => {
    assert.throws(() => computeMetrics('regression', { yTrue: [], yPred: [] }, ['zzz']), new UsageError("'zzz' is not a metric of regression. Metrics of regression: rmse, mae, r2, mape."))
    assert.throws(
      () => computeMetrics('binary-classification', { yTrue: [], yPred: [], classes }, ['rocauc']),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message ===
          "'rocauc' is not a metric of binary-classification; did you mean 'roc_auc'? Metrics of binary-classification: accuracy, precision, recall, f1, roc_auc, pr_auc, log_loss, brier.",
    )
  })

  it('asks for a probabilities output when a metric needs one', () => {
    assert.throws(
      () => computeMetrics('binary-classification', { yTrue: ['no'], yPred: ['no'], classes }, ['log_loss']),
      new ModelError(
        "metric 'log_loss' needs class probabilities, but the model has no probabilities output. Fix: export it with a probabilities output (skl2onnx: options={'zipmap': False}) or drop 'log_loss' from evaluate.metrics.",
      ),
    )
  })

  it('refuses NaN or out-of-range probabilities, naming the row', () => {
    assert.throws(
      () => computeMetrics('binary-classification', { yTrue: ['no', 'yes'], yPred: ['no', 'yes'], proba: Float32Array.of(0.2, Number.NaN), classes }, ['roc_auc']),
      new ModelError(
        "the model returned probability NaN at row 2; probabilities must lie in [0, 1]. Fix: check the model's inputs for that row, and that its probabilities output is not raw scores (logits).",
      ),
    )
    assert.throws(
      () => computeMetrics('multiclass-classification', { yTrue: ['a'], yPred: ['a'], proba: Float32Array.of(0.5, 1.5, -1), classes: ['a', 'b', 'c'] }, ['log_loss']),
      /probability 1.5 at row 1/,
    )
  })

  it('says which target value is not a class, and at which row', () => {
    assert.throws(
      () => computeMetrics('binary-classification', { yTrue: ['no', 'maybe'], yPred: ['no', 'no'], classes }, ['accuracy']),
      new DataError(
        "the target holds 'maybe' at row 2, which is not one of the model's classes ['no', 'yes']. Fix: drop or relabel those rows, or retrain the model on data that has that class.",
      ),
    )
    assert.throws(
      () => computeMetrics('binary-classification', { yTrue: ['no', 'yes'], yPred: ['no', 'perhaps'], classes }, ['accuracy']),
      new ModelError(
        "the model output predicted 'perhaps' at row 2, which is not one of its declared classes ['no', 'yes']. Fix: export the model so its label output and class list agree.",
      ),
    )
  })

  it('refuses a binary task on a model with three classes, and mismatched lengths', () => {
    assert.throws(
      () => computeMetrics('binary-classification', { yTrue: ['a'], yPred: ['a'], classes: ['a', 'b', 'c'] }, ['accuracy']),
      new ModelError('a binary classifier must declare 2 classes, but this one declares 3 (a, b, c). Fix: set task to multiclass-classification or re-export the model.'),
    )
    assert.throws(
      () => computeMetrics('binary-classification', { yTrue: ['no', 'yes'], yPred: ['no'], classes }, ['accuracy']),
      new ModelError("the model returned 1 predicted labels for 2 rows. Fix: check the model's output shape (one prediction per input row)."),
    )
    assert.throws(
      () => computeMetrics('multiclass-classification', { yTrue: ['a'], yPred: ['a'], proba: Float32Array.of(1, 0), classes: ['a', 'b', 'c'] }, ['log_loss']),
      /returned 2 probabilities for 1 rows × 3 classes/,
    )
  })

  it('refuses NaN regression predictions', () => {
    assert.throws(() => computeMetrics('regression', { yTrue: [1, 2], yPred: [1, Number.NaN] }, ['rmse']), new ModelError("the model predicted NaN at row 2. Fix: check the model's inputs for that row and its export."))
  })

  it('computes 300,000 binary rows (smoke test of the typed-array paths)', () => {
    const n = 300_000
    const yTrue = new Float64Array(n)
    const proba = new Float32Array(n)
    const yPred = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      yTrue[i] = i % 3 === 0 ? 1 : 0
      proba[i] = ((i * 7919) % 1000) / 1000
      yPred[i] = proba[i]! >= 0.5 ? 1 : 0
    }
    const result = computeMetrics('binary-classification', { yTrue, yPred, proba, classes: [0, 1] }, ['roc_auc', 'pr_auc', 'log_loss'])
    assert.ok(Math.abs(result.values.roc_auc! - 0.5) < 0.01)
  })
})
