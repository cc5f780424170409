// Times reading a 1M-row Parquet file, one file per codec, with the decoders Modelship used before
// ("old": hyparquet's built-in snappy, node:zlib for gzip, brotli and zstd where Node has it, our own
// LZ4 in src/data/lz4.ts, taken from git history since it was deleted) beside the ones it uses now
// ("new": PARQUET_DECOMPRESSORS of src/data/codecs.ts) and beside hyparquet-compressors' whole set
// ("hpc", wasm snappy and JavaScript gzip/brotli included), which is why gzip and brotli stay native.
// The baseline measured in the same run is the old path; ratios are x/old, under 1 is faster. The files are
// written by pyarrow into a temporary folder (python3 with pyarrow needed; without it the bench says
// so and exits 0): 1,000,000 rows of a float64, an int64 and a 3-value string column, row groups
// of 131,072 rows. Each read is hyparquet's parquetRead of every column, as parquet-reader.ts calls it;
// then readTable (the whole reader, with the decoders it has) once per codec for scale. Best of --repeats
// (default 2), the sides taking turns to go first.
//
// Usage: node --import tsx bench/read-parquet.ts [--rows N] [--repeats N]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as zlib from 'node:zlib'
import type { Compressors } from 'hyparquet'
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet'
import { compressors as newCompressors } from 'hyparquet-compressors'
import { PARQUET_DECOMPRESSORS } from '../src/data/codecs.js'
import { readTable } from '../src/data/read-table.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const argv = process.argv.slice(2)
function option(name: string, fallback: number): number {
  const index = argv.indexOf(name)
  if (index < 0) return fallback
  const value = Number(argv[index + 1])
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive whole number`)
  return value
}
const rows = option('--rows', 1_000_000)
const repeats = option('--repeats', 2)
const CODECS = ['snappy', 'gzip', 'brotli', 'zstd', 'lz4'] as const

type Lz4Module = { decodeLz4Block(input: Uint8Array, length: number): Uint8Array; decodeHadoopLz4(input: Uint8Array, length: number): Uint8Array }

/** The hand-made LZ4 decoder: the working tree's while it exists, else the last committed version. */
async function oldLz4(temp: string): Promise<Lz4Module> {
  const current = join(root, 'src/data/lz4.ts')
  if (existsSync(current)) return (await import(pathToFileURL(current).href)) as Lz4Module
  const deleting = execFileSync('git', ['rev-list', '-1', 'HEAD', '--', 'src/data/lz4.ts'], { cwd: root, encoding: 'utf8' }).trim()
  const source = execFileSync('git', ['show', `${deleting}^:src/data/lz4.ts`], { cwd: root, encoding: 'utf8' })
  const copy = join(temp, 'old-lz4.ts')
  writeFileSync(copy, source)
  return (await import(pathToFileURL(copy).href)) as Lz4Module
}

function makeFiles(temp: string): boolean {
  const script = `
import sys, pyarrow as pa, pyarrow.parquet as pq
n = int(sys.argv[2])
t = pa.table({
    "x": pa.array([i * 0.37 % 1000 for i in range(n)], type=pa.float64()),
    "y": pa.array([(i * 7919) % 100003 for i in range(n)], type=pa.int64()),
    "c": pa.array([("month", "one year", "two years")[i % 3] for i in range(n)], type=pa.string()),
})
for codec in sys.argv[3:]:
    pq.write_table(t, f"{sys.argv[1]}/{codec}.parquet", compression=codec, row_group_size=131072)
`
  const result = spawnSync('python3', ['-c', script, temp, String(rows), ...CODECS], { encoding: 'utf8' })
  if (result.status !== 0) {
    console.log(`baseline unavailable: could not write the files with python3 and pyarrow (${(result.stderr || String(result.error)).trim().split('\n').pop()})`)
    return false
  }
  return true
}

async function timeRead(path: string, compressors: Compressors): Promise<number> {
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  const start = performance.now()
  let values = 0
  await parquetRead({ file, metadata, compressors, onChunk: (chunk) => void (values += chunk.rowEnd - chunk.rowStart) })
  const elapsed = performance.now() - start
  if (values !== rows * 3) throw new Error(`${path}: read ${values} values, expected ${rows * 3}`)
  return elapsed
}

const temp = mkdtempSync(join(tmpdir(), 'modelship-bench-parquet-'))
try {
  if (makeFiles(temp)) {
    const lz4 = await oldLz4(temp)
    const zstd = (zlib as typeof zlib & { zstdDecompressSync?: (input: Uint8Array) => Buffer }).zstdDecompressSync
    const oldCompressors: Compressors = {
      GZIP: (input) => zlib.gunzipSync(input),
      BROTLI: (input) => zlib.brotliDecompressSync(input),
      LZ4_RAW: (input, length) => lz4.decodeLz4Block(input, length),
      LZ4: (input, length) => lz4.decodeHadoopLz4(input, length),
      ...(zstd ? { ZSTD: (input: Uint8Array) => zstd(input) } : {}),
    }
    console.log(`${rows.toLocaleString('en-US')} rows, 3 columns, best of ${repeats}; Node ${process.versions.node}; load average ${loadavg()[0]!.toFixed(1)}`)
    console.log('codec    old ms   new ms   hpc ms   new/old   hpc/old   readTable ms')
    const sides = { old: oldCompressors, new: PARQUET_DECOMPRESSORS, hpc: newCompressors } as const
    type Side = keyof typeof sides
    const turns: Side[][] = [['old', 'new', 'hpc'], ['hpc', 'new', 'old'], ['new', 'old', 'hpc']]
    for (const codec of CODECS) {
      const path = join(temp, `${codec}.parquet`)
      const oldAvailable = codec !== 'zstd' || zstd !== undefined
      const best: Record<Side, number> = { old: Infinity, new: Infinity, hpc: Infinity }
      for (let r = 0; r < repeats; r++) {
        for (const side of turns[r % turns.length]!) {
          if (side === 'old' && !oldAvailable) continue
          best[side] = Math.min(best[side], await timeRead(path, sides[side]))
        }
      }
      let whole = 'refused'
      try {
        const start = performance.now()
        const table = await readTable(path)
        whole = (performance.now() - start).toFixed(0)
        if (table.rowCount !== rows) throw new Error(`${codec}: readTable gave ${table.rowCount} rows`)
      } catch (error) {
        if (!(error instanceof Error && error.name === 'DataError')) throw error
      }
      const ms = (side: Side): string => (Number.isFinite(best[side]) ? best[side].toFixed(0) : 'n/a').padStart(6)
      const ratio = (side: Side): string => (oldAvailable ? (best[side] / best.old).toFixed(2) : 'n/a').padStart(7)
      console.log(`${codec.padEnd(7)} ${ms('old')}   ${ms('new')}   ${ms('hpc')}   ${ratio('new')}   ${ratio('hpc')}   ${whole.padStart(8)}`)
    }
    if (!zstd) console.log(`zstd: the old path could not read it on Node ${process.versions.node} (node:zlib has no zstd before 22.15)`)
  }
} finally {
  rmSync(temp, { recursive: true, force: true })
}
