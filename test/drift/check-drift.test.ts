import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Column, DataTable } from '../../src/data/table.js'
import {
  checkDrift, columnDrift, type CurrentColumn, type DriftCurrent, DriftReportSchema, parseDriftReport, referenceFromProfile, referenceFromTable, renderDriftJson,
} from '../../src/drift/index.js'
import { DataError } from '../../src/errors.js'
import { buildReferenceProfile, parseReferenceProfile, renderReferenceProfile, type ReferenceProfile } from '../../src/registry/reference-profile.js'
import { normals } from './support.js'

function numeric(values: ArrayLike<number>): Column {
  return { kind: 'numeric', values: Float64Array.from(values) }
}
function categorical(values: ReadonlyArray<string | null>): Column {
  const categories: string[] = []
  const codes = Int32Array.from(values, (v) => {
    if (v === null) return -1
    let code = categories.indexOf(v)
    if (code < 0) code = categories.push(v) - 1
    return code
  })
  return { kind: 'categorical', codes, categories }
}
function table(columns: Record<string, Column>): DataTable {
  const first = Object.values(columns)[0]!
  return { rowCount: first.kind === 'numeric' ? first.values.length : first.codes.length, columns: new Map(Object.entries(columns)) }
}
/** Current data as the readers fold it: finite numbers kept, nulls and ±∞ counted. */
function current(columns: Record<string, ArrayLike<number> | ReadonlyArray<string | null>>): DriftCurrent {
  const out = new Map<string, CurrentColumn>()
  let rows = 0
  for (const [name, values] of Object.entries(columns)) {
    rows = values.length
    if (typeof values[0] === 'string' || values[0] === null) {
      const counts = new Map<string, number>()
      let nullCount = 0
      for (const v of values as ReadonlyArray<string | null>) {
        if (v === null) nullCount++
        else counts.set(v, (counts.get(v) ?? 0) + 1)
      }
      out.set(name, { kind: 'categorical', rows: values.length, nullCount, counts })
    } else {
      const finite: number[] = []
      let nullCount = 0
      let nonFinite = 0
      for (let i = 0; i < values.length; i++) {
        const v = (values as ArrayLike<number>)[i]!
        if (Number.isNaN(v)) nullCount++
        else if (!Number.isFinite(v)) nonFinite++
        else finite.push(v)
      }
      out.set(name, { kind: 'numeric', rows: values.length, nullCount, nonFinite, typeErrors: 0, values: Float64Array.from(finite) })
    }
  }
  return { source: 'dataset', location: 'current.csv', files: ['current.csv'], rows, window: null, columns: out }
}
const raw = (t: DataTable) => referenceFromTable(t, { source: 'data', location: 'train.csv' })
const fromProfile = (p: ReferenceProfile) => referenceFromProfile(parseReferenceProfile(renderReferenceProfile(p)), { source: 'profile', location: 'reference-profile.json' })
const options = { model: 'churn', checkedAt: '2026-12-01T00:00:00.000Z' }

describe('checkDrift', () => {
  const refTable = table({
    tenure: numeric(normals(5000, 1, 10, 3)),
    charges: numeric(normals(5000, 2, 50, 5)),
    calls: numeric(Array.from({ length: 5000 }, (_, i) => i % 4)),
    contract: categorical(Array.from({ length: 5000 }, (_, i) => ['monthly', 'yearly', 'two-year'][i % 3]!)),
  })
  const cur = {
    tenure: normals(3000, 3, 11, 3),
    charges: normals(3000, 4, 50, 5),
    calls: Float64Array.from({ length: 3000 }, (_, i) => (i % 5 === 0 ? 3 : i % 4)),
    contract: Array.from({ length: 3000 }, (_, i) => ['monthly', 'yearly', 'two-year'][i % 5 === 0 ? 0 : i % 3]!),
  }

  it("gives each feature the preset's method and exactly columnDrift's score, and a schema-valid drift.json", () => {
    const report = checkDrift(raw(refTable), current(cur), options)
    for (const f of report.features) {
      const c = refTable.columns.get(f.name)!
      const expected = columnDrift(
        f.name,
        c.kind === 'numeric' ? { kind: 'numeric', values: c.values } : { kind: 'categorical', values: Array.from(c.codes, (k) => c.categories[k]!) },
        f.kind === 'numeric' ? { kind: 'numeric', values: cur[f.name as 'tenure'] } : { kind: 'categorical', values: cur.contract },
      )
      assert.equal(f.status, 'checked')
      assert.equal(f.method, expected.method, f.name)
      assert.equal(f.score, expected.score, f.name)
      assert.equal(f.drifted, expected.drifted, f.name)
      assert.equal(f.exact, true)
    }
    assert.deepEqual(report.features.map((f) => [f.name, f.method, f.drifted]), [
      ['tenure', 'wasserstein', true],
      ['charges', 'wasserstein', false],
      ['calls', 'jensenshannon', true],
      ['contract', 'jensenshannon', false],
    ])
    assert.deepEqual(report.dataset, { columns: 4, driftedColumns: 2, share: 0.5, driftShare: 0.5, drifted: true })
    assert.equal(DriftReportSchema.safeParse(report).success, true)
    assert.deepEqual(parseDriftReport(renderDriftJson(report)), JSON.parse(renderDriftJson(report)))
  })

  it('gives the same scores, bit for bit, from a stored profile below its cap as from the raw data', () => {
    const fromRaw = checkDrift(raw(refTable), current(cur), options)
    const stored = checkDrift(fromProfile(buildReferenceProfile(refTable)), current(cur), options)
    assert.deepEqual(
      stored.features.map((f) => [f.name, f.method, f.score, f.statistics, f.exact]),
      fromRaw.features.map((f) => [f.name, f.method, f.score, f.statistics, f.exact]),
    )
  })

  it('stays within the stated error bound from a quantile sketch (above the cap), and says it is approximate', () => {
    // 20,000 rows squeezed into a 200-knot sketch: every score must be within its bound of the exact one.
    // z moves far past the reference's maximum, so histogram edges fall beyond the sketch's last knot.
    const big = table({ x: numeric(normals(20_000, 5)), y: numeric(normals(20_000, 6, 0, 2)), z: numeric(normals(20_000, 9)) })
    const curBig = { x: normals(8000, 7, 0.05), y: normals(8000, 8, 0, 2), z: normals(8000, 10, 6) }
    const exact = checkDrift(raw(big), current(curBig), options)
    for (const method of ['wasserstein', 'ks'] as const) {
      const sketch = checkDrift(fromProfile(buildReferenceProfile(big, { exactMaxValues: 1000, sketchKnots: 200 })), current(curBig), { ...options, method })
      const truth = checkDrift(raw(big), current(curBig), { ...options, method })
      for (const [i, f] of sketch.features.entries()) {
        assert.equal(f.status, 'checked', `${f.name} ${method}: ${f.reason}`)
        assert.equal(f.exact, false)
        assert.ok(f.errorBound !== null && f.errorBound >= 0, `${f.name} ${method}: a bound`)
        const error = Math.abs(f.score! - truth.features[i]!.score!)
        assert.ok(error <= f.errorBound!, `${f.name} ${method}: error ${error} within ${f.errorBound}`)
        // The KS statistic itself is off by at most maxGap/n (1/200 here).
        assert.ok(Math.abs(f.statistics.ksStatistic! - truth.features[i]!.statistics.ksStatistic!) <= 1 / 200 + 1e-12)
      }
    }
    assert.equal(exact.features[0]!.exact, true)
  })

  it('reads a format 1 profile: exact for columns with value counts, PSI on its fixed bins for the rest, and says so', () => {
    const v2 = buildReferenceProfile(refTable)
    const v1 = JSON.parse(renderReferenceProfile(v2)) as ReferenceProfile & { schema: string }
    v1.schema = 'modelship/reference-profile@1'
    for (const f of Object.values(v1.features)) if (f.kind === 'numeric') delete f.sample
    const report = checkDrift(fromProfile(v1), current(cur), options)
    const byName = new Map(report.features.map((f) => [f.name, f]))
    assert.equal(byName.get('calls')!.exact, true)
    assert.equal(byName.get('calls')!.score, checkDrift(raw(refTable), current(cur), options).features[2]!.score)
    const tenure = byName.get('tenure')!
    assert.equal(tenure.method, 'psi')
    assert.equal(tenure.exact, false)
    assert.match(tenure.reason!, /format 1\) holds no sorted sample of 'tenure'.*judged by psi on the reference's 10 fixed bins/)
    // A method that needs the sorted values is not faked from the bins: the column is skipped, saying why.
    const strict = checkDrift(fromProfile(v1), current(cur), { ...options, perFeature: { tenure: { method: 'ks' } } })
    const skipped = strict.features.find((f) => f.name === 'tenure')!
    assert.deepEqual([skipped.status, skipped.reason], ['skipped', "the reference profile (format 1) holds no sorted sample of 'tenure' for KS or Wasserstein; re-register the version to write format 2, or pass the training data as --reference"])
  })

  it('refuses a profile format it does not know, saying which and what to do', () => {
    const text = renderReferenceProfile(buildReferenceProfile(refTable)).replace('reference-profile@2', 'reference-profile@3')
    assert.throws(() => parseReferenceProfile(text, 'p.json'), (e: unknown) => e instanceof DataError && e.message === "p.json: reference profile format 'modelship/reference-profile@3'; this modelship reads formats 1 to 2. Fix: upgrade modelship to read it.")
    assert.throws(() => parseReferenceProfile(text.replace('@3', '@0'), 'p.json'), /format 'modelship\/reference-profile@0'.*Fix: re-register the version with this modelship/)
    assert.throws(() => parseReferenceProfile('{"schema": "something"}', 'p.json'), /p.json: not a reference profile \(its "schema" is "something"/)
    assert.throws(() => parseReferenceProfile('{', 'p.json'), /p.json: not JSON/)
    const damaged = JSON.parse(renderReferenceProfile(buildReferenceProfile(refTable))) as { features: { tenure: { sample: { values: string } } } }
    damaged.features.tenure.sample.values = 'AAAA'
    const profile = parseReferenceProfile(JSON.stringify(damaged))
    assert.throws(() => referenceFromProfile(profile, { source: 'profile', location: 'p.json' }), /p.json: tenure.sample.values: 3 bytes is not a whole number of float64 values/)
  })
})

describe('checkDrift bad input: findings, not crashes, and never a verdict on nothing', () => {
  const ref = raw(table({ age: numeric(normals(2000, 11, 40, 8)), city: categorical(Array.from({ length: 2000 }, (_, i) => ['a', 'b'][i % 2]!)), income: numeric(normals(2000, 12, 5, 1)) }))

  it('reports a missing feature, a column of the wrong type and an all-null column, and checks the rest', () => {
    const report = checkDrift(ref, current({ age: normals(500, 13, 40, 8), city: Float64Array.from({ length: 500 }, () => 7) as ArrayLike<number> }), options)
    const byName = new Map(report.features.map((f) => [f.name, f]))
    assert.equal(byName.get('age')!.status, 'checked')
    assert.deepEqual([byName.get('city')!.status, byName.get('city')!.reason], ['skipped', 'numbers in the current data where the reference has categories'])
    assert.deepEqual([byName.get('income')!.status, byName.get('income')!.reason], ['skipped', 'not in the current data'])
    assert.deepEqual(report.quality.map((q) => [q.column, q.kind, q.severity]), [['city', 'wrong-type', 'error'], ['income', 'missing-column', 'error']])
    assert.equal(report.dataset.columns, 1)
  })

  it('leaves NaN and infinities out, with findings, and refuses a column with nothing finite', () => {
    const values = Array.from(normals(1000, 14, 40, 8))
    values[3] = Number.POSITIVE_INFINITY
    values[4] = Number.NEGATIVE_INFINITY
    for (let i = 0; i < 100; i++) values[10 + i] = Number.NaN
    const income = Float64Array.from({ length: 1000 }, (_, i) => (i % 2 ? Number.NaN : Number.POSITIVE_INFINITY))
    const report = checkDrift(ref, current({ age: values, city: Array.from({ length: 1000 }, () => 'a'), income }), options)
    const age = report.features.find((f) => f.name === 'age')!
    assert.equal(age.status, 'checked')
    assert.equal(age.current.usable, 898)
    const messages = report.quality.map((q) => `${q.column} ${q.kind} ${q.severity}: ${q.message}`)
    assert.ok(messages.includes("age non-finite warning: 2 of 1000 current rows of 'age' are ±infinity; they were left out of the statistics."), messages.join('\n'))
    assert.ok(messages.includes("age nulls warning: 'age' is null in 10.0% of the current rows (100 of 1000) against 0.00% in the reference; nulls were left out of the statistics."), messages.join('\n'))
    assert.ok(messages.includes("income nulls error: 'income' has no finite current value (1000 rows: nulls, infinities or text); it was not checked."), messages.join('\n'))
    assert.equal(report.features.find((f) => f.name === 'income')!.status, 'skipped')
  })

  it('reports unseen categories and values outside the reference range', () => {
    const report = checkDrift(ref, current({ age: normals(1000, 15, 80, 8), city: Array.from({ length: 1000 }, (_, i) => (i < 100 ? 'c' : i < 150 ? 'd' : 'a')), income: normals(1000, 16, 5, 1) }), options)
    const messages = report.quality.map((q) => q.message)
    assert.ok(messages.includes("150 current rows of 'city' hold categories the reference never saw: 'c', 'd'."), messages.join('\n'))
    assert.ok(messages.some((m) => /^\d+ of 1000 current rows of 'age' lie outside the reference's range \[.*\] \(0 below, \d+ above\)\.$/.test(m)), messages.join('\n'))
    assert.equal(report.features.find((f) => f.name === 'city')!.drifted, true)
  })

  it('refuses an empty current side and a check where no feature could be judged', () => {
    const empty: DriftCurrent = { source: 'prediction-logs', location: 'logs', files: [], rows: 0, window: { start: '2026-12-01T00:00:00.000Z', end: '2026-12-08T00:00:00.000Z', duration: '7d' }, columns: new Map() }
    assert.throws(() => checkDrift(ref, empty, options), (e: unknown) => e instanceof DataError && e.message === 'drift: the current data (logs) has no rows in the window 2026-12-01T00:00:00.000Z to 2026-12-08T00:00:00.000Z; a drift verdict needs data. Fix: widen --window, or check that the server is logging predictions.')
    assert.throws(
      () => checkDrift(ref, current({ other: [1, 2, 3] }), options),
      (e: unknown) => e instanceof DataError && e.message === 'drift: no feature could be checked (age: not in the current data; city: not in the current data; income: not in the current data); refusing to give a verdict on nothing',
    )
  })

  it('skips a column whose method cannot judge it, with the reason', () => {
    const report = checkDrift(ref, current({ age: normals(300, 17, 40, 8), city: Array.from({ length: 300 }, () => 'a'), income: normals(300, 18, 5, 1) }), { ...options, perFeature: { city: { method: 'ks' } } })
    const city = report.features.find((f) => f.name === 'city')!
    assert.deepEqual([city.status, city.reason], ['skipped', "method 'ks' needs a numeric column; 'city' is categorical (use chisquare, z, psi or jensenshannon)"])
  })
})
