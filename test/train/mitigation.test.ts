import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { Column, DataTable } from '../../src/data/table.js'
import { reweighing, reweighingFromFile, writeSampleWeights } from '../../src/train/mitigation.js'
import { train } from '../../src/train/train.js'
import { RecordingLogger } from './helpers.js'
import { trainOptions, trainRepo } from './train-fixture.js'
import { writeFile } from 'node:fs/promises'

/** A DataTable from records: numbers (or null) make a numeric column, strings (or null) a categorical one. */
function tableFromRecords(rows: ReadonlyArray<Record<string, string | number | null>>): DataTable {
  const columns = new Map<string, Column>()
  for (const name of Object.keys(rows[0]!)) {
    const values = rows.map((row) => row[name] ?? null)
    if (values.some((value) => typeof value === 'string')) {
      const categories: string[] = []
      const codes = Int32Array.from(values, (value) => {
        if (value === null) return -1
        let code = categories.indexOf(String(value))
        if (code < 0) code = categories.push(String(value)) - 1
        return code
      })
      columns.set(name, { kind: 'categorical', codes, categories })
    } else {
      columns.set(name, { kind: 'numeric', values: Float64Array.from(values, (value) => (value === null ? Number.NaN : (value as number))) })
    }
  }
  return { rowCount: rows.length, columns }
}

// AIF360 0.6.1's Reweighing on test/fixtures/mitigation/reweighing-train.csv (make_reweighing.py).
const DIR = 'test/fixtures/mitigation'
const golden = JSON.parse(await readFile(`${DIR}/reweighing.json`, 'utf8')) as {
  cases: Array<{ name: string; sensitive: string[]; target: string; sampleWeight: string | null; weights: number[] }>
}

describe('reweighing equals AIF360', () => {
  for (const testCase of golden.cases) {
    it(`${testCase.name}`, async () => {
      const result = await reweighingFromFile(`${DIR}/reweighing-train.csv`, 'reweighing-train.csv', testCase.target, testCase.sensitive, testCase.sampleWeight ?? undefined)
      assert.equal(result.weights.length, testCase.weights.length)
      let worst = 0
      testCase.weights.forEach((expected, i) => (worst = Math.max(worst, Math.abs(result.weights[i]! - expected))))
      assert.ok(worst < 1e-12, `largest difference from AIF360 ${worst}`)
      assert.equal(result.cells.length, 4, 'two groups × two labels')
    })
  }
})

describe('reweighing', () => {
  it('makes the label independent of the group in the weighted data, for three groups and three labels', () => {
    const rows = Array.from({ length: 90 }, (_, i) => ({ region: ['north', 'south', null][i % 3]!, plan: ['a', 'b', 'c'][Math.floor(i / 7) % 3]! }))
    const table = tableFromRecords(rows)
    const { weights, cells } = reweighing(table, 'plan', ['region'])
    assert.equal(cells.length, 9)
    assert.ok(cells.some((cell) => cell.group.region === null), 'a missing region is a group of its own')
    // Weighted, P(plan | region) is the same for every region: P(plan).
    const byGroup = new Map<string, Map<string, number>>()
    rows.forEach((row, i) => {
      const group = byGroup.get(String(row.region)) ?? new Map<string, number>()
      group.set(row.plan, (group.get(row.plan) ?? 0) + weights[i]!)
      byGroup.set(String(row.region), group)
    })
    const shares = [...byGroup.values()].map((group) => {
      const total = [...group.values()].reduce((a, b) => a + b, 0)
      return ['a', 'b', 'c'].map((plan) => (group.get(plan) ?? 0) / total)
    })
    for (const share of shares) share.forEach((value, k) => assert.ok(Math.abs(value - shares[0]![k]!) < 1e-12))
    // The total weight is kept.
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 90) < 1e-9)
  })

  it('refuses a missing label, an unknown column, negative weights and an empty list, each saying what to fix', () => {
    const table = tableFromRecords([{ y: 1, g: 'a', w: 1 }, { y: null, g: 'b', w: -1 }])
    assert.throws(() => reweighing(table, 'y', ['g']), { name: 'DataError', message: /row 2 has no y; reweighing needs every row's label/ })
    assert.throws(() => reweighing(table, 'y', ['gender']), { name: 'DataError', message: /has no column 'gender' \(named by train\.mitigation\)/ })
    assert.throws(() => reweighing(tableFromRecords([{ y: 1, g: 'a', w: -1 }]), 'y', ['g'], 'w'), { name: 'DataError', message: /sample weight -1 in 'w' is not a non-negative number/ })
    assert.throws(() => reweighing(table, 'y', []), { name: 'DataError', message: /lists no sensitive features/ })
  })

  it('writes row,weight lines that read back as the same numbers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'modelship-weights-'))
    try {
      const weights = Float64Array.from([1 / 3, 2.5, 0])
      await writeSampleWeights(join(dir, 'w.csv'), weights)
      const lines = (await readFile(join(dir, 'w.csv'), 'utf8')).trim().split('\n')
      assert.equal(lines[0], 'row,weight')
      assert.deepEqual(lines.slice(1).map((line) => Number(line.split(',')[1])), [...weights])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('train with train.mitigation', () => {
  it('hands the training command the reweighing weights as the file MODELSHIP_SAMPLE_WEIGHTS names, and logs each cell', async () => {
    const root = await trainRepo()
    await writeFile(join(root, 'data', 'train.csv'), 'x,y,g\n1,0,a\n2,1,a\n3,1,a\n4,0,b\n5,0,b\n6,1,b\n')
    const log = new RecordingLogger()
    await train(trainOptions(root, log, { mitigation: { method: 'reweighing', sensitiveFeatures: ['g'], target: 'y' } }))
    const seen = JSON.parse(await readFile(join(root, '.modelship', 'outputs', 'churn', 'seen.json'), 'utf8')) as Record<string, string>
    const file = seen.MODELSHIP_SAMPLE_WEIGHTS
    assert.ok(file, 'the command saw MODELSHIP_SAMPLE_WEIGHTS')
    const lines = (await readFile(file!, 'utf8')).trim().split('\n')
    // Group a: 1 of 3 negative; b: 2 of 3. P(y=0) = 1/2, P(a) = 1/2: w(a,0) = (1/2·1/2)/(1/6) = 1.5, w(a,1) = 0.75.
    assert.deepEqual(lines.slice(1).map((line) => Number(line.split(',')[1])), [1.5, 0.75, 0.75, 0.75, 0.75, 1.5])
    assert.ok(log.lines.includes('info: g=a, y=0: 1 rows, weight ×1.500'), log.lines.join('\n'))
  })
})
