/**
 * bench/batch: rows per second of batch scoring over ROWS rows × 6 features (default 5,000,000) in
 * Arrow IPC and in Parquet, with 1 and 2 workers, beside, in the same run and on the same files:
 *
 *   ceiling  a minimal single-threaded loop: readBatches → session.run per batch of 65,536 → an Arrow
 *            IPC writer (no row checks, no source_file/row_id, no parts, no manifest);
 *   pandas   pandas + onnxruntime in Python (bench/batch/baseline.py): read, score in batches, write Parquet;
 *   dataset  pyarrow.dataset streaming batches into onnxruntime, written with a ParquetWriter.
 *
 * Each measurement runs in its own process, so its peak resident memory (ru_maxrss) and CPU time
 * (all its threads) are its own; `--repeats N` runs the ceiling and batch-score N times, taking turns,
 * and prints the run of median wall time of each.
 * Usage: node --import tsx bench/batch/batch.bench.ts [--rows N] [--workers 1,2] [--repeats N] [--python PATH]
 *        [--install-python] (pip-installs pandas, pyarrow and onnxruntime into .tools/batch-bench-venv).
 * Without Python or those packages the Python rows say why and are skipped. Exit 0 unless a run fails.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Table, tableFromArrays, tableToIPC, RecordBatchFileWriter } from 'apache-arrow'
import { ParquetWriter, fileWriter } from 'hyparquet-writer'
import ort from 'onnxruntime-node'
import { batchScore, createProgress, describeInputs } from '../../src/batch/index.js'
import { readBatches } from '../../src/data/read-table.js'
import { loadModel } from '../../src/onnx/model.js'
import { arrowSchema, toRecordBatch } from '../../src/batch/results.js'

const MODEL = resolve(process.env.MODELSHIP_BENCH_MODEL ?? 'test/fixtures/onnx/nonlinear-regressor-6.onnx')
const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5']
const BATCH = 65_536

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? process.argv[at + 1] : undefined
}

/** Writes the data files once per row count (kept in the temporary folder between runs). */
async function dataFiles(rows: number): Promise<{ arrow: string; parquet: string }> {
  const dir = join(tmpdir(), `modelship-batch-bench-${rows}`)
  const arrow = join(dir, 'rows.arrow')
  const parquet = join(dir, 'rows.parquet')
  if (existsSync(arrow) && existsSync(parquet)) return { arrow, parquet }
  await mkdir(dir, { recursive: true })
  const chunk = 500_000
  const writer = new RecordBatchFileWriter()
  const pq = new ParquetWriter({ writer: fileWriter(`${parquet}.tmp`), schema: [{ name: 'root', num_children: 6 }, ...FEATURES.map((name) => ({ name, type: 'DOUBLE', repetition_type: 'REQUIRED' }))] as never })
  const parts: Uint8Array[] = []
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start)
    // A deterministic spread of values (no RNG state to share with the Python side).
    const columns = FEATURES.map((_, j) => Float64Array.from({ length: n }, (_, i) => Math.sin((start + i + 1) * (j + 1) * 0.001) * (j + 1)))
    for (const batch of tableFromArrays(Object.fromEntries(FEATURES.map((f, j) => [f, columns[j]!]))).batches) writer.write(batch)
    await pq.write({ columnData: FEATURES.map((name, j) => ({ name, data: columns[j]!, nullable: false }) as never), rowGroupSize: 100_000 })
  }
  writer.finish()
  for await (const bytes of writer) parts.push(bytes)
  await writeFile(`${arrow}.tmp`, Buffer.concat(parts))
  await pq.finish()
  const { rename } = await import('node:fs/promises')
  await rename(`${arrow}.tmp`, arrow)
  await rename(`${parquet}.tmp`, parquet)
  return { arrow, parquet }
}

/** The ceiling: one thread, read → session.run → Arrow IPC, nothing else. */
async function ceiling(input: string, output: string): Promise<number> {
  const model = await loadModel(MODEL)
  const name = model.inputs[0]!.name
  const schema = arrowSchema({ columns: [{ name: 'prediction', type: 'float32' }] })
  const writer = new RecordBatchFileWriter()
  const { createWriteStream } = await import('node:fs')
  const stream = createWriteStream(output)
  const drained = (async () => {
    for await (const bytes of writer) if (!stream.write(bytes)) await new Promise<void>((done) => stream.once('drain', () => done()))
    stream.end()
  })()
  let rows = 0
  const matrix = new Float32Array(BATCH * 6)
  for await (const batch of readBatches(input, { columns: FEATURES, batchRows: BATCH })) {
    const n = batch.rowCount
    const columns = FEATURES.map((f) => (batch.columns.get(f) as { values: Float64Array }).values)
    for (let i = 0, k = 0; i < n; i++) for (let j = 0; j < 6; j++) matrix[k++] = columns[j]![i]!
    const result = await model.session.run({ [name]: new ort.Tensor('float32', matrix.subarray(0, n * 6), [n, 6]) })
    const values = (Object.values(result)[0] as ort.Tensor).data as Float32Array
    writer.write(toRecordBatch(schema, { rowCount: n, columns: [{ name: 'prediction', type: 'float32', values }], files: [] }))
    rows += n
  }
  writer.finish()
  await drained
  await model.release()
  return rows
}

/** One measurement in this process; prints {rows, seconds, maxRssKiB}. */
async function child(kind: string, input: string, out: string, workers: number): Promise<void> {
  const started = performance.now()
  let rows: number
  if (kind === 'ceiling') rows = await ceiling(input, join(out, 'ceiling.arrow'))
  else {
    const result = await batchScore({
      model: { path: MODEL, name: 'forest', version: 'bench', source: MODEL },
      task: 'regression',
      features: FEATURES,
      inputs: await describeInputs([input], process.cwd()),
      outputDir: out,
      format: 'arrow',
      workers,
      batchRows: BATCH,
      restart: true,
      progress: createProgress({ mode: 'none', write: () => {} }),
    })
    rows = result.manifest.counts.scored
  }
  const seconds = (performance.now() - started) / 1000
  const usage = process.resourceUsage()
  // CPU time of every thread of the process (µs): steadier than wall time on a shared, loaded machine.
  console.log(JSON.stringify({ rows, seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssKiB: usage.maxRSS }))
}

function pythonFor(): { python?: string; why?: string } {
  const venv = resolve('.tools/batch-bench-venv')
  if (process.argv.includes('--install-python') && !existsSync(join(venv, 'bin/python'))) {
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' })
    execFileSync(join(venv, 'bin/pip'), ['install', '--quiet', 'pandas', 'pyarrow', 'onnxruntime'], { stdio: 'inherit' })
  }
  const python = arg('python') ?? (existsSync(join(venv, 'bin/python')) ? join(venv, 'bin/python') : 'python3')
  const probe = spawnSync(python, ['-c', 'import pandas, pyarrow, onnxruntime; print(pandas.__version__, pyarrow.__version__, onnxruntime.__version__)'], { encoding: 'utf8' })
  if (probe.status !== 0) return { why: `${python} cannot import pandas, pyarrow and onnxruntime (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}); pass --install-python or --python PATH` }
  return { python, why: `pandas ${probe.stdout.trim().split(' ').join(', pyarrow ').replace(/, pyarrow ([^,]+)$/, ', onnxruntime $1')}` }
}

interface Measured {
  rows: number
  seconds: number
  /** Absent for the Python loops. */
  cpuSeconds?: number
  maxRssKiB: number
}

/** The run of median wall time among repeats (its CPU and peak memory come with it). */
function median(runs: readonly Measured[]): Measured {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

function measure(command: string, args: string[]): Measured {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Measured
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await child(process.argv[3]!, process.argv[4]!, process.argv[5]!, Number(process.argv[6]))
    return
  }
  const rows = Number(arg('rows') ?? 5_000_000)
  const workerCounts = (arg('workers') ?? '1,2').split(',').map(Number)
  const repeats = Number(arg('repeats') ?? 1)
  if (!Number.isSafeInteger(repeats) || repeats < 1) throw new Error(`--repeats ${arg('repeats')} is not a whole number of at least 1`)
  const files = await dataFiles(rows)
  const out = join(tmpdir(), `modelship-batch-bench-out-${process.pid}`)
  const python = pythonFor()
  const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`
  console.log(`bench/batch: ${rows.toLocaleString('en-US')} rows × 6 features, nonlinear-regressor-6.onnx, batches of ${BATCH.toLocaleString('en-US')}, median of ${repeats} run${repeats > 1 ? 's' : ''} each (interleaved), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  console.log(`inputs: Arrow IPC ${mib((await stat(files.arrow)).size / 1024)}, Parquet ${mib((await stat(files.parquet)).size / 1024)}; Python: ${python.why}`)
  // The measured side runs as users run it, from the bundle (dist/cli.cjs's code, its workers from
  // batch-worker.cjs beside it): built here into a temporary folder, with the ceiling in the same bundle.
  const bundleDir = join(tmpdir(), `modelship-batch-bench-bundle-${process.pid}`)
  const { build } = (await import(resolve('scripts/build.mjs'))) as { build: (options: object) => Promise<unknown> }
  await build({
    outdir: bundleDir,
    entries: [
      { name: 'bench', out: 'bench.cjs', entry: 'bench/batch/batch.bench.ts' },
      { name: 'batch-worker', out: 'batch-worker.cjs', entry: 'src/batch/worker.ts' },
    ],
  })
  const self = [join(bundleDir, 'bench.cjs'), '--child']
  try {
    for (const [format, input] of [['Arrow IPC', files.arrow], ['Parquet', files.parquet]] as const) {
      await rm(out, { recursive: true, force: true })
      await mkdir(out, { recursive: true })
      const line = (name: string, m: Measured, extra = '') =>
        console.log(
          `  ${name.padEnd(30)} ${(m.rows / m.seconds / 1e6).toFixed(2).padStart(6)} M rows/s  ${m.seconds.toFixed(2).padStart(7)} s  ${m.cpuSeconds === undefined ? '         ' : `cpu ${m.cpuSeconds.toFixed(2).padStart(5)}`}  peak ${mib(m.maxRssKiB).padStart(8)}${extra}`,
        )
      // The ceiling and each worker count take turns, repeat after repeat, so load changes hit all alike.
      const ceilingRuns: Measured[] = []
      const batchRuns = new Map<number, Measured[]>(workerCounts.map((w) => [w, []]))
      for (let r = 0; r < repeats; r++) {
        ceilingRuns.push(measure(process.execPath, [...self, 'ceiling', input, out, '1']))
        for (const workers of workerCounts) {
          await rm(join(out, 'batch'), { recursive: true, force: true })
          const m = measure(process.execPath, [...self, 'batch', input, join(out, 'batch'), String(workers)])
          if (m.rows !== rows) throw new Error(`batch-score scored ${m.rows} of ${rows} rows`)
          batchRuns.get(workers)!.push(m)
        }
      }
      const ceilingRun = median(ceilingRuns)
      console.log(`${format}:`)
      line('ceiling (1 thread)', ceilingRun)
      const ceilingRate = ceilingRun.rows / ceilingRun.seconds
      let one: number | undefined
      for (const workers of workerCounts) {
        const m = median(batchRuns.get(workers)!)
        const rate = m.rows / m.seconds
        if (workers === 1) one = rate
        line(`batch-score, ${workers} worker${workers > 1 ? 's' : ''}`, m, `  ${(rate / ceilingRate).toFixed(2)}× ceiling${workers > 1 && one ? `, ${(rate / one).toFixed(2)}× 1 worker` : ''}`)
      }
      for (const mode of ['pandas', 'dataset']) {
        if (!python.python) {
          console.log(`  ${(mode === 'pandas' ? 'pandas + onnxruntime' : 'pyarrow.dataset + onnxruntime').padEnd(30)} skipped: ${python.why}`)
          continue
        }
        const m = measure(python.python, [resolve('bench/batch/baseline.py'), mode, input, MODEL, join(out, `${mode}.parquet`)])
        line(mode === 'pandas' ? 'pandas + onnxruntime' : 'pyarrow.dataset + onnxruntime', m, `  ${((m.rows / m.seconds) / ceilingRate).toFixed(2)}× ceiling`)
      }
    }
  } finally {
    await rm(out, { recursive: true, force: true })
    await rm(bundleDir, { recursive: true, force: true })
  }
}

// A CommonJS bundle (see main) has no top-level await.
main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
