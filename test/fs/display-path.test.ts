import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { displayPath } from '../../src/fs/display-path.js'

describe('displayPath', () => {
  const repo = '/work/models'
  it('is relative below the folder, and . for the folder itself', () => {
    assert.equal(displayPath('/work/models/.modelship/outputs/churn', repo, repo), '.modelship/outputs/churn')
    assert.equal(displayPath(repo, repo, repo), '.')
  })
  it('climbs from a subfolder of the repository to a path inside it', () => {
    assert.equal(displayPath('/work/models/models/churn/model.yaml', '/work/models/data', repo), '../models/churn/model.yaml')
  })
  it('is absolute for a path outside the repository (a run folder in RUNNER_TEMP), even from inside it', () => {
    assert.equal(displayPath('/tmp/runner/modelship-run', '/work/models/data', repo), '/tmp/runner/modelship-run')
  })
  it('is absolute for a repository outside the current folder', () => {
    assert.equal(displayPath('/work/models/models/churn/model.yaml', '/home/me', repo), '/work/models/models/churn/model.yaml')
    assert.equal(displayPath('/work/models-old/x', repo, repo), '/work/models-old/x', 'a sibling whose name starts the same is outside')
  })
  it('without a repository, is absolute whenever it would climb', () => {
    assert.equal(displayPath('/work/other/x', repo), '/work/other/x')
    assert.equal(displayPath('/work', repo), '/work')
    assert.equal(displayPath('/work/models/a/b', repo), 'a/b')
  })
})
