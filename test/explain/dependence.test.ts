import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Attributions } from '../../src/explain/attributions.js'
import { featureDependence } from '../../src/explain/dependence.js'
import { tableFromColumns } from '../../src/onnx/table.js'
import { dependenceSection } from '../../src/report/dependence-charts.js'

/** Attributions for two features where φ of `a` equals 10 × row and φ of `b` equals −row. */
function attributions(rows: number): Attributions {
  const values = new Float64Array(rows * 2)
  for (let r = 0; r < rows; r++) {
    values[r * 2] = 10 * r
    values[r * 2 + 1] = -r
  }
  return { features: ['a', 'b'], outputNames: ['value'], baseValue: new Float64Array([0]), predictions: new Float64Array(rows), values, rowCount: rows, modelRuns: 0 }
}

describe('featureDependence', () => {
  it('cuts a numeric feature at quantiles, keeps ties in one bin and gives missing values their own', () => {
    // Values 0..7 and a tie run of 5s, plus a NaN row.
    const a = Float64Array.from([0, 1, 2, 3, 5, 5, 5, 5, 6, 7, Number.NaN])
    const table = tableFromColumns({ a, b: Float64Array.from(a, () => 0) })
    const result = featureDependence(attributions(a.length), table, 'a', 4)
    const bins = result.bins
    assert.equal(bins.reduce((sum, bin) => sum + bin.rows, 0), a.length, 'every row in one bin')
    const tieBins = bins.filter((bin) => bin.low !== null && bin.low <= 5 && bin.high! >= 5)
    assert.equal(tieBins.length, 1, 'the four 5s share a bin')
    const last = bins.at(-1)!
    assert.deepEqual([last.low, last.high, last.rows, last.meanAttribution], [null, null, 1, [100]], 'the NaN row (row 10, φ 100) alone')
    // Bin means are the mean φ of its rows: the first quarter of 10 values (rounded) is rows 0–2 → (0 + 10 + 20) / 3.
    assert.deepEqual(bins[0], { low: 0, high: 2, rows: 3, meanAttribution: [10] })
    for (let i = 1; i < bins.length - 1; i++) assert.ok(bins[i]!.low! > bins[i - 1]!.high!, 'bins do not overlap')
  })

  it('bins a categorical feature by category, the rarest together, and missing apart', () => {
    const b = ['x', 'x', 'x', 'y', 'y', 'z', 'w', null]
    const table = tableFromColumns({ a: Float64Array.from(b, () => 0), b })
    const result = featureDependence(attributions(b.length), table, 'b', 3)
    assert.deepEqual(
      result.bins.map((bin) => [bin.category ?? (bin.otherCategories !== undefined ? `other:${bin.otherCategories}` : 'missing'), bin.rows, bin.meanAttribution[0]]),
      [['x', 3, -1], ['y', 2, -3.5], ['other:2', 2, -5.5], ['missing', 1, -7]],
    )
  })
})

describe('dependenceSection', () => {
  it('renders a chart and a table per feature, in a collapsed block, with fork text made inert by the caller', () => {
    const markdown = dependenceSection({
      method: 'tree',
      features: ['tenure', 'plan'],
      outputs: ['P(1)'],
      baseValue: [0.3],
      global: [],
      local: [],
      backgroundRows: 100,
      explainedRows: 50,
      dependence: [
        { feature: 'tenure', bins: [{ low: 0, high: 12, rows: 20, meanAttribution: [0.12] }, { low: 13, high: 72, rows: 30, meanAttribution: [-0.08] }] },
        { feature: 'plan "gold"', bins: [{ low: null, high: null, category: 'gold', rows: 50, meanAttribution: [0.01] }] },
      ],
    })
    assert.match(markdown, /^<details><summary>How the top 2 features move the prediction \(tenure, plan "gold"\)<\/summary>/)
    assert.equal(markdown.match(/```mermaid/g)?.length, 2)
    assert.match(markdown, /x-axis \["0 to 12", "13 to 72"\]/)
    assert.match(markdown, /title "plan 'gold': mean SHAP value by its value"/, 'quotes cannot end the Mermaid string')
    assert.match(markdown, /\| 0 to 12 \| 20 \| \+0\.12 \|/)
    assert.equal(dependenceSection({ method: 'permutation', features: [], outputs: [], baseValue: null, global: [], local: [], backgroundRows: 0, explainedRows: 0 }), '')
  })
})
