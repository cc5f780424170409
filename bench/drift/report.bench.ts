// The full drift report of issue 13 over ROWS reference and ROWS current rows of 20 numeric
// features (10 shifted by 0.2 σ, 10 not), timed three ways on one core, beside the peers in the
// same run on the same data:
//   ours, raw:      checkDrift from both tables in memory (sort both sides, exact statistics)
//   ours, profile:  parse a stored reference-profile.json and check (the reference arrives sorted
//                   or sketched; only the current side is sorted)
//   ours, files:    runDriftCheck end to end from Arrow IPC files (reading included)
//   scipy:          ks_2samp, wasserstein_distance / std and PSI on numpy histograms per column
//   NannyML:        UnivariateDriftCalculator (KS, Wasserstein, Jensen-Shannon)
//   Evidently:      the data-drift preset (Report([DataDriftPreset()]))
// Peers run from bench/drift/peers.py in the venv .tools/drift-venv (made with --install-peers:
// uv or pip from PyPI; Evidently needs pandas<2.3); a peer that is absent is skipped with the reason.
//
// Each of ours runs in its own process (so each peak RSS is its own): raw generates both sides; the
// profile runs generate only the current side and read the profile from a file, as a check does.
//
// Usage: node --import tsx bench/drift/report.bench.ts [rows=1000000] [--peers] [--install-peers]
//        [--evidently-rows N] (Evidently takes minutes at 1M rows: run it on N rows, stated)
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Float64, Field, makeData, RecordBatch, Schema, Struct, Table, tableToIPC } from 'apache-arrow'
import type { DataTable } from '../../src/data/table.js'
import { checkDrift, type CurrentColumn, type DriftCurrent, type DriftReport, referenceFromProfile, referenceFromTable, runDriftCheck } from '../../src/drift/index.js'
import { buildReferenceProfile, parseReferenceProfile, renderReferenceProfile } from '../../src/registry/reference-profile.js'

const args = process.argv.slice(2)
const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000)
const peers = args.includes('--peers') || args.includes('--install-peers')
const evidentlyRows = Number(args[args.indexOf('--evidently-rows') + 1] ?? 0) || Math.min(rows, 100_000)
const only = args.includes('--only') ? args[args.indexOf('--only') + 1]! : undefined
const folderArg = args.includes('--dir') ? args[args.indexOf('--dir') + 1]! : undefined
const FEATURES = 20
const SHIFT = 0.2
const venv = join(process.cwd(), '.tools', 'drift-venv')

// A fixed mulberry32 stream so every run (and every peer) sees the same data.
let state = 0x9e3779b9
function uniform(): number {
  state = (state + 0x6d2b79f5) | 0
  let t = Math.imul(state ^ (state >>> 15), 1 | state)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
function normal(shift: number, n: number): Float64Array {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = shift + Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
  return out
}
const names = Array.from({ length: FEATURES }, (_, i) => `f${String(i).padStart(2, '0')}`)
const shifted = (i: number) => i % 2 === 1
const rawBytes = 2 * FEATURES * rows * 8
/** The reference columns, or (when only the current side is wanted) the stream moved past them. */
function generate(withReference: boolean): { reference: Float64Array[] | null; current: Float64Array[] } {
  let reference: Float64Array[] | null = null
  if (withReference) reference = names.map(() => normal(0, rows))
  else for (let k = 0; k < 2 * FEATURES * rows; k++) uniform()
  return { reference, current: names.map((_, i) => normal(shifted(i) ? SHIFT : 0, rows)) }
}
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`
const options = { model: 'bench' }

interface ModeResult {
  ms: number
  wallMs: number
  scores: Array<number | null>
  bounds: Array<number | null>
  exact: boolean
  drifted: boolean[]
  peakRss: number
  dataRss: number
  readMs?: number
}

function cpuMs<T>(fn: () => T): { value: T; ms: number; wallMs: number } {
  const cpu = process.cpuUsage()
  const wall = performance.now()
  const value = fn()
  const used = process.cpuUsage(cpu)
  return { value, ms: (used.user + used.system) / 1000, wallMs: performance.now() - wall }
}
function currentSide(current: Float64Array[]): DriftCurrent {
  const columns = new Map<string, CurrentColumn>(names.map((n, i) => [n, { kind: 'numeric', rows, nullCount: 0, nonFinite: 0, typeErrors: 0, values: current[i]! }]))
  return { source: 'dataset', location: 'memory', files: [], rows, window: null, columns }
}
function result(report: DriftReport, ms: number, wallMs: number, dataRss: number): ModeResult {
  return {
    ms, wallMs, dataRss,
    scores: report.features.map((f) => f.score),
    bounds: report.features.map((f) => f.errorBound),
    exact: report.features.every((f) => f.exact),
    drifted: report.features.map((f) => f.drifted),
    peakRss: process.resourceUsage().maxRSS * 1024,
    readMs: report.timing.readMs,
  }
}
/** Compiles the hot loops on a small slice first, so the timed run is not the JIT's first. */
function warmUp(): void {
  const small = normal(0, 5000)
  checkDrift(referenceFromTable({ rowCount: 5000, columns: new Map([['f00', { kind: 'numeric', values: small }]]) }, { source: 'data', location: 'memory' }),
    { source: 'dataset', location: 'memory', files: [], rows: 5000, window: null, columns: new Map([['f00', { kind: 'numeric', rows: 5000, nullCount: 0, nonFinite: 0, typeErrors: 0, values: normal(0, 5000) }]]) }, options)
}

async function runMode(mode: string, dir: string): Promise<ModeResult> {
  if (mode === 'files') {
    warmUp()
    const dataRss = process.memoryUsage().rss
    const cpu = process.cpuUsage()
    const wall = performance.now()
    const report = await runDriftCheck({ model: 'bench', reference: join(dir, 'reference.arrow'), current: join(dir, 'current.arrow'), cwd: dir })
    const used = process.cpuUsage(cpu)
    return result(report, (used.user + used.system) / 1000, performance.now() - wall, dataRss)
  }
  const data = generate(mode === 'raw')
  warmUp()
  const dataRss = process.memoryUsage().rss
  if (mode === 'raw') {
    const table: DataTable = { rowCount: rows, columns: new Map(names.map((n, i) => [n, { kind: 'numeric' as const, values: data.reference![i]! }])) }
    const run = cpuMs(() => checkDrift(referenceFromTable(table, { source: 'data', location: 'memory' }), currentSide(data.current), options))
    return result(run.value, run.ms, run.wallMs, dataRss)
  }
  // A profile as a check meets it: a file, read and parsed inside the timed part.
  const file = join(dir, `profile-${mode}.json`)
  const run = cpuMs(() => checkDrift(referenceFromProfile(parseReferenceProfile(readFileSync(file, 'utf8')), { source: 'profile', location: file }), currentSide(data.current), options))
  return result(run.value, run.ms, run.wallMs, dataRss)
}

if (only !== undefined) {
  // A child: one of ours, its result as one JSON line.
  void runMode(only, folderArg!).then((r) => console.log(JSON.stringify(r)))
} else {
  main()
}

function main(): void {
  console.log(`drift report: ${rows.toLocaleString('en')} + ${rows.toLocaleString('en')} rows × ${FEATURES} numeric features (10 shifted by ${SHIFT} σ); raw column bytes ${mib(rawBytes)}`)
  const dir = mkdtempSync(join(tmpdir(), 'modelship-drift-bench-'))
  try {
    const { reference, current } = generate(true)
    const table: DataTable = { rowCount: rows, columns: new Map(names.map((n, i) => [n, { kind: 'numeric' as const, values: reference![i]! }])) }
    const profileSizes: Record<string, number> = {}
    for (const [mode, profileOptions] of [['sketch', {}], ['exact', { exactMaxValues: rows }]] as const) {
      const text = renderReferenceProfile(buildReferenceProfile(table, profileOptions))
      profileSizes[mode] = text.length
      writeFileSync(join(dir, `profile-${mode}.json`), text)
    }
    writeArrow(join(dir, 'reference.arrow'), reference!)
    writeArrow(join(dir, 'current.arrow'), current)
    if (peers) {
      for (const [i, column] of reference!.entries()) writeFileSync(join(dir, `ref-${i}.f64`), column)
      for (const [i, column] of current.entries()) writeFileSync(join(dir, `cur-${i}.f64`), column)
    }
    const results: Record<string, ModeResult> = {}
    for (const mode of ['raw', 'sketch', 'exact', 'files']) {
      const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, String(rows), '--only', mode, '--dir', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 })
      if (child.status !== 0) throw new Error(`bench child '${mode}' exited ${child.status ?? child.signal}`)
      results[mode] = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ModeResult
    }
    const raw = results.raw!
    const alarms = (r: ModeResult) => `${r.drifted.filter((d, i) => d && shifted(i)).length}/10 shifted found, ${r.drifted.filter((d, i) => d && !shifted(i)).length}/10 false alarms`
    const memory = (r: ModeResult) => `peak RSS ${mib(r.peakRss)} (${(r.peakRss / rawBytes).toFixed(2)}× the raw column bytes; ${mib(r.dataRss)} before the check)`
    console.log(`ours, raw data in memory: ${raw.ms.toFixed(0)} ms CPU (${raw.wallMs.toFixed(0)} ms wall), ${(raw.ms / FEATURES).toFixed(0)} ms a column; ${alarms(raw)}; exact: ${raw.exact}; ${memory(raw)}`)
    for (const mode of ['sketch', 'exact'] as const) {
      const r = results[mode]!
      const worst = Math.max(...r.scores.map((s, i) => Math.abs(s! - raw.scores[i]!)))
      const bound = Math.max(...r.bounds.map((b) => b ?? 0))
      console.log(`ours, profile (${mode}, ${mib(profileSizes[mode]!)} file): ${r.ms.toFixed(0)} ms CPU (${r.wallMs.toFixed(0)} ms wall) incl. reading and parsing it; ${alarms(r)}; largest |score − exact| ${worst.toExponential(2)} (stated bound ${bound.toExponential(2)}); ${memory(r)}`)
    }
    const files = results.files!
    console.log(`ours, Arrow IPC files end to end: ${files.ms.toFixed(0)} ms CPU (${files.wallMs.toFixed(0)} ms wall; reading ${files.readMs!.toFixed(0)} ms of it); ${alarms(files)}; ${memory(files)}`)
    if (peers) runPeers(dir, raw.ms)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function writeArrow(path: string, columns: Float64Array[]): void {
  const fields = names.map((n) => new Field(n, new Float64(), false))
  const schema = new Schema(fields)
  const batches: RecordBatch[] = []
  for (let start = 0; start < rows; start += 65_536) {
    const end = Math.min(rows, start + 65_536)
    const children = columns.map((c) => makeData({ type: new Float64(), length: end - start, data: c.subarray(start, end) }))
    batches.push(new RecordBatch(schema, makeData({ type: new Struct(fields), length: end - start, nullCount: 0, children })))
  }
  writeFileSync(path, tableToIPC(new Table(schema, batches), 'file'))
}

function runPeers(folder: string, oursMs: number): void {
  const python = join(venv, 'bin', 'python')
  if (args.includes('--install-peers') && !existsSync(python)) {
    console.log(`installing scipy, NannyML and Evidently (pandas<2.3) into ${venv} …`)
    const uv = spawnSync('uv', ['--version']).status === 0
    if (uv) {
      execFileSync('uv', ['venv', '-q', venv, '--python', '3.11'], { stdio: 'inherit' })
      execFileSync('uv', ['pip', 'install', '-q', '--python', python, 'scipy', 'nannyml', 'evidently', 'pandas<2.3', 'pyarrow'], { stdio: 'inherit' })
    } else {
      execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' })
      execFileSync(python, ['-m', 'pip', 'install', '-q', 'scipy', 'nannyml', 'evidently', 'pandas<2.3', 'pyarrow'], { stdio: 'inherit' })
    }
  }
  if (!existsSync(python)) {
    console.log(`peers skipped: no ${python} (run with --install-peers to make it)`)
    return
  }
  const lines: string[] = []
  for (const peer of ['scipy', 'nannyml', 'evidently']) {
    const result = spawnSync(python, [join(import.meta.dirname, 'peers.py'), peer, folder, String(rows), String(FEATURES), String(evidentlyRows)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    lines.push(result.status === 0 && result.stdout.trim() ? result.stdout.trim() : `${peer}\tskipped\t0\texited ${result.status ?? result.signal}`)
  }
  for (const line of lines) {
    // peers.py prints: name<TAB>cpu ms<TAB>rows<TAB>detail
    const [name, ms, peerRows, detail] = line.split('\t')
    if (ms === 'skipped') {
      console.log(`${name}: skipped (${detail})`)
      continue
    }
    const scaled = Number(peerRows) === rows ? '' : ` on ${Number(peerRows).toLocaleString('en')} rows a side`
    console.log(`${name}: ${Number(ms).toFixed(0)} ms CPU${scaled}; ${detail}; ours is ${(Number(ms) / oursMs * (rows / Number(peerRows))).toFixed(1)}× faster${scaled ? ' (theirs scaled linearly to the full size)' : ''}`)
  }
}
