import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { chooseDriftMethod, isDrifted } from '../../src/drift/index.js'
import { DataError } from '../../src/errors.js'

describe('chooseDriftMethod (Evidently preset)', () => {
  it('picks tests up to 1000 reference rows and distances above', () => {
    assert.equal(chooseDriftMethod({ kind: 'numeric', referenceRows: 1000, uniqueValues: 6 }), 'ks')
    assert.equal(chooseDriftMethod({ kind: 'numeric', referenceRows: 1000, uniqueValues: 5 }), 'chisquare')
    assert.equal(chooseDriftMethod({ kind: 'numeric', referenceRows: 1000, uniqueValues: 2 }), 'z')
    assert.equal(chooseDriftMethod({ kind: 'categorical', referenceRows: 10, uniqueValues: 40 }), 'chisquare')
    assert.equal(chooseDriftMethod({ kind: 'categorical', referenceRows: 10, uniqueValues: 1 }), 'z')
    assert.equal(chooseDriftMethod({ kind: 'numeric', referenceRows: 1001, uniqueValues: 6 }), 'wasserstein')
    assert.equal(chooseDriftMethod({ kind: 'numeric', referenceRows: 1001, uniqueValues: 5 }), 'jensenshannon')
    assert.equal(chooseDriftMethod({ kind: 'categorical', referenceRows: 5000, uniqueValues: 300 }), 'jensenshannon')
  })

  it('refuses a column with no reference rows or no values', () => {
    assert.throws(() => chooseDriftMethod({ kind: 'numeric', referenceRows: 0, uniqueValues: 3 }), (e: unknown) => e instanceof DataError && /no usable rows/.test(e.message))
    assert.throws(() => chooseDriftMethod({ kind: 'numeric', referenceRows: 3, uniqueValues: 0 }), (e: unknown) => e instanceof DataError && /no values on either side/.test(e.message))
  })
})

describe('isDrifted', () => {
  it('uses Evidently\'s directions at the threshold itself', () => {
    assert.equal(isDrifted('ks', 0.05), true)
    assert.equal(isDrifted('chisquare', 0.05), false)
    assert.equal(isDrifted('z', 0.049), true)
    assert.equal(isDrifted('wasserstein', 0.1), true)
    assert.equal(isDrifted('jensenshannon', 0.099), false)
    assert.equal(isDrifted('psi', 0.3, 0.25), true)
  })

  it('gives no verdict on NaN', () => {
    assert.throws(() => isDrifted('psi', Number.NaN), (e: unknown) => e instanceof DataError && e.message === 'drift: the psi score is NaN; refusing to give a verdict on it')
  })
})
