import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { safeText } from '../../src/spec/safe-text.js'
import { redactSecrets } from '../../src/spec/secrets.js'

describe('safeText', () => {
  it('writes control characters, separators and bidi marks as escapes', () => {
    assert.equal(safeText('a\nb\r\tc\u001b[31md\u0085e\u2028f\u202eg\u0000'), 'a\\nb\\r\\tc\\u001b[31md\\u0085e\\u2028f\\u202eg\\u0000')
  })

  it('keeps ordinary text, non-ASCII letters and :: as they are', () => {
    assert.equal(safeText("'données 😀' is not a metric; did you mean 'r2'? a::b"), "'données 😀' is not a metric; did you mean 'r2'? a::b")
  })

  it('cuts a long word and a long text', () => {
    assert.equal(safeText(`'${'x'.repeat(200)}' is bad`), `'${'x'.repeat(59)}…(202 characters) is bad`)
    const long = safeText('ab '.repeat(1000))
    assert.equal(long.length, 2000 + '…(cut)'.length)
    assert.ok(long.endsWith('…(cut)'))
  })

  it('redacts secrets, keeping only their public prefix', () => {
    assert.equal(safeText('params["ghp_R2d2C3poXwingYodaLukeLeia0123456789ab"]'), 'params["ghp_…"]')
  })
})

describe('redactSecrets', () => {
  it('replaces each secret by its prefix and leaves the rest', () => {
    assert.equal(
      redactSecrets('use sk_live_4eC39HqLyjWDarjtT1zdp7dc and postgres://admin:Zq8xk2Secret@db/x, not ${DB}'),
      'use sk_live_… and postgres://…db/x, not ${DB}',
    )
    assert.equal(redactSecrets('key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here'), 'key … here')
    assert.equal(redactSecrets('nothing to hide in data/churn/train.csv'), 'nothing to hide in data/churn/train.csv')
  })
})
