import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { accuracy } from '../../src/metrics/accuracy.js'
import { brier } from '../../src/metrics/brier.js'
import { computeMetrics } from '../../src/metrics/compute-metrics.js'
import { encodeLabels } from '../../src/metrics/encode-labels.js'
import { f1 } from '../../src/metrics/f1.js'
import { f1Macro } from '../../src/metrics/f1-macro.js'
import { f1Micro } from '../../src/metrics/f1-micro.js'
import { binaryLogLoss, multiclassLogLoss } from '../../src/metrics/log-loss.js'
import { mae } from '../../src/metrics/mae.js'
import { mape } from '../../src/metrics/mape.js'
import { averagePrecision } from '../../src/metrics/pr-auc.js'
import { precision } from '../../src/metrics/precision.js'
import { precisionMacro } from '../../src/metrics/precision-macro.js'
import { r2 } from '../../src/metrics/r2.js'
import { recall } from '../../src/metrics/recall.js'
import { recallMacro } from '../../src/metrics/recall-macro.js'
import { rmse } from '../../src/metrics/rmse.js'
import { rocAuc } from '../../src/metrics/roc-auc.js'
import { assertClose, golden } from './golden.js'

describe('metrics match scikit-learn ' + golden.versions['scikit-learn'], () => {
  it('records the library versions it was made with', () => {
    assert.ok(golden.versions['scikit-learn'] && golden.versions.fairlearn && golden.versions.numpy)
  })

  for (const c of golden.metrics) {
    const tolerance = c.dtype === 'float32' ? 1e-6 : 1e-9
    const weight = c.sample_weight ?? undefined
    const proba = c.proba ? (c.dtype === 'float32' ? Float32Array.from(c.proba) : Float64Array.from(c.proba)) : undefined
    const names = Object.keys(c.expected)

    it(`${c.name}: computeMetrics`, () => {
      const input =
        c.task === 'regression'
          ? { yTrue: c.y_true as number[], yPred: c.y_pred as number[], sampleWeight: weight }
          : { yTrue: c.y_true, yPred: c.y_pred, proba, classes: c.classes!, sampleWeight: weight }
      const result = computeMetrics(c.task, input, names)
      for (const name of names) assertClose(result.values[name]!, c.expected[name]!, tolerance, name)
      if (c.confusion_matrix) {
        result.confusionMatrix!.counts.forEach((row, i) => row.forEach((v, j) => assertClose(v, c.confusion_matrix![i]![j]!, 1e-9, `confusion[${i}][${j}]`)))
      }
    })

    it(`${c.name}: the one-metric functions agree`, () => {
      if (c.task === 'regression') {
        const [t, p] = [c.y_true as number[], c.y_pred as number[]]
        assertClose(rmse(t, p, weight), c.expected.rmse!, tolerance, 'rmse')
        assertClose(mae(t, p, weight), c.expected.mae!, tolerance, 'mae')
        assertClose(r2(t, p, weight), c.expected.r2!, tolerance, 'r2')
        assertClose(mape(t, p, weight), c.expected.mape!, tolerance, 'mape')
        return
      }
      const t = encodeLabels(c.y_true, c.classes!, 'target')
      const p = encodeLabels(c.y_pred, c.classes!, 'prediction')
      assertClose(accuracy(t, p, weight), c.expected.accuracy!, tolerance, 'accuracy')
      if (c.task === 'binary-classification') {
        assertClose(precision(t, p, weight), c.expected.precision!, tolerance, 'precision')
        assertClose(recall(t, p, weight), c.expected.recall!, tolerance, 'recall')
        assertClose(f1(t, p, weight), c.expected.f1!, tolerance, 'f1')
        assertClose(rocAuc(t, proba!, weight), c.expected.roc_auc!, tolerance, 'roc_auc')
        assertClose(averagePrecision(t, proba!, weight), c.expected.pr_auc!, tolerance, 'pr_auc')
        assertClose(binaryLogLoss(t, proba!, weight), c.expected.log_loss!, tolerance, 'log_loss')
        assertClose(brier(t, proba!, weight), c.expected.brier!, tolerance, 'brier')
      } else {
        const k = c.classes!.length
        assertClose(f1Macro(t, p, k, weight), c.expected.f1_macro!, tolerance, 'f1_macro')
        assertClose(f1Micro(t, p, weight), c.expected.f1_micro!, tolerance, 'f1_micro')
        assertClose(precisionMacro(t, p, k, weight), c.expected.precision_macro!, tolerance, 'precision_macro')
        assertClose(recallMacro(t, p, k, weight), c.expected.recall_macro!, tolerance, 'recall_macro')
        assertClose(multiclassLogLoss(t, proba!, k, weight), c.expected.log_loss!, tolerance, 'log_loss')
      }
    })
  }

  it('clips float32 probabilities at float32 eps, as scikit-learn >= 1.5 does', () => {
    // A confident wrong answer costs -log(2^-23) with float32 input and -log(2^-52) with float64.
    assertClose(binaryLogLoss([1], Float32Array.of(0)), 23 * Math.LN2, 1e-12, 'float32')
    assertClose(binaryLogLoss([1], Float64Array.of(0)), 52 * Math.LN2, 1e-12, 'float64')
  })
})
