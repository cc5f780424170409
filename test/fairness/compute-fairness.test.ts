import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DataError, GateFailedError, UsageError } from '../../src/errors.js'
import type { FairnessMetrics } from '../../src/fairness/compute-fairness.js'
import { computeFairness } from '../../src/fairness/compute-fairness.js'
import { assertFairnessPassed, checkFairnessGates } from '../../src/fairness/fairness-gates.js'
import { assertClose, golden } from '../metrics/golden.js'

describe('computeFairness matches Fairlearn ' + golden.versions.fairlearn, () => {
  for (const c of golden.fairness) {
    it(c.name, () => {
      const [report] = computeFairness({
        yTrue: c.y_true,
        yPred: c.y_pred,
        sensitiveFeatures: { feature: c.sensitive },
        sampleWeight: c.sample_weight ?? undefined,
      })
      assert.deepEqual(report!.groups.map((g) => g.group), c.groups.map((g) => g.group))
      report!.groups.forEach((g, i) => {
        const want = c.groups[i]!
        assert.equal(g.count, want.count)
        assertClose(g.selectionRate, want.selection_rate, 1e-9, `${g.group} selection rate`)
        assertClose(g.truePositiveRate, want.true_positive_rate, 1e-9, `${g.group} TPR`)
        assertClose(g.falsePositiveRate, want.false_positive_rate, 1e-9, `${g.group} FPR`)
        assertClose(g.accuracy, want.accuracy, 1e-9, `${g.group} accuracy`)
      })
      assertClose(report!.overall.selectionRate, c.overall.selection_rate, 1e-9, 'overall selection rate')
      assertClose(report!.overall.truePositiveRate, c.overall.true_positive_rate, 1e-9, 'overall TPR')
      assertClose(report!.overall.falsePositiveRate, c.overall.false_positive_rate, 1e-9, 'overall FPR')
      assertClose(report!.overall.accuracy, c.overall.accuracy, 1e-9, 'overall accuracy')
      assert.equal(report!.overall.count, c.overall.count)
      for (const [name, value] of Object.entries(c.metrics)) {
        assertClose(report!.metrics[name as keyof FairnessMetrics], value, 1e-9, name)
      }
    })
  }

  it('reads groups from a categorical column and sorts them', () => {
    const column = { kind: 'categorical' as const, codes: Int32Array.of(0, 1, 0, 2), categories: ['M', 'F', 'X'] }
    const [report] = computeFairness({ yTrue: [1, 0, 0, 1], yPred: [1, 1, 0, 0], sensitiveFeatures: new Map([['gender', column]]) })
    assert.deepEqual(report!.groups.map((g) => [g.group, g.count, g.selectionRate]), [['F', 1, 1], ['M', 2, 0.5], ['X', 1, 0]])
  })

  it('refuses a null group value, as Fairlearn does', () => {
    const column = { kind: 'categorical' as const, codes: Int32Array.of(0, -1), categories: ['M'] }
    assert.throws(
      () => computeFairness({ yTrue: [1, 0], yPred: [1, 0], sensitiveFeatures: { gender: column } }),
      new DataError("sensitive feature 'gender' is null at row 2; Fairlearn refuses missing group values and so do we. Fix: fill them with an explicit group (e.g. 'unknown') before evaluation."),
    )
    assert.throws(() => computeFairness({ yTrue: [1], yPred: [1], sensitiveFeatures: { age: Float64Array.of(Number.NaN) } }), /'age' is null at row 1/)
  })
})

describe('checkFairnessGates', () => {
  const report = computeFairness({
    yTrue: [1, 0, 1, 0, 1, 0],
    yPred: [1, 0, 1, 1, 1, 0],
    sensitiveFeatures: { gender: ['F', 'F', 'F', 'M', 'M', 'M'] },
  })

  it('checks differences against max and ratios against min, per feature', () => {
    const results = checkFairnessGates(report, { metrics: ['demographic_parity_difference', 'demographic_parity_ratio', 'equalized_odds_difference'], max: 0.1, min: 0.8 })
    assert.deepEqual(
      results.map((r) => [r.status, r.reason]),
      [
        ['passed', "demographic_parity_difference for 'gender' = 0 ≤ max 0.1"],
        ['passed', "demographic_parity_ratio for 'gender' = 1 ≥ min 0.8"],
        ['failed', "equalized_odds_difference for 'gender' = 0.5 > max 0.1"],
      ],
    )
    assert.throws(() => assertFairnessPassed(results), new GateFailedError("1 fairness check failed:\n- equalized_odds_difference for 'gender' = 0.5 > max 0.1"))
  })

  it('reports a metric without a bound instead of gating it, and fails NaN', () => {
    const [ratio] = checkFairnessGates(report, { metrics: ['equalized_odds_ratio'], max: 0.1 })
    assert.deepEqual([ratio!.status, ratio!.reason], ['skipped', "equalized_odds_ratio for 'gender' = 0 (reported only: no min set)"])
    const none = computeFairness({ yTrue: [1, 0], yPred: [0, 0], sensitiveFeatures: { g: ['a', 'b'] } })
    const [nan] = checkFairnessGates(none, { metrics: ['demographic_parity_ratio'], min: 0.8 })
    assert.equal(nan!.status, 'failed')
  })

  it('refuses an unknown fairness metric with a suggestion', () => {
    assert.throws(
      () => checkFairnessGates(report, { metrics: ['demographic_parity_diference'], max: 0.1 }),
      new UsageError(
        "'demographic_parity_diference' is not a fairness metric; did you mean 'demographic_parity_difference'? Fairness metrics: demographic_parity_difference, demographic_parity_ratio, equalized_odds_difference, equalized_odds_ratio.",
      ),
    )
  })
})

it('a group whose weights are all 0 is listed as empty (NaN rates, its count kept) and left out of the disparities', () => {
  // Group 'z' has no positives and no negatives by weight: its 0/0 TPR and FPR must not count as 0.
  const [feature] = computeFairness({
    yTrue: [1, 0, 1, 0, 1, 0],
    yPred: [1, 0, 0, 1, 1, 1],
    sensitiveFeatures: { region: ['a', 'a', 'b', 'b', 'z', 'z'] },
    sampleWeight: [1, 1, 2, 1, 0, 0],
  })
  const z = feature!.groups.find((group) => group.group === 'z')!
  assert.equal(z.count, 2)
  assert.equal(z.weight, 0)
  assert.equal(feature!.groups.find((group) => group.group === 'b')!.weight, 3)
  for (const rate of [z.selectionRate, z.truePositiveRate, z.falsePositiveRate, z.accuracy]) assert.ok(Number.isNaN(rate))
  // a: TPR 1, FPR 0, selection 1/2; b: TPR 0, FPR 1, selection 1/3.
  assert.equal(feature!.metrics.equalized_odds_difference, 1)
  assert.equal(feature!.metrics.demographic_parity_difference, 1 / 2 - 1 / 3)
  assert.equal(feature!.metrics.equalized_odds_ratio, 0)
})
