import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GateFailedError, UsageError } from '../../src/errors.js'
import { assertGatesPassed, checkGates, gatesPassed } from '../../src/metrics/gates.js'

describe('checkGates (MLflow MetricThreshold semantics)', () => {
  it('checks a threshold as >= for greater-is-better metrics and <= for the others', () => {
    const results = checkGates('binary-classification', [{ metric: 'roc_auc', threshold: 0.8 }, { metric: 'log_loss', threshold: 0.5 }], { roc_auc: 0.8, log_loss: 0.51 })
    assert.deepEqual(
      results.map((r) => [r.status, r.reason]),
      [
        ['passed', 'roc_auc 0.8 ≥ threshold 0.8 (greater is better)'],
        ['failed', 'log_loss 0.51 > threshold 0.5 (lower is better)'],
      ],
    )
    assert.equal(gatesPassed(results), false)
  })

  it('min-absolute-change: candidate >= champion + change, or <= champion - change when lower is better', () => {
    const gates = [
      { metric: 'roc_auc', minAbsoluteChange: 0.01 },
      { metric: 'log_loss', minAbsoluteChange: 0.01 },
    ]
    const champion = { roc_auc: 0.8, log_loss: 0.4 }
    const better = checkGates('binary-classification', gates, { roc_auc: 0.815, log_loss: 0.385 }, champion)
    assert.deepEqual(better.map((r) => r.status), ['passed', 'passed'])
    assert.equal(better[1]!.reason, 'log_loss 0.385 vs champion 0.4: improvement +0.015 ≥ required +0.01 (lower is better)')
    assert.ok(Math.abs(better[1]!.delta! - -0.015) < 1e-12)
    const worse = checkGates('binary-classification', gates, { roc_auc: 0.805, log_loss: 0.395 }, champion)
    assert.deepEqual(worse.map((r) => r.status), ['failed', 'failed'])
    assert.equal(worse[0]!.reason, 'roc_auc 0.805 vs champion 0.8: improvement +0.005 < required +0.01 (greater is better)')
  })

  it('a negative min-absolute-change tolerates a small drop and no more', () => {
    const gate = [{ metric: 'roc_auc', threshold: 0.8, minAbsoluteChange: -0.005 }]
    assert.equal(gatesPassed(checkGates('binary-classification', gate, { roc_auc: 0.846 }, { roc_auc: 0.85 })), true)
    const failed = checkGates('binary-classification', gate, { roc_auc: 0.84 }, { roc_auc: 0.85 })
    assert.equal(failed[1]!.reason, 'roc_auc 0.84 vs champion 0.85: improvement -0.01 < required -0.005 (greater is better)')
  })

  it('min-relative-change is relative to |champion|, with sign flipped for lower-is-better', () => {
    const results = checkGates(
      'regression',
      [{ metric: 'rmse', minRelativeChange: 0.05 }, { metric: 'r2', minRelativeChange: 0.1 }],
      { rmse: 9.4, r2: -0.4 },
      { rmse: 10, r2: -0.5 },
    )
    assert.deepEqual(
      results.map((r) => [r.status, r.reason]),
      [
        ['passed', 'rmse 9.4 vs champion 10: relative improvement +6% ≥ required +5% (lower is better)'],
        ['passed', 'r2 -0.4 vs champion -0.5: relative improvement +20% ≥ required +10% (greater is better)'],
      ],
    )
  })

  it('falls back to "strictly better" when the champion value is 0, as MLflow does', () => {
    const results = checkGates('regression', [{ metric: 'mae', minRelativeChange: 0.1 }], { mae: 0 }, { mae: 0 })
    assert.equal(results[0]!.status, 'failed')
    assert.equal(results[0]!.reason, 'mae 0 vs champion 0: a relative change is undefined, so the candidate must simply be better (lower is better); it is not')
  })

  it('without a champion checks thresholds only and reports the change checks as skipped', () => {
    const results = checkGates('binary-classification', [{ metric: 'roc_auc', threshold: 0.7, minAbsoluteChange: 0.01, minRelativeChange: 0.02 }], { roc_auc: 0.75 })
    assert.deepEqual(
      results.map((r) => [r.check, r.status, r.reason, r.champion, r.delta]),
      [
        ['threshold', 'passed', 'roc_auc 0.75 ≥ threshold 0.7 (greater is better)', null, null],
        ['min-absolute-change', 'skipped', 'skipped (no champion)', null, null],
        ['min-relative-change', 'skipped', 'skipped (no champion)', null, null],
      ],
    )
    assert.equal(gatesPassed(results), true)
  })

  it('lets a gate override the direction', () => {
    const results = checkGates('binary-classification', [{ metric: 'brier', threshold: 0.3, greaterIsBetter: true }], { brier: 0.2 })
    assert.equal(results[0]!.reason, 'brier 0.2 < threshold 0.3 (greater is better)')
  })

  it('fails on a missing or NaN candidate value and on a champion without the metric', () => {
    const [missing] = checkGates('binary-classification', [{ metric: 'f1', threshold: 0.5 }], {})
    assert.equal(missing!.reason, 'f1 was not computed for the candidate. Fix: list it in evaluate.metrics.')
    const [nan] = checkGates('binary-classification', [{ metric: 'roc_auc', threshold: 0.5 }], { roc_auc: Number.NaN })
    assert.equal(nan!.status, 'failed')
    assert.match(nan!.reason, /undefined \(NaN\)/)
    const [noChampionValue] = checkGates('binary-classification', [{ metric: 'roc_auc', minAbsoluteChange: 0 }], { roc_auc: 0.9 }, { accuracy: 0.8 })
    assert.equal(noChampionValue!.reason, 'the champion has no value for roc_auc to compare with. Fix: re-evaluate the champion on this data, or gate on a threshold only.')
  })

  it('refuses a gate on an unknown metric', () => {
    assert.throws(
      () => checkGates('regression', [{ metric: 'auc', threshold: 1 }], {}),
      new UsageError("gate on 'auc': not a metric of regression, so its direction is unknown. Fix: use a metric from the catalog or set greater-is-better on the gate."),
    )
  })

  it('assertGatesPassed lists every failed check', () => {
    const results = checkGates('binary-classification', [{ metric: 'roc_auc', threshold: 0.9 }, { metric: 'f1', threshold: 0.9 }, { metric: 'accuracy', threshold: 0.1 }], { roc_auc: 0.8, f1: 0.5, accuracy: 0.5 })
    assert.throws(
      () => assertGatesPassed(results),
      new GateFailedError('2 evaluation gate checks failed:\n- threshold on roc_auc: roc_auc 0.8 < threshold 0.9 (greater is better)\n- threshold on f1: f1 0.5 < threshold 0.9 (greater is better)'),
    )
    assert.doesNotThrow(() => assertGatesPassed(results.slice(2)))
  })
})
