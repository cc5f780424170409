/** describeInputs: each file's sha256 and row count, read at once; a failure is kept with its reason. */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { describeInputs } from '../../src/batch/index.js'
import { tempDir, writeForestData } from './helpers.js'

describe('describeInputs', () => {
  let dir: string
  let remove: () => Promise<void>
  before(async () => {
    ;({ dir, remove } = await tempDir('inputs'))
    await writeForestData(join(dir, 'good.arrow'), 1500, 4)
    await writeFile(join(dir, 'corrupt.parquet'), 'PAR1 this is not a parquet file PAR1')
  })
  after(() => remove())

  test('a readable file gets its sha256 and row count', async () => {
    const [input] = await describeInputs([join(dir, 'good.arrow')], dir)
    assert.equal(input!.display, 'good.arrow')
    assert.equal(input!.rows, 1500)
    assert.equal(input!.sha256, createHash('sha256').update(await readFile(join(dir, 'good.arrow'))).digest('hex'))
    assert.equal(input!.error, undefined)
  })

  test('a file that cannot be counted keeps its sha256 and says why; one that is gone says it could not be read', async () => {
    const [corrupt, gone] = await describeInputs([join(dir, 'corrupt.parquet'), join(dir, 'gone.csv')], dir)
    assert.equal(corrupt!.rows, undefined)
    assert.equal(corrupt!.sha256, createHash('sha256').update(await readFile(join(dir, 'corrupt.parquet'))).digest('hex'))
    assert.match(corrupt!.error!, /corrupt\.parquet/)
    assert.equal(gone!.rows, undefined)
    assert.equal(gone!.sha256, '')
    assert.equal(gone!.error, 'could not read gone.csv (ENOENT)')
  })
})
