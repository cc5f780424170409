import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pairedBootstrap, replicatesFor, ROW_BUDGET } from '../../src/evaluate/bootstrap.js'
import { createRandom as seededRandom } from '../../src/explain/random.js'
import { computeMetrics } from '../../src/metrics/compute-metrics.js'

/** Weighted accuracy of 0/1 predictions against 0/1 truth. */
function accuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>, weights: Float64Array): number {
  let hit = 0
  let total = 0
  for (let i = 0; i < weights.length; i++) {
    total += weights[i]!
    if (truth[i] === predicted[i]) hit += weights[i]!
  }
  return hit / total
}

function labels(rows: number, errorEvery: number, offset = 0): { truth: Float64Array; predicted: Float64Array } {
  const truth = new Float64Array(rows)
  const predicted = new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    truth[i] = i % 2
    predicted[i] = (i + offset) % errorEvery === 0 ? 1 - truth[i]! : truth[i]!
  }
  return { truth, predicted }
}

test('the generator is seeded: the same seed gives the same stream, another seed another', () => {
  const a = seededRandom(7)
  const b = seededRandom(7)
  const c = seededRandom(8)
  const first = Array.from({ length: 5 }, () => a())
  assert.deepEqual(first, Array.from({ length: 5 }, () => b()))
  assert.notDeepEqual(first, Array.from({ length: 5 }, () => c()))
  assert.ok(first.every((u) => u >= 0 && u < 1))
})

test('replicates fall with the rows, between 20 and 200, so 1M rows cost a bounded number of passes', () => {
  assert.equal(replicatesFor(1_000), 200)
  assert.equal(replicatesFor(ROW_BUDGET / 100), 100)
  assert.equal(replicatesFor(1_000_000), 20)
  assert.equal(replicatesFor(50_000_000), 20)
})

test('paired: the same predictions give a zero-width interval within noise; a clear gain is outside the noise', () => {
  const { truth, predicted } = labels(2_000, 10)
  const same = pairedBootstrap({
    rows: 2_000,
    names: ['accuracy'],
    deltas: { accuracy: 0 },
    measure: (w) => ({ candidate: { accuracy: accuracy(truth, predicted, w) }, champion: { accuracy: accuracy(truth, predicted, w) } }),
  })
  assert.deepEqual(same.accuracy, { low: 0, high: 0, replicates: 200, withinNoise: true })

  // The candidate errs on 1 row in 10, the champion on 1 in 4: a gain of 0.15 far outside the noise.
  const worse = labels(2_000, 4, 1).predicted
  const options = {
    rows: 2_000,
    names: ['accuracy'],
    deltas: { accuracy: accuracy(truth, predicted, new Float64Array(2_000).fill(1)) - accuracy(truth, worse, new Float64Array(2_000).fill(1)) },
    measure: (w: Float64Array) => ({ candidate: { accuracy: accuracy(truth, predicted, w) }, champion: { accuracy: accuracy(truth, worse, w) } }),
  }
  const gain = pairedBootstrap(options).accuracy!
  assert.ok(gain.low > 0.1 && gain.high < 0.2 && !gain.withinNoise, JSON.stringify(gain))
  // Seeded: the same call gives the same interval.
  assert.deepEqual(pairedBootstrap(options).accuracy, gain)
})

test('a tiny difference on few rows is within noise, with the real metric code and sample weights', () => {
  const yTrue = Float64Array.from({ length: 200 }, (_, i) => i % 7)
  const a = Float64Array.from(yTrue, (y, i) => y + Math.sin(i))
  const b = Float64Array.from(yTrue, (y, i) => y + Math.sin(i + 0.01))
  const weight = Float64Array.from({ length: 200 }, (_, i) => 1 + (i % 3))
  const rmse = (yPred: Float64Array, sampleWeight: Float64Array) => computeMetrics('regression', { yTrue, yPred, sampleWeight }, ['rmse']).values
  const result = pairedBootstrap({
    rows: 200,
    weight,
    names: ['rmse'],
    deltas: { rmse: rmse(a, weight).rmse! - rmse(b, weight).rmse! },
    measure: (w) => ({ candidate: rmse(a, w), champion: rmse(b, w) }),
  })
  assert.equal(result.rmse?.withinNoise, true, JSON.stringify(result))
})

test('an undefined delta or replicate metric gives no interval; bad input is refused with a named error', () => {
  const result = pairedBootstrap({
    rows: 3,
    names: ['a', 'b'],
    deltas: { a: null, b: 0.1 },
    replicates: 5,
    measure: () => ({ candidate: { a: 1, b: Number.NaN }, champion: { a: 1, b: 0 } }),
  })
  assert.deepEqual(result, { a: null, b: null })
  const measure = () => ({ candidate: {}, champion: {} })
  assert.throws(() => pairedBootstrap({ rows: 0, names: [], deltas: {}, measure }), /pairedBootstrap needs at least one row, got 0/)
  assert.throws(() => pairedBootstrap({ rows: 3, weight: new Float64Array(2), names: [], deltas: {}, measure }), /pairedBootstrap: 2 weights for 3 rows/)
})
