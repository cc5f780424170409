// Differential privacy of published drift reports. The noise comes from node:crypto and cannot be
// seeded, so its tests are statistical, with bounds of 6 standard errors: a false failure is a
// 1-in-500-million event per check.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkDrift, DriftReportSchema, referenceFromTable } from '../../src/drift/index.js'
import {
  budgetLeft, chargeBudget, discreteLaplaceVariance, EMPTY_LEDGER, noiseRate, noisyCount, privatizeReport, sampleDiscreteLaplace,
} from '../../src/drift/privacy/index.js'
import { PrivacyBudgetError } from '../../src/errors.js'
import { normals } from './support.js'

function moments(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)
  return { mean, variance }
}

/** Asserts mean 0 and the discrete Laplace variance within 6 standard errors (excess kurtosis ≤ 3 bounds the variance's error). */
function assertNoiseOf(samples: number[], epsilon: number, sensitivity: number, what: string): void {
  const expected = discreteLaplaceVariance(epsilon, sensitivity)
  const { mean, variance } = moments(samples)
  const n = samples.length
  assert.ok(Math.abs(mean) < 6 * Math.sqrt(expected / n), `${what}: mean ${mean} is not 0 within 6 standard errors (variance ${expected}, n ${n})`)
  assert.ok(Math.abs(variance - expected) < 6 * expected * Math.sqrt(5 / n), `${what}: variance ${variance}, expected ${expected}`)
}

describe('discrete Laplace noise', () => {
  it('is unbiased with the variance of scale Δ/ε, for several ε and Δ', () => {
    for (const [epsilon, sensitivity, n] of [[1, 1, 20000], [0.1, 1, 5000], [2, 3, 10000], [0.5, 2, 5000]] as const) {
      const { s, t } = noiseRate(epsilon, sensitivity)
      const samples = Array.from({ length: n }, () => sampleDiscreteLaplace(s, t))
      assertNoiseOf(samples, epsilon, sensitivity, `ε ${epsilon}, Δ ${sensitivity}`)
    }
  })

  it('has the two-sided geometric shape: P(0) = (1−a)/(1+a), symmetric, each step down by a = exp(−ε/Δ)', () => {
    const n = 40000
    const a = Math.exp(-1)
    const counts = new Map<number, number>()
    for (let i = 0; i < n; i++) {
      const y = sampleDiscreteLaplace(1_000_000, 1_000_000)
      counts.set(y, (counts.get(y) ?? 0) + 1)
    }
    const p = (k: number) => ((1 - a) / (1 + a)) * a ** Math.abs(k)
    for (const k of [-3, -2, -1, 0, 1, 2, 3]) {
      const observed = (counts.get(k) ?? 0) / n
      const bound = 6 * Math.sqrt((p(k) * (1 - p(k))) / n)
      assert.ok(Math.abs(observed - p(k)) < bound, `P(${k}) observed ${observed}, expected ${p(k)} ± ${bound}`)
    }
    assert.ok([...counts.keys()].every(Number.isInteger))
  })

  it('adds the noise to a count and refuses what it cannot noise', () => {
    const samples = Array.from({ length: 10000 }, () => noisyCount(500, 1) - 500)
    assertNoiseOf(samples, 1, 1, 'noisyCount')
    assert.throws(() => noisyCount(1.5, 1), /1.5 is not an integer count/)
    assert.throws(() => noiseRate(0, 1), /epsilon must be a finite number above 0, got 0/)
    assert.throws(() => noiseRate(1e-7, 1), /below 0.000001/)
    assert.throws(() => noiseRate(1, 0.5), /sensitivity must be a positive integer, got 0.5/)
    assert.throws(() => sampleDiscreteLaplace(0, 1), /positive integers, got 0 and 1/)
  })

  it('rounds ε down, never giving less noise than asked', () => {
    assert.deepEqual(noiseRate(0.3, 1), { s: 300000, t: 1000000 })
    assert.deepEqual(noiseRate(1 / 3, 2), { s: 333333, t: 2000000 })
    assert.ok(333333 / 2000000 <= 1 / 3 / 2)
  })
})

const reference = referenceFromTable(
  { rowCount: 3000, columns: new Map([['a', { kind: 'numeric', values: normals(3000, 1) }], ['b', { kind: 'numeric', values: normals(3000, 2) }]]) },
  { source: 'data', location: 'train.csv' },
)
function report(options: { rows?: number; nulls?: number } = {}) {
  const rows = options.rows ?? 2000
  const nulls = options.nulls ?? 0
  // The check takes the finite values only; nulls are counted beside them.
  const values = normals(rows - nulls, 3, 0.5)
  return checkDrift(
    reference,
    {
      source: 'dataset', location: 'cur.csv', files: ['cur.csv'], rows, window: null,
      columns: new Map([
        ['a', { kind: 'numeric' as const, rows, nullCount: nulls, nonFinite: 0, typeErrors: 0, values }],
        ['b', { kind: 'numeric' as const, rows, nullCount: 0, nonFinite: 0, typeErrors: 0, values: normals(rows, 4) }],
      ]),
    },
    { model: 'churn', checkedAt: '2026-12-03T06:00:00.000Z', perFeature: { b: { method: 'psi' } } },
  )
}

describe('privatizeReport', () => {
  it('noises every published count, recomputes the rest from them, and hides what needs raw values', () => {
    const exact = report({ nulls: 40 })
    const { report: published, queries, epsilon } = privatizeReport(exact, { epsilon: 1 })
    DriftReportSchema.parse(published)
    // Per side (the reference is raw data here): rows and a histogram per column.
    assert.equal(queries, 2 * (1 + 2))
    assert.equal(epsilon, 1)
    for (const [i, column] of published.features.entries()) {
      const histogram = column.histogram!
      assert.deepEqual(histogram.bins, exact.features[i]!.histogram!.bins, 'the bins are the fixed ones')
      assert.ok(histogram.current.every((c) => Number.isInteger(c) && c >= 0))
      assert.equal(column.current.usable, histogram.current.reduce((x, y) => x + y, 0))
      assert.equal(column.statistics.ksStatistic, null)
      assert.equal(column.statistics.wasserstein, null)
      assert.equal(column.exact, false)
      assert.equal(column.drifted, exact.features[i]!.drifted, 'the verdict is the exact check\'s')
    }
    assert.equal(published.features[0]!.score, null, 'a Wasserstein score needs the raw values')
    assert.equal(published.features[1]!.score, published.features[1]!.statistics.psi, 'a PSI score comes from the noised histograms')
    assert.equal(published.performance, null)
    assert.ok(exact.quality.some((q) => q.kind === 'nulls' && q.count === 40))
    assert.deepEqual(
      published.quality.map((q) => [q.kind, q.count, q.share, q.message]),
      exact.quality.map((q) => [q.kind, 0, null, `${q.kind} in ${q.column} (${q.side}); its rows are not published under differential privacy (run the check without publishing to see them)`]),
    )
    assert.notEqual(published, exact)
    assert.equal(exact.features[0]!.exact, true, 'the input is not changed')
  })

  it('splits ε over the queries (composition): each count carries the noise of ε/m, unbiased', () => {
    const exact = report()
    const runs = 3000
    const rows: number[] = []
    const bin: number[] = []
    const binIndex = exact.features[1]!.histogram!.current.findIndex((c) => c > 100)
    let queries = 0
    for (let i = 0; i < runs; i++) {
      const out = privatizeReport(exact, { epsilon: 5 })
      queries = out.queries
      rows.push(out.report.current.rows - exact.current.rows)
      bin.push(out.report.features[1]!.histogram!.current[binIndex]! - exact.features[1]!.histogram!.current[binIndex]!)
    }
    assert.equal(queries, 2 * (1 + 2), 'the same m whatever the data')
    assertNoiseOf(rows, 5 / queries, 1, 'current rows')
    assertNoiseOf(bin, 5 / queries, 1, 'a histogram bin')
  })

  it('leaves a reference profile (already published by the registry) as it is and noises the current side only', () => {
    const exact = report()
    const fromProfile = { ...exact, reference: { ...exact.reference, source: 'profile' as const } }
    const { report: published, queries } = privatizeReport(fromProfile, { epsilon: 1 })
    assert.equal(queries, 1 + 2)
    assert.deepEqual(published.features[0]!.histogram!.reference, exact.features[0]!.histogram!.reference)
    assert.equal(published.reference.rows, exact.reference.rows)
  })
})

describe('the privacy budget', () => {
  const policy = { epsilon: 0.1, budget: 0.3 }
  it('adds up the ε of every published report and refuses the one past the budget', () => {
    let ledger = EMPTY_LEDGER
    for (let i = 0; i < 3; i++) ledger = chargeBudget('churn', ledger, policy, `2026-12-0${i + 1}T06:00:00.000Z`)
    // 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floating point: the third still fits.
    assert.deepEqual(ledger, { spent: 0.1 + 0.1 + 0.1, releases: 3, lastChargedAt: '2026-12-03T06:00:00.000Z' })
    assert.equal(budgetLeft(ledger, policy), 0)
    assert.throws(
      () => chargeBudget('churn', ledger, policy, '2026-12-04T06:00:00.000Z'),
      (error: unknown) =>
        error instanceof PrivacyBudgetError &&
        error.message ===
          'churn: publishing this drift report would spend ε 0.4 of the privacy budget 0.3 (0.3 spent by 3 earlier reports, 0.1 each); nothing was published. ' +
            'Fix: raise monitor.privacy.budget in the spec if more privacy loss is acceptable, or check less often.',
    )
  })

  it('refuses a first report whose ε alone is above the budget', () => {
    assert.throws(() => chargeBudget('churn', EMPTY_LEDGER, { epsilon: 2, budget: 1 }, 'now'), /would spend ε 2 of the privacy budget 1 \(0 spent by 0 earlier reports/)
  })
})
