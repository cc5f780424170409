import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkDrift, driftIntensity, historyEntry, referenceFromTable, renderDriftReport } from '../../src/drift/index.js'
import { normals } from './support.js'

const reference = referenceFromTable({ rowCount: 2000, columns: new Map([['a', { kind: 'numeric', values: normals(2000, 1) }], ['b', { kind: 'numeric', values: normals(2000, 2) }]]) }, { source: 'data', location: 'train.csv' })
const current = (shift: number) => ({
  source: 'dataset' as const, location: 'cur.csv', files: ['cur.csv'], rows: 1000, window: null,
  columns: new Map([['a', { kind: 'numeric' as const, rows: 1000, nullCount: 0, nonFinite: 0, typeErrors: 0, values: normals(1000, 3, shift) }], ['b', { kind: 'numeric' as const, rows: 1000, nullCount: 0, nonFinite: 0, typeErrors: 0, values: normals(1000, 4) }]]),
})

describe('renderDriftReport', () => {
  it('charts the most drifted features first and each feature\'s score over the previous checks', () => {
    const report = checkDrift(reference, current(1), { model: 'churn', checkedAt: '2026-12-03T06:00:00.000Z' })
    const earlier = [
      { checkedAt: '2026-12-01T06:00:00.000Z', scores: { a: 0.02, b: 0.03 } },
      { checkedAt: '2026-12-02T06:00:00.000Z', scores: { a: null, b: 0.02 } },
    ]
    const markdown = renderDriftReport(report, { history: earlier })
    const a = report.features[0]!
    assert.match(markdown, new RegExp(`x-axis \\["a", "b"\\]\\n {4}y-axis "score ÷ threshold" 0 --> [\\d.]+\\n {4}bar \\[${(driftIntensity(a)!).toFixed(3).slice(0, 4)}`))
    assert.match(markdown, /### Trend\n\nEach feature's score over the last 3 checks \(the newest last\)\./)
    assert.match(markdown, /title "a: wasserstein score \(threshold 0.1\)"\n {4}x-axis \["2026-12-01", "2026-12-02", "2026-12-03"\]/)
    assert.match(markdown, /line \[0.02, 0, [\d.]+\]/)
    assert.match(markdown, /\| 2026-12-02T06:00:00.000Z \| — \| 0.02 \|/)
    assert.deepEqual(historyEntry(report), { checkedAt: '2026-12-03T06:00:00.000Z', scores: { a: a.score, b: report.features[1]!.score } })
  })

  it('puts p-values and distances on one scale: 1 is the threshold', () => {
    assert.equal(driftIntensity({ score: 0.2, threshold: 0.1, scoreKind: 'distance' }), 2)
    assert.equal(driftIntensity({ score: 0.05, threshold: 0.05, scoreKind: 'p-value' }), 1)
    assert.ok(driftIntensity({ score: 0.0025, threshold: 0.05, scoreKind: 'p-value' })! > 1.99)
    assert.equal(driftIntensity({ score: null, threshold: 0.05, scoreKind: 'p-value' }), null)
  })
})
