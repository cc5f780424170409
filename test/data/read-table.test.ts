import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { DataError } from '../../src/errors.js'
import { dataFormat, readBatches, readColumnNames, readTable } from '../../src/data/read-table.js'
import type { CategoricalColumn, DataTable } from '../../src/data/table.js'
import { concatTables, valueAt } from '../../src/data/table.js'

const fixtures = new URL('../fixtures/data/', import.meta.url).pathname
const fixture = (name: string): string => join(fixtures, name)
const FORMATS = ['churn.csv', 'churn.arrow', 'churn.arrows', 'churn.feather', 'churn-dictionary.ipc', 'churn.parquet']
const scratch = mkdtempSync(join(tmpdir(), 'modelship-data-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

/** Rows as plain values, for comparing tables whatever their encoding. */
function rows(table: DataTable): Array<Array<number | string | null>> {
  return Array.from({ length: table.rowCount }, (_, i) => [...table.columns.values()].map((c) => valueAt(c, i)))
}

async function rejects(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`)
    assert.equal(error.message, message)
    return true
  })
}

describe('readTable', () => {
  it('reads the same table from CSV, Arrow file, Arrow stream, Feather, dictionary-encoded IPC and Parquet', async () => {
    const expected = await readTable(fixture('churn.csv'))
    assert.deepEqual([...expected.columns.keys()], ['tenure', 'monthly_charges', 'contract', 'support_calls', 'gender', 'churned'])
    assert.deepEqual(rows(expected)[2], [2, null, 'month', 2, 'M', 1])
    assert.deepEqual(rows(expected)[7], [28, 104.8, 'say "hi"', 3, 'M', 1])
    for (const name of FORMATS.slice(1)) {
      const table = await readTable(fixture(name))
      // Same kinds, same typed arrays, same dictionaries (first-appearance order), not just same values.
      assert.deepEqual(table, expected, name)
    }
  })

  it('decodes gzip and zstd Parquet and zstd Arrow on every Node (zstd: node:zlib from 22.15, else fzstd)', async () => {
    const expected = await readTable(fixture('churn.csv'))
    assert.deepEqual(await readTable(fixture('churn-gzip.parquet')), expected)
    assert.deepEqual(await readTable(fixture('churn-zstd.parquet')), expected)
    assert.deepEqual(await readTable(fixture('churn-zstd.feather')), expected)
  })

  it("decodes LZ4: Feather's default (LZ4 frames) and Parquet LZ4_RAW", async () => {
    const expected = await readTable(fixture('churn.csv'))
    assert.deepEqual(await readTable(fixture('churn-lz4.feather')), expected)
    assert.deepEqual(await readTable(fixture('churn-lz4.parquet')), expected)
  })

  it('reads only the requested columns, in the requested order', async () => {
    for (const name of FORMATS) {
      const table = await readTable(fixture(name), { columns: ['churned', 'gender'] })
      assert.deepEqual([...table.columns.keys()], ['churned', 'gender'], name)
      assert.deepEqual(rows(table)[0], [0, 'F'])
    }
  })

  it('reads a numeric-looking column as text when asked', async () => {
    for (const name of FORMATS) {
      const table = await readTable(fixture(name), { columns: ['support_calls'], categorical: ['support_calls'] })
      const column = table.columns.get('support_calls')!
      assert.equal(column.kind, 'categorical', name)
      assert.deepEqual(column.kind === 'categorical' && column.categories, ['0', '1', '2', '5', '3'], name)
    }
  })

  it('lists the columns of a file without reading rows', async () => {
    assert.deepEqual(await readColumnNames(fixture('churn.parquet')), ['tenure', 'monthly_charges', 'contract', 'support_calls', 'gender', 'churned'])
  })

  it('names a missing column, lists the columns present and suggests the close one', async () => {
    for (const name of FORMATS) {
      await rejects(
        readTable(fixture(name), { columns: ['tenur', 'churned', 'region'], displayName: 'data/test' }),
        "data/test: columns 'tenur' (did you mean 'tenure'?), 'region' not found; the file has 6 columns: tenure, monthly_charges, contract, support_calls, gender, churned. Fix: correct the name in the model spec or add the column to the file.",
      )
    }
  })

  it('counts nulls in a column that must be complete and names the first row', async () => {
    for (const name of FORMATS) {
      await rejects(
        readTable(fixture(name), { notNull: ['tenure', 'contract'], displayName: 'test.data' }),
        "test.data: column 'contract' has 1 null/NaN value (first at row 5); features and the target must be complete. Fix: fill or drop those rows before evaluation.",
      )
    }
  })

  it('refuses text in a numeric column, naming the row (and the line for CSV)', async () => {
    await rejects(
      readTable(fixture('text-in-numeric.csv'), { numeric: ['tenure'], displayName: 'bad.csv' }),
      "bad.csv: column 'tenure' must be numeric, but row 3 (line 4) holds 'abc'. Fix: correct or remove that row, or if 'tenure' is really text, feed it to the model as a string input.",
    )
    for (const name of ['churn.arrow', 'churn.parquet', 'churn-dictionary.ipc']) {
      await rejects(
        readTable(fixture(name), { numeric: ['gender'], displayName: 'x' }),
        "x: column 'gender' must be numeric, but row 1 holds 'F'. Fix: correct or remove that row, or if 'gender' is really text, feed it to the model as a string input.",
      )
    }
    // Undeclared, the same column is simply text.
    const table = await readTable(fixture('text-in-numeric.csv'))
    assert.equal(table.columns.get('tenure')!.kind, 'categorical')
  })

  it('explains missing, empty, header-only, corrupt and unknown-format files', async () => {
    await rejects(
      readTable(fixture('absent.parquet'), { displayName: 'data/absent.parquet' }),
      'data/absent.parquet: file not found. Fix: check the path in the model spec (paths are relative to the repository root) and that the file is committed or fetched.',
    )
    await rejects(
      readTable(fixture('empty.csv'), { displayName: 'e.csv' }),
      'e.csv: the file is empty (0 bytes). Fix: re-export the data; an interrupted write or a missing Git LFS fetch leaves empty files.',
    )
    await rejects(readTable(fixture('empty.parquet'), { displayName: 'e.parquet' }), 'e.parquet: the file is empty (0 bytes). Fix: re-export the data; an interrupted write or a missing Git LFS fetch leaves empty files.')
    await rejects(
      readTable(fixture('header-only.csv'), { displayName: 'h.csv' }),
      'h.csv: the file holds column names but no rows. Fix: point the spec at the file with the data, or re-export it.',
    )
    await assert.rejects(readTable(fixture('corrupt.parquet'), { displayName: 'c.parquet' }), (error: unknown) => {
      assert.ok(error instanceof DataError)
      assert.match(error.message, /^c\.parquet: not a readable Parquet file \(.+\)\. Fix: re-write the file with a current writer \(e\.g\. pyarrow or pandas\) and check it was not truncated or stored as a Git LFS pointer\.$/)
      return true
    })
    await assert.rejects(readTable(fixture('corrupt.arrow'), { displayName: 'c.arrow' }), /^DataError: c\.arrow: not a readable Arrow IPC file \(/)
    await rejects(
      readTable(fixture('data.json'), { displayName: 'data.json' }),
      "data.json: extension '.json' is not a data format Modelship reads; expected .csv, .arrow, .arrows, .feather, .ipc, .parquet. Fix: convert the file to CSV, Arrow IPC or Parquet and name it so.",
    )
    mkdirSync(join(scratch, 'dir.csv'))
    await rejects(readTable(join(scratch, 'dir.csv'), { displayName: 'dir.csv' }), 'dir.csv: is a directory, not a data file. Fix: give the path of a .csv, .arrow or .parquet file.')
  })

  it('reports CSV structure errors with line numbers', async () => {
    await rejects(
      readTable(fixture('ragged.csv'), { displayName: 'r.csv' }),
      'r.csv: row 2 (line 3) has 1 field, but the header has 2. Fix: quote fields that contain commas, and give every row one value per column.',
    )
    await rejects(readTable(fixture('unterminated.csv'), { displayName: 'u.csv' }), 'u.csv: line 2: a quoted field is never closed. Fix: close the quote or double each quote inside the field ("").')
    const cases: Array<[string, string]> = [
      ['a,a\n1,2\n', "d.csv: the header names column 'a' twice. Fix: give each column a unique name."],
      ['a,\n1,2\n', 'd.csv: column 2 of the header has no name. Fix: name every column in the first line.'],
      ['a,b\n"x"y,2\n', 'd.csv: line 2: unexpected text after a closing quote. Fix: quote the whole field and double each quote inside it ("").'],
    ]
    for (const [text, message] of cases) {
      writeFileSync(join(scratch, 'd.csv'), text)
      await rejects(readTable(join(scratch, 'd.csv'), { displayName: 'd.csv' }), message)
    }
    writeFileSync(join(scratch, 'bin.csv'), Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a]))
    await rejects(
      readTable(join(scratch, 'bin.csv'), { displayName: 'bin.csv' }),
      'bin.csv: not UTF-8 text, so not a CSV file Modelship can read. Fix: save it as UTF-8 CSV, or use the .parquet or .arrow extension if it is one of those formats.',
    )
  })

  it('parses CSV details: BOM, CRLF, blank lines, quoted newlines, no final newline, nan/inf/booleans', async () => {
    writeFileSync(join(scratch, 'ok.csv'), '\uFEFFid,note,x,flag\r\n1,"two\r\nlines",nan,true\r\n\r\n2,"a ""quoted"" word",-inf,False\r\n3,,1e3,')
    const table = await readTable(join(scratch, 'ok.csv'))
    assert.deepEqual(rows(table), [
      [1, 'two\r\nlines', null, 1],
      [2, 'a "quoted" word', Number.NEGATIVE_INFINITY, 0],
      [3, null, 1000, null],
    ])
  })
})

describe('readBatches', () => {
  it('yields fixed-size batches whose concatenation is readTable, in every format', async () => {
    const whole = await readTable(fixture('churn.csv'))
    for (const name of FORMATS) {
      const batches: DataTable[] = []
      for await (const batch of readBatches(fixture(name), { batchRows: 3 })) batches.push(batch)
      assert.deepEqual(batches.map((b) => b.rowCount), [3, 3, 2], name)
      assert.deepEqual(rows(concatTables(batches)), rows(whole), name)
      // One dictionary for the whole read: codes agree across batches.
      const dictionaries = batches.map((b) => (b.columns.get('contract') as CategoricalColumn).categories)
      assert.ok(dictionaries.every((d) => d === dictionaries[0]), name)
    }
  })

  it('stops at the batch holding a null in a complete-only column', async () => {
    const seen: number[] = []
    await assert.rejects(
      (async () => {
        for await (const batch of readBatches(fixture('churn.parquet'), { batchRows: 2, notNull: ['monthly_charges'], displayName: 'p' })) seen.push(batch.rowCount)
      })(),
      new DataError("p: column 'monthly_charges' has 1 null/NaN value in rows 3-4 (first at row 3); features and the target must be complete. Fix: fill or drop those rows before evaluation."),
    )
    assert.deepEqual(seen, [2])
  })

  it('streams a CSV larger than one read chunk and one batch', async () => {
    const n = 150_000
    const lines = ['i,label,group']
    for (let i = 0; i < n; i++) lines.push(`${i},${i % 2},"g${i % 3}"`)
    writeFileSync(join(scratch, 'big.csv'), lines.join('\n'))
    let total = 0
    let sum = 0
    for await (const batch of readBatches(join(scratch, 'big.csv'), { batchRows: 50_000, columns: ['i', 'group'] })) {
      total += batch.rowCount
      const column = batch.columns.get('i')!
      if (column.kind === 'numeric') for (const v of column.values) sum += v
    }
    assert.equal(total, n)
    assert.equal(sum, (n * (n - 1)) / 2)
    const table = await readTable(join(scratch, 'big.csv'))
    const group = table.columns.get('group') as CategoricalColumn
    assert.deepEqual([group.kind, group.categories, group.codes[4], group.codes.length], ['categorical', ['g0', 'g1', 'g2'], 1, n])
  })
})

describe('dataFormat', () => {
  it('maps extensions case-insensitively', () => {
    assert.deepEqual(['a.CSV', 'b.feather', 'c.ipc', 'd.arrows', 'e.Parquet'].map((p) => dataFormat(p)), ['csv', 'arrow', 'arrow', 'arrow', 'parquet'])
    assert.throws(() => dataFormat('data/test'), /data\/test: no extension is not a data format Modelship reads/)
  })
})
