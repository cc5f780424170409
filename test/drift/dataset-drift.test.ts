import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { datasetDrift } from '../../src/drift/index.js'
import { DataError } from '../../src/errors.js'

const verdicts = (...drifted: boolean[]) => drifted.map((d) => ({ drifted: d }))

describe('datasetDrift', () => {
  it('drifts when the drifted share reaches drift-share (0.5 by default)', () => {
    assert.deepEqual(datasetDrift(verdicts(true, false)), { columns: 2, driftedColumns: 1, share: 0.5, drifted: true })
    assert.deepEqual(datasetDrift(verdicts(true, false, false)), { columns: 3, driftedColumns: 1, share: 1 / 3, drifted: false })
    assert.equal(datasetDrift(verdicts(true, false, false), 0.3).drifted, true)
  })

  it('refuses no columns and a share outside (0, 1]', () => {
    assert.throws(() => datasetDrift([]), (e: unknown) => e instanceof DataError && e.message === 'drift: no columns were compared; a dataset verdict needs at least one column')
    assert.throws(() => datasetDrift(verdicts(true), 0), (e: unknown) => e instanceof DataError && e.message === 'drift-share is 0; expected a share above 0 and at most 1 (default 0.5)')
    assert.throws(() => datasetDrift(verdicts(true), Number.NaN), (e: unknown) => e instanceof DataError && /drift-share is NaN/.test(e.message))
  })
})
