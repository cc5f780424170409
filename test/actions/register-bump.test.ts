import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bumpFromLabels, mergedPullRequest, pullRequestLabels } from '../../actions/register/bump.js'

describe('actions/register: the bump a pull request asks for', () => {
  it('takes the largest release:* label, ignoring case, spacing and other labels', () => {
    assert.equal(bumpFromLabels(['documentation', 'release:minor']), 'minor')
    assert.equal(bumpFromLabels(['release:minor', 'Release: MAJOR', 'release:patch']), 'major')
    assert.equal(bumpFromLabels(['release:patch']), 'patch')
    assert.equal(bumpFromLabels(['release:huge', 'released']), undefined)
    assert.equal(bumpFromLabels([]), undefined)
  })

  it('reads labels from a pull_request payload, nothing from other payloads', () => {
    assert.deepEqual(pullRequestLabels({ pull_request: { number: 3, labels: [{ name: 'release:minor' }, { name: 'bug' }] } }), ['release:minor', 'bug'])
    assert.deepEqual(pullRequestLabels({ pull_request: { number: 3, labels: [] } }), [])
    assert.equal(pullRequestLabels({ head_commit: { message: 'x' } }), undefined)
    assert.equal(pullRequestLabels(undefined), undefined)
  })

  it('finds the pull request a push merged from the subject GitHub writes for merges and squashes', () => {
    assert.equal(mergedPullRequest({ head_commit: { message: 'Merge pull request #12 from acme/feature\n\nTitle' } }), 12)
    assert.equal(mergedPullRequest({ head_commit: { message: 'Retrain churn on January data (#345)\n\n* more' } }), 345)
    assert.equal(mergedPullRequest({ head_commit: { message: 'Fix #12 in the docs\n\n(#13)' } }), undefined)
    assert.equal(mergedPullRequest({ head_commit: null }), undefined)
    assert.equal(mergedPullRequest({}), undefined)
  })
})
