import assert from 'node:assert/strict'
import { test } from 'node:test'
import { modelsOfPaths } from '../../src/pr-gate/index.js'

// Over-inclusive on purpose (vision:detector:data is no model): the list only allows reports, and
// the trusted side cannot tell spec folders from other folders without reading the pull request.
test('a changed path names every model folder on its way, nested names with a colon', () => {
  assert.deepEqual(modelsOfPaths(['models/churn/model.yaml', 'models/vision/detector/train.py', 'models/vision/detector/data/x.csv']), ['churn', 'vision', 'vision:detector', 'vision:detector:data'])
})

test('paths outside a model folder name no model', () => {
  assert.deepEqual(modelsOfPaths(['models/README.md', 'data/train.csv', 'modelsx/churn/a.py', 'README.md']), [])
})
