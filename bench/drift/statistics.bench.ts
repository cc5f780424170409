// Times the exact drift statistics per numeric column: sort both sides (radix), KS (asymptotic
// p-value above 10,000 rows), normalised Wasserstein, and PSI on Sturges bins over both sides.
// Usage: node --import tsx bench/drift/statistics.bench.ts [rows=1000000] [columns=3]
// Not the full report of issue 13 (no reading, no method choice): a floor for it.
import { computePsi, ksTwoSample, normalizedWasserstein, sortFinite } from '../../src/drift/index.js'

const rows = Number(process.argv[2] ?? 1_000_000)
const columns = Number(process.argv[3] ?? 3)

// A fixed mulberry32 stream so every run sees the same data.
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

function histogram(sorted: Float64Array, lo: number, width: number, bins: number): Float64Array {
  const counts = new Float64Array(bins)
  for (let i = 0; i < sorted.length; i++) counts[Math.min(Math.floor((sorted[i]! - lo) / width), bins - 1)]!++
  return counts
}

let total = 0
for (let c = 0; c < columns; c++) {
  const reference = normal(0, rows)
  const current = normal(c % 2 === 0 ? 0 : 0.05, rows)
  const start = process.hrtime.bigint()
  const ref = sortFinite(reference)
  const cur = sortFinite(current)
  const sorted = process.hrtime.bigint()
  const ks = ksTwoSample(ref, cur)
  const wasserstein = normalizedWasserstein(ref, cur)
  const lo = Math.min(ref[0]!, cur[0]!)
  const hi = Math.max(ref[rows - 1]!, cur[rows - 1]!)
  const bins = Math.ceil(Math.log2(2 * rows)) + 1
  const width = (hi - lo) / bins
  const psi = computePsi(histogram(ref, lo, width, bins), histogram(cur, lo, width, bins))
  const end = process.hrtime.bigint()
  const ms = Number(end - start) / 1e6
  total += ms
  console.log(`column ${c}: sort ${(Number(sorted - start) / 1e6).toFixed(0)} ms, statistics ${(Number(end - sorted) / 1e6).toFixed(0)} ms; ` +
    `KS D=${ks.statistic.toFixed(5)} p=${ks.pValue.toExponential(3)} (${ks.method}), W/std=${wasserstein.toFixed(5)}, PSI=${psi.toFixed(5)}`)
}
console.log(`${columns} columns × ${rows} rows a side: ${total.toFixed(0)} ms, ${(total / columns).toFixed(0)} ms a column; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`)
