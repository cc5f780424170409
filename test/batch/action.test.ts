import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { run } from '../../actions/batch-score/main.js'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { ModelshipError } from '../../src/errors.js'
import { FOREST, REPO, tempDir, writeForestData } from './helpers.js'

describe('actions/batch-score', () => {
  let dir: string
  let remove: () => Promise<void>
  before(async () => {
    ;({ dir, remove } = await tempDir('action'))
    await writeForestData(join(dir, 'a.parquet'), 900, 1)
    await writeForestData(join(dir, 'b.arrow'), 300, 2)
    await writeFile(join(dir, 'bad.csv'), 'f0,f1,f2,f3,f4,f5\n1,2,3,4,5,6\nx,2,3,4,5,6\n1,,3,4,5,6\n')
  })
  after(() => remove())

  const common = { model: 'forest', path: REPO, source: FOREST, workers: '1', 'batch-rows': '256' }

  test('scores each shard of a matrix, with outputs and a summary table, then merges them', async () => {
    for (const shard of ['0', '1']) {
      const env = createRecordingEnv({ workspace: dir, inputs: { ...common, inputs: '*.parquet\nb.arrow', 'shard-index': shard, 'shard-count': '2', output: `shard-${shard}` } })
      await run(env)
      assert.deepEqual(env.record.outputs, { manifest: join(dir, `shard-${shard}`, 'manifest.json'), output: join(dir, `shard-${shard}`, 'predictions.arrow'), scored: '600', failed: '0' })
      assert.match(env.record.summary, new RegExp(`### Batch scoring of forest, shard ${Number(shard) + 1} of 2: completed`))
      assert.match(env.record.summary, /\| rows \| scored \| failed \| mini-batches \| retries \|\n\| --- \| --- \| --- \| --- \| --- \|\n\| 600 \| 600 \| 0 \|/)
      assert.ok(env.record.log.some((line) => line.includes('scoring 600 rows')), env.record.log.join('\n'))
    }
    const merge = createRecordingEnv({ workspace: dir, inputs: { merge: 'shard-*/manifest.json', output: 'merged' } })
    await run(merge)
    assert.deepEqual(merge.record.outputs, { manifest: join(dir, 'merged', 'manifest.json'), output: join(dir, 'merged', 'predictions.arrow'), scored: '1200', failed: '0' })
    assert.match(merge.record.summary, /### Batch scoring, 2 shards merged: completed/)
  })

  test('fails the step past the error threshold, naming each failed file and row, with the summary written', async () => {
    const env = createRecordingEnv({ workspace: dir, inputs: { ...common, inputs: 'bad.csv', output: 'bad' } })
    await assert.rejects(run(env), (error: unknown) => {
      assert.ok(error instanceof ModelshipError)
      assert.equal(error.message, "2 rows failed, past the error threshold of 0:\n- bad.csv row 1: text in numeric feature 'f0'\n- bad.csv row 2: null in feature 'f1'")
      return true
    })
    assert.equal(env.record.outputs.failed, '2')
    assert.equal(env.record.outputs.output, undefined)
    assert.match(env.record.summary, /\| bad\.csv \| 1 \| text in numeric feature 'f0' \|/)
  })

  test('bad inputs are named with the fix', async () => {
    await assert.rejects(run(createRecordingEnv({ workspace: dir, inputs: { ...common, inputs: 'a.parquet', 'shard-count': 'two' } })), /input 'shard-count': 'two' is not a whole number of at least 1/)
    await assert.rejects(run(createRecordingEnv({ workspace: dir, inputs: { ...common } })), /input 'inputs': is required/)
    await assert.rejects(run(createRecordingEnv({ workspace: dir, inputs: { inputs: 'a.parquet' } })), /input 'model': is required/)
  })
})
