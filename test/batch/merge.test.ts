import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { tableFromIPC } from 'apache-arrow'
import { mergeShards } from '../../src/batch/index.js'
import { UsageError } from '../../src/errors.js'
import { sha256File } from '../../src/fs/sha256.js'
import { scoreForest, tempDir, writeForestData } from './helpers.js'

describe('shards and batch-score merge', () => {
  let dir: string
  let remove: () => Promise<void>
  const files = ['a.parquet', 'b.csv', 'c.arrow']
  before(async () => {
    ;({ dir, remove } = await tempDir('merge'))
    await writeForestData(join(dir, 'a.parquet'), 1100, 1)
    await writeForestData(join(dir, 'b.csv'), 250, 2)
    await writeForestData(join(dir, 'c.arrow'), 900, 3)
    for (const format of ['arrow', 'parquet', 'csv'] as const) {
      for (let i = 0; i < 3; i++) await scoreForest(dir, files, { outputDir: join(dir, `${format}-${i}`), format, shardIndex: i, shardCount: 3, workers: 1 })
    }
  })
  after(() => remove())

  test('three shards split the rows (never overlapping) and merge into one result holding every row once, in order', async () => {
    const shards = await Promise.all([0, 1, 2].map(async (i) => JSON.parse(await readFile(join(dir, `arrow-${i}`, 'manifest.json'), 'utf8'))))
    assert.deepEqual(shards.map((m) => m.counts.rows), [750, 750, 750])
    assert.deepEqual(shards[1].inputs.map((input: { ranges: unknown }) => input.ranges), [[{ start: 750, end: 1100 }], [{ start: 0, end: 250 }], [{ start: 0, end: 150 }]])
    const merged = await mergeShards({ manifests: [2, 0, 1].map((i) => join(dir, `arrow-${i}`, 'manifest.json')), outputDir: join(dir, 'merged') })
    assert.equal(merged.manifest.status, 'completed')
    assert.deepEqual(merged.manifest.counts, { rows: 2250, scored: 2250, failed: 0, batches: shards.reduce((sum, m) => sum + m.counts.batches, 0), retries: 0 })
    assert.equal(merged.manifest.outputs[0]!.sha256, await sha256File(join(dir, 'merged', 'predictions.arrow')))
    const table = tableFromIPC(await readFile(join(dir, 'merged', 'predictions.arrow')))
    const keys = Array.from(table, (row) => `${row.source_file}:${row.row_id}`)
    const want = [...Array.from({ length: 1100 }, (_, i) => `a.parquet:${i}`), ...Array.from({ length: 250 }, (_, i) => `b.csv:${i}`), ...Array.from({ length: 900 }, (_, i) => `c.arrow:${i}`)]
    assert.deepEqual(keys, want)
    assert.match(merged.summary, /### Batch scoring, 3 shards merged: completed/)
    assert.match(merged.summary, /\| 2,250 \| 2,250 \| 0 \|/)
    assert.equal(await readFile(join(dir, 'merged', 'summary.md'), 'utf8'), merged.summary)
  })

  test('Parquet and CSV shards merge too, to the same rows', async () => {
    const arrow = tableFromIPC(await readFile(join(dir, 'merged', 'predictions.arrow')))
    for (const format of ['parquet', 'csv'] as const) {
      const merged = await mergeShards({ manifests: [0, 1, 2].map((i) => join(dir, `${format}-${i}`)), outputDir: join(dir, `merged-${format}`) })
      assert.equal(merged.manifest.outputs[0]!.rows, 2250)
      const { readBatches } = await import('../../src/data/read-table.js')
      let rows = 0
      for await (const batch of readBatches(join(dir, `merged-${format}`, `predictions.${format}`))) {
        const ids = batch.columns.get('row_id')!
        assert.equal(ids.kind, 'numeric')
        for (let i = 0; i < batch.rowCount; i++) assert.equal(BigInt(ids.values[i]!), arrow.get(rows + i)!.row_id)
        rows += batch.rowCount
      }
      assert.equal(rows, 2250)
    }
  })

  test('refuses shards that do not fit together, listing every problem', async () => {
    const problems = async (manifests: string[]) => {
      try {
        await mergeShards({ manifests, outputDir: join(dir, 'refused') })
      } catch (error) {
        assert.ok(error instanceof UsageError)
        return error.message
      }
      assert.fail('merged')
    }
    const m = (format: string, i: number) => join(dir, `${format}-${i}`, 'manifest.json')
    assert.match(await problems([m('arrow', 0), m('arrow', 2)]), /the shards do not merge: 1 problem\n {2}- shard 1 of 3 is missing/)
    assert.match(await problems([m('arrow', 0), m('arrow', 1), m('arrow', 1), m('arrow', 2)]), /shard 1 is given 2 times/)
    assert.match(await problems([m('arrow', 0), m('parquet', 1), m('arrow', 2)]), /expected one output in the format of the other shards/)

    // Another model version, and an output changed after its shard finished.
    const other = JSON.parse(await readFile(m('arrow', 1), 'utf8'))
    other.model.sha256 = 'f'.repeat(64)
    await writeFile(join(dir, 'other-model.json'), JSON.stringify(other))
    assert.match(await problems([m('arrow', 0), join(dir, 'other-model.json'), m('arrow', 2)]), /scored with forest v0\.0\.1 \(sha256 ffffffffffff\), but .* with forest v0\.0\.1/)
    const shifted = JSON.parse(await readFile(m('arrow', 1), 'utf8'))
    shifted.inputs[0].ranges = [{ start: 700, end: 1100 }]
    await writeFile(join(dir, 'arrow-1', 'shifted.json'), JSON.stringify(shifted))
    assert.match(await problems([m('arrow', 0), join(dir, 'arrow-1', 'shifted.json'), m('arrow', 2)]), /a\.parquet: rows 700-750 are in more than one shard/)
    await writeFile(join(dir, 'arrow-2', 'predictions.arrow'), 'cut short')
    assert.match(await problems([m('arrow', 0), m('arrow', 1), m('arrow', 2)]), /predictions\.arrow: sha256 \w{12} is not the \w{12} its manifest recorded; the shard's output was changed or cut short/)
    await writeFile(join(dir, 'junk.json'), '{"manifestVersion": 1}')
    assert.match(await problems([join(dir, 'junk.json')]), /junk\.json is not a batch-score manifest: status/)
    assert.match(await problems([join(dir, 'nowhere.json')]), /nowhere\.json does not exist/)
  })
})
