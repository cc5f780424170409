import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { editDistance, suggest } from '../../src/spec/index.js'
import { didYouMean } from '../../src/spec/did-you-mean.js'

describe('editDistance', () => {
  it('counts inserts, deletes, substitutions and adjacent swaps', () => {
    assert.equal(editDistance('', 'abc'), 3)
    assert.equal(editDistance('kitten', 'sitting'), 3)
    assert.equal(editDistance('treshold', 'threshold'), 1)
    assert.equal(editDistance('gpsu', 'gpus'), 1)
    assert.equal(editDistance('same', 'same'), 0)
  })
})

describe('suggest', () => {
  const keys = ['command', 'working-directory', 'environment', 'compute', 'params', 'cache']
  it('matches across case and separators', () => {
    assert.equal(suggest('workingDirectory', keys), 'working-directory')
    assert.equal(suggest('rocauc', ['roc_auc', 'pr_auc']), 'roc_auc')
  })
  it('completes a prefix or an abbreviation when only one candidate fits', () => {
    assert.equal(suggest('workdir', keys), 'working-directory')
    assert.equal(suggest('binary', ['binary-classification', 'multiclass-classification', 'regression']), 'binary-classification')
    assert.equal(suggest('com', keys), undefined)
  })
  it('suggests nothing when no candidate is close', () => {
    assert.equal(suggest('labels', keys), undefined)
    assert.equal(didYouMean('labels', keys), '')
    assert.equal(didYouMean('paramz', keys), "; did you mean 'params'?")
  })
})
