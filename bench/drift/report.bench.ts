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
// Usage: node --import tsx bench/drift/report.bench.ts [rows=1000000] [--peers] [--install-peers]
//        [--evidently-rows N] (Evidently takes minutes at 1M rows: run it on N rows, stated)
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
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
const reference = names.map(() => normal(0, rows))
const current = names.map((_, i) => normal(shifted(i) ? SHIFT : 0, rows))
const rawBytes = 2 * FEATURES * rows * 8

function cpuMs<T>(fn: () => T): { value: T; ms: number; wallMs: number } {
  const cpu = process.cpuUsage()
  const wall = performance.now()
  const value = fn()
  const used = process.cpuUsage(cpu)
  return { value, ms: (used.user + used.system) / 1000, wallMs: performance.now() - wall }
}
function currentSide(): DriftCurrent {
  // Copies: the check sorts current columns in place.
  const columns = new Map<string, CurrentColumn>(names.map((n, i) => [n, { kind: 'numeric', rows, nullCount: 0, nonFinite: 0, typeErrors: 0, values: Float64Array.from(current[i]!) }]))
  return { source: 'dataset', location: 'memory', files: [], rows, window: null, columns }
}
function falseAlarms(report: DriftReport): string {
  const flagged = report.features.filter((f) => f.drifted).map((f) => names.indexOf(f.name))
  return `${flagged.filter((i) => shifted(i)).length}/10 shifted found, ${flagged.filter((i) => !shifted(i)).length}/10 false alarms`
}
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`

console.log(`drift report: ${rows.toLocaleString('en')} + ${rows.toLocaleString('en')} rows × ${FEATURES} numeric features (10 shifted by ${SHIFT} σ); raw column bytes ${mib(rawBytes)}`)
const table: DataTable = { rowCount: rows, columns: new Map(names.map((n, i) => [n, { kind: 'numeric' as const, values: reference[i]! }])) }
const options = { model: 'bench' }

// Warm-up on a small slice so the JIT has compiled the hot loops before anything is timed.
checkDrift(referenceFromTable({ rowCount: 5000, columns: new Map([['f00', { kind: 'numeric', values: reference[0]!.subarray(0, 5000) }]]) }, { source: 'data', location: 'memory' }),
  { source: 'dataset', location: 'memory', files: [], rows: 5000, window: null, columns: new Map([['f00', { kind: 'numeric', rows: 5000, nullCount: 0, nonFinite: 0, typeErrors: 0, values: current[0]!.slice(0, 5000) }]]) }, options)

const rssBefore = process.memoryUsage().rss
const raw = cpuMs(() => checkDrift(referenceFromTable(table, { source: 'data', location: 'memory' }), currentSide(), options))
console.log(`ours, raw data:     ${raw.ms.toFixed(0)} ms CPU (${raw.wallMs.toFixed(0)} ms wall), ${(raw.ms / FEATURES).toFixed(0)} ms a column; ${falseAlarms(raw.value)}; exact: ${raw.value.features.every((f) => f.exact)}`)

for (const [label, profileOptions] of [['profile (sketch)', {}], ['profile (exact)', { exactMaxValues: rows }]] as const) {
  const text = renderReferenceProfile(buildReferenceProfile(table, profileOptions))
  const stored = cpuMs(() => checkDrift(referenceFromProfile(parseReferenceProfile(text), { source: 'profile', location: 'memory' }), currentSide(), options))
  const worst = Math.max(...stored.value.features.map((f, i) => Math.abs(f.score! - raw.value.features[i]!.score!)))
  const bound = Math.max(...stored.value.features.map((f) => f.errorBound ?? 0))
  console.log(`ours, ${label}: ${stored.ms.toFixed(0)} ms CPU (${stored.wallMs.toFixed(0)} ms wall) incl. parsing ${mib(text.length)} of JSON; ${falseAlarms(stored.value)}; largest |score − exact| ${worst.toExponential(2)} (bound ${bound.toExponential(2)})`)
}
console.log(`peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} (before the checks ${mib(rssBefore)}, with both sides' ${mib(rawBytes)} in memory)`)

// End to end from files, as modelship drift runs it.
const dir = mkdtempSync(join(tmpdir(), 'modelship-drift-bench-'))
try {
  const write = (file: string, columns: Float64Array[]) => {
    const fields = names.map((n) => new Field(n, new Float64(), false))
    const schema = new Schema(fields)
    const batches: RecordBatch[] = []
    for (let start = 0; start < rows; start += 65_536) {
      const end = Math.min(rows, start + 65_536)
      const children = columns.map((c) => makeData({ type: new Float64(), length: end - start, data: c.subarray(start, end) }))
      batches.push(new RecordBatch(schema, makeData({ type: new Struct(fields), length: end - start, nullCount: 0, children })))
    }
    writeFileSync(join(dir, file), tableToIPC(new Table(schema, batches), 'file'))
  }
  write('reference.arrow', reference)
  write('current.arrow', current)
  const start = process.cpuUsage()
  const wall = performance.now()
  void runDriftCheck({ model: 'bench', reference: join(dir, 'reference.arrow'), current: join(dir, 'current.arrow'), cwd: dir }).then((report) => {
    const used = process.cpuUsage(start)
    console.log(`ours, Arrow files:  ${((used.user + used.system) / 1000).toFixed(0)} ms CPU (${(performance.now() - wall).toFixed(0)} ms wall; reading ${report.timing.readMs.toFixed(0)} ms of it); ${falseAlarms(report)}`)
    if (peers) runPeers(dir, raw.ms)
    rmSync(dir, { recursive: true, force: true })
  })
} catch (error) {
  rmSync(dir, { recursive: true, force: true })
  throw error
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
  for (const [i, column] of reference.entries()) writeFileSync(join(folder, `ref-${i}.f64`), column)
  for (const [i, column] of current.entries()) writeFileSync(join(folder, `cur-${i}.f64`), column)
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
