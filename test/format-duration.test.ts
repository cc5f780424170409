import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatDuration } from '../src/format-duration.js'

test('durations read short and without spaces at every scale', () => {
  assert.deepEqual(
    [0, 850, 999.4, 999.6, 12_300, 59_940, 59_960, 245_000, 3_599_000, 3_599_600, 7_380_000].map(formatDuration),
    ['0ms', '850ms', '999ms', '1.0s', '12.3s', '59.9s', '1m00s', '4m05s', '59m59s', '1h00m', '2h03m'],
  )
})
