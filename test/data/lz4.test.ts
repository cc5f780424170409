import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { after, describe, it } from 'node:test'
import { DataError } from '../../src/errors.js'
import { PARQUET_DECOMPRESSORS, decodeLz4Frame } from '../../src/data/codecs.js'
import { readBatches, readTable } from '../../src/data/read-table.js'
import { valueAt } from '../../src/data/table.js'

// Compressed with pyarrow's own LZ4 codecs by test/fixtures/data/lz4/make_lz4_fixtures.py.
const dir = new URL('../fixtures/data/lz4/', import.meta.url).pathname
const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: Record<string, { length: number; sha256: string }> }
const bytes = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)))
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')
const scratch = mkdtempSync(join(tmpdir(), 'modelship-lz4-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

const decodeLz4Block = (input: Uint8Array, length: number): Uint8Array => PARQUET_DECOMPRESSORS.LZ4_RAW!(input, length)
const decodeHadoopLz4 = (input: Uint8Array, length: number): Uint8Array => PARQUET_DECOMPRESSORS.LZ4!(input, length)

/** Hadoop's framing of a raw block: big-endian decompressed size, compressed size, the block. */
function hadoopFrame(block: Uint8Array, decompressed: number): Uint8Array {
  const framed = new Uint8Array(8 + block.length)
  const view = new DataView(framed.buffer)
  view.setUint32(0, decompressed)
  view.setUint32(4, block.length)
  framed.set(block, 8)
  return framed
}

describe('LZ4 decoding against pyarrow', () => {
  for (const [name, expected] of Object.entries(cases)) {
    it(`${name}: the frame and the raw block give back the ${expected.length} bytes pyarrow compressed`, () => {
      const fromFrame = decodeLz4Frame(bytes(`${name}.frame`))
      assert.equal(fromFrame.length, expected.length)
      assert.equal(sha256(fromFrame), expected.sha256)
      const fromBlock = decodeLz4Block(bytes(`${name}.block`), expected.length)
      assert.equal(sha256(fromBlock), expected.sha256)
    })
  }

  it("Parquet's deprecated LZ4: Hadoop-framed blocks, one after another, or one bare block", () => {
    const text = cases['text-140k']!
    const run = cases['one-byte-run']!
    const block = bytes('text-140k.block')
    assert.equal(sha256(decodeHadoopLz4(hadoopFrame(block, text.length), text.length)), text.sha256)
    const two = new Uint8Array([...hadoopFrame(block, text.length), ...hadoopFrame(bytes('one-byte-run.block'), run.length)])
    const both = decodeHadoopLz4(two, text.length + run.length)
    assert.equal(sha256(both.subarray(0, text.length)), text.sha256)
    assert.equal(sha256(both.subarray(text.length)), run.sha256)
    // Not a Hadoop frame: read as one raw block, as parquet-cpp does.
    assert.equal(sha256(decodeHadoopLz4(block, text.length)), text.sha256)
  })
})

describe('LZ4 decoding of broken input', () => {
  it('refuses a frame that is not one, or that claims more output than LZ4 can encode in it', () => {
    assert.throws(() => decodeLz4Frame(new Uint8Array([1, 2, 3, 4, 5, 6])), /invalid magic number/)
    // A 19-byte frame whose header claims 1 GiB of content: refused before anything is allocated.
    const bomb = new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    assert.throws(() => decodeLz4Frame(bomb), { message: 'LZ4 frame of 19 bytes claims 1073741824 bytes of output, more than LZ4 can encode in it' })
  })

  it('refuses a Parquet page whose header claims more than its codec can encode in its bytes, before allocating it', () => {
    const page = new Uint8Array(16)
    assert.throws(() => PARQUET_DECOMPRESSORS.LZ4_RAW!(page, 2_000_000_000), { message: 'a LZ4_RAW page of 16 bytes claims 2000000000 bytes decoded, more than LZ4_RAW can encode in it' })
    assert.throws(() => PARQUET_DECOMPRESSORS.LZ4!(page, 2_000_000_000), { message: 'a LZ4 page of 16 bytes claims 2000000000 bytes decoded, more than LZ4 can encode in it' })
    // gzip inflates no further than the header's size: a 1 MiB bomb declared as 100 bytes stops there.
    const bomb = gzipSync(new Uint8Array(1 << 20))
    assert.throws(() => PARQUET_DECOMPRESSORS.GZIP!(bomb, 100), { code: 'ERR_BUFFER_TOO_LARGE' })
    assert.equal(PARQUET_DECOMPRESSORS.GZIP!(bomb, 1 << 20).length, 1 << 20)
  })

  it('refuses a block whose match points before the start of the data', () => {
    // Token 0x00: no literals, then a match at offset 1 with nothing before it.
    assert.throws(() => decodeLz4Block(new Uint8Array([0x00, 0x01, 0x00]), 4), /lz4 offset out of range 1/)
  })
})

describe('data files compressed with LZ4', () => {
  const N = 20_000
  const value = (i: number) => [i % 97, ((i * 7919) % 1000) / 8, ['red', 'green', 'blue'][i % 3]!]

  it('reads every value of a Feather file whose columns span several linked 64 KiB blocks', async () => {
    const table = await readTable(join(dir, 'wide-lz4.feather'))
    assert.equal(table.rowCount, N)
    const columns = [...table.columns.values()]
    for (let i = 0; i < N; i++) assert.deepEqual(columns.map((c) => valueAt(c, i)), value(i), `row ${i}`)
  })

  it('reads every value of a Parquet LZ4_RAW file in three row groups, batch by batch', async () => {
    let row = 0
    let batches = 0
    for await (const batch of readBatches(join(dir, 'wide-lz4-raw.parquet'), { batchRows: 4096 })) {
      const columns = [...batch.columns.values()]
      for (let i = 0; i < batch.rowCount; i++, row++) assert.deepEqual(columns.map((c) => valueAt(c, i)), value(row), `row ${row}`)
      batches++
    }
    assert.equal(row, N)
    assert.equal(batches, Math.ceil(N / 4096))
  })

  it('a damaged LZ4 Feather file is a DataError with the fix, not a crash', async () => {
    const damaged = readFileSync(join(dir, 'wide-lz4.feather'))
    // Overwrite the body's first compressed block with garbage, keeping the file's structure.
    const at = damaged.indexOf(Buffer.from([0x04, 0x22, 0x4d, 0x18]))
    assert.ok(at > 0)
    damaged.fill(0xff, at + 7, at + 64)
    const file = join(scratch, 'damaged.feather')
    writeFileSync(file, damaged)
    await assert.rejects(readTable(file, { displayName: 'damaged.feather' }), (error: unknown) => {
      assert.ok(error instanceof DataError)
      assert.match(error.message, /^damaged\.feather: not a readable Arrow IPC file \(LZ4 .*\)\. Fix: re-write the file with a current writer/)
      return true
    })
  })
})
