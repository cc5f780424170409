/**
 * Data files that lie about themselves (test/fixtures/data/hostile/, made by make_hostile.py from an
 * honest 600-row table): every inconsistency is a DataError naming the file and what is wrong, no
 * claimed size is allocated, and no row is invented. Also the operating-system errors of reading.
 */
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { corruptFileError, fileSystemError, isSystemError } from '../../src/data/data-errors.js'
import { readBatches, readColumnNames, readTable } from '../../src/data/read-table.js'
import type { DataTable } from '../../src/data/table.js'
import { concatTables } from '../../src/data/table.js'
import { DataError } from '../../src/errors.js'

const hostile = new URL('../fixtures/data/hostile/', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'modelship-hostile-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

const FIX = 'Fix: re-write the file with a current writer (e.g. pyarrow or pandas); a file cut short, edited by hand or written by a broken writer looks like this.'

async function rejects(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`)
    assert.equal(error.message, message)
    return true
  })
}

async function drain(path: string, displayName: string): Promise<number> {
  let rows = 0
  for await (const batch of readBatches(path, { displayName, batchRows: 100 })) rows += batch.rowCount
  return rows
}

describe('Parquet footers that lie', () => {
  const cases: Array<[string, string]> = [
    ['rows-negative.parquet', 'the footer claims -5 rows, which is not a row count'],
    // pyarrow reads 600 rows from these: the pages hold 600 values; nothing past them is made up.
    ['rows-1200.parquet', "its only row group: the footer says it holds 1,200 rows, but the pages of column 'x' hold 600 values"],
    ['rows-2e9.parquet', "its only row group: the footer says it holds 2,000,000,000 rows, but the pages of column 'x' hold 600 values"],
    ['rows-1e12.parquet', "its only row group: the footer says it holds 1,000,000,000,000 rows, but the pages of column 'x' hold 600 values"],
    ['total-rows-1200.parquet', 'the footer says the file holds 1,200 rows, but its row groups add up to 600'],
    ['chunk-values-300.parquet', "its only row group claims 600 rows, but its column 'y' claims 300 values"],
    ['chunk-past-end.parquet', "column 'c' of its only row group claims bytes 2,986 to 1,000,002,986, outside the data of the 3,818-byte file"],
  ]
  for (const [name, problem] of cases) {
    it(`${name}: ${problem}`, async () => {
      const message = `data/${name}: not a consistent Parquet file: ${problem}. ${FIX}`
      await rejects(readTable(join(hostile, name), { displayName: `data/${name}` }), message)
      await rejects(drain(join(hostile, name), `data/${name}`), message)
    })
  }

  it('names a codec Modelship cannot decompress (LZO) and how to re-write the file', async () => {
    await rejects(
      readTable(join(hostile, 'codec-lzo.parquet'), { displayName: 'lzo.parquet' }),
      "lzo.parquet: column 'x' is compressed with LZO, which Modelship cannot decompress. Fix: write the file with compression='snappy' (pyarrow's default), 'zstd', 'gzip' or 'lz4'.",
    )
    // Only the columns read need a decoder.
    assert.equal((await readTable(join(hostile, 'codec-lzo.parquet'), { columns: ['y'] })).rowCount, 600)
  })

  it('checks the footer on opening, before a column is listed', async () => {
    await rejects(
      readColumnNames(join(hostile, 'total-rows-1200.parquet'), { displayName: 't.parquet' }),
      `t.parquet: not a consistent Parquet file: the footer says the file holds 1,200 rows, but its row groups add up to 600. ${FIX}`,
    )
  })

  it('reads the honest file the others were made from, in batches smaller than its row group', async () => {
    const table = await readTable(join(hostile, 'honest.parquet'))
    assert.equal(table.rowCount, 600)
    const y = table.columns.get('y')!
    assert.deepEqual(y.kind === 'numeric' && [...y.values.subarray(595)], [0, 1, 2, 3, 4])
    // One row group of 600 rows, read in windows of 70: every batch is a window, and the values agree.
    const batches: DataTable[] = []
    for await (const batch of readBatches(join(hostile, 'honest.parquet'), { batchRows: 70 })) batches.push(batch)
    assert.deepEqual(batches.map((b) => b.rowCount), [70, 70, 70, 70, 70, 70, 70, 70, 40])
    assert.deepEqual(concatTables(batches), table)
  })

  it('reads a row group in windows of the batch size, so a lying count fails at the first missing row', async () => {
    const seen: number[] = []
    await assert.rejects(
      (async () => {
        for await (const batch of readBatches(join(hostile, 'rows-2e9.parquet'), { batchRows: 250 })) seen.push(batch.rowCount)
      })(),
      /its only row group: the footer says it holds 2,000,000,000 rows, but the pages of column 'x' hold 600 values/,
    )
    // The 600 real rows came out in windows; the window after them found no pages and stopped the read.
    assert.deepEqual(seen, [250, 250])
  })
})

describe('Arrow record batches that lie', () => {
  const cases: Array<[string, string]> = [
    ['rows-negative.arrows', "record batch 1 (from row 1), column 'x': the header claims no rows (or a negative count), but the value buffer holds 4,800 bytes"],
    ['rows-1200.arrows', "record batch 1 (from row 1), column 'x': the header claims 1,200 rows, but the validity bitmap covers 600"],
    ['rows-2e9.arrows', "record batch 1 (from row 1), column 'x': the header claims 2,000,000,000 rows, but the validity bitmap covers 600"],
    ['rows-1e12.arrows', "record batch 1 (from row 1), column 'x': the header claims 1,000,000,000,000 rows, but the validity bitmap covers 600"],
    // pyarrow's validate(full=True) refuses these; read on trust they became the first category.
    ['dictionary-index-3.arrow', "column 'c', row 4: dictionary index 3 is outside its dictionary of 3 values"],
    ['dictionary-index-negative.arrow', "column 'c', row 4: dictionary index -1 is outside its dictionary of 3 values"],
  ]
  for (const [name, problem] of cases) {
    it(`${name}: ${problem}`, async () => {
      const message = `data/${name}: not a consistent Arrow IPC file: ${problem}. ${FIX}`
      await rejects(readTable(join(hostile, name), { displayName: `data/${name}` }), message)
      await rejects(drain(join(hostile, name), `data/${name}`), message)
    })
  }

  it('checks every requested column, not only the first', async () => {
    await rejects(
      readTable(join(hostile, 'rows-1200.arrows'), { columns: ['c'], displayName: 'r.arrows' }),
      `r.arrows: not a consistent Arrow IPC file: record batch 1 (from row 1), column 'c': the header claims 1,200 rows, but the offsets buffer holds 600. ${FIX}`,
    )
    await rejects(
      readTable(join(hostile, 'rows-1200.arrows'), { columns: ['y'], displayName: 'r.arrows' }),
      `r.arrows: not a consistent Arrow IPC file: record batch 1 (from row 1), column 'y': the header claims 1,200 rows, but the value buffer holds 600. ${FIX}`,
    )
  })

  it('reads the honest stream the others were made from', async () => {
    const table = await readTable(join(hostile, 'honest.arrows'))
    assert.equal(table.rowCount, 600)
    const c = table.columns.get('c')!
    assert.deepEqual(c.kind === 'categorical' && [c.categories, c.codes[599]], [['red', 'green', 'blue'], 2])
  })
})

describe('operating-system errors while reading', () => {
  it('names a path through a file (ENOTDIR) and a symbolic link loop (ELOOP), for every format', async () => {
    writeFileSync(join(scratch, 'plain'), 'x')
    symlinkSync(join(scratch, 'loop-b.csv'), join(scratch, 'loop-a.csv'))
    symlinkSync(join(scratch, 'loop-a.csv'), join(scratch, 'loop-b.csv'))
    for (const extension of ['csv', 'arrow', 'parquet']) {
      await rejects(
        readTable(join(scratch, 'plain', `t.${extension}`), { displayName: `plain/t.${extension}` }),
        `plain/t.${extension}: a part of the path is a file, not a folder (ENOTDIR). Fix: check the path in the model spec.`,
      )
    }
    await rejects(readTable(join(scratch, 'loop-a.csv'), { displayName: 'loop-a.csv' }), 'loop-a.csv: the path goes through a loop of symbolic links (ELOOP). Fix: point the spec at the real file.')
  })

  it('names a folder where a file is expected, for every format', async () => {
    for (const extension of ['csv', 'arrows', 'parquet']) {
      mkdirSync(join(scratch, `folder.${extension}`))
      await rejects(
        readTable(join(scratch, `folder.${extension}`), { displayName: `folder.${extension}` }),
        `folder.${extension}: is a directory, not a data file. Fix: give the path of a .csv, .arrow or .parquet file.`,
      )
    }
  })

  it('says permission denied, never "not found", for a file that may not be read', async (t) => {
    const denied = Object.assign(new Error("EACCES: permission denied, open 'd.parquet'"), { code: 'EACCES', syscall: 'open', errno: -13 })
    assert.ok(isSystemError(denied))
    const message = 'd.parquet: permission denied (EACCES): the file exists but may not be read. Fix: make it readable by the user that runs Modelship (chmod a+r), or run as that file\'s owner.'
    assert.equal(fileSystemError('d.parquet', denied).message, message)
    // The readers wrap parse failures as "not readable": a system error inside is still told as itself.
    assert.equal(corruptFileError('d.parquet', 'Parquet', denied).message, message)
    const other = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', syscall: 'read' })
    assert.equal(fileSystemError('d.csv', other).message, 'd.csv: could not be read (EIO: EIO: i/o error, read). Fix: check that the file is readable and the disk is healthy, then retry.')
    assert.equal(isSystemError(new Error('parse failed')), false)
    // For real where the tests do not run as root (root reads a file whatever its mode).
    if (process.getuid?.() === 0) return t.skip('running as root: a mode-000 file is still readable')
    for (const name of ['locked.csv', 'locked.arrow', 'locked.parquet']) {
      writeFileSync(join(scratch, name), 'a\n1\n')
      chmodSync(join(scratch, name), 0o000)
      await rejects(readTable(join(scratch, name), { displayName: name }), message.replaceAll('d.parquet', name))
    }
  })
})
