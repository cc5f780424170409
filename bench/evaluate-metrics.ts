/**
 * Benchmark: Modelship's metrics + fairness against scikit-learn + Fairlearn on 1,000,000 rows
 * shaped like the churn classifier's test data (binary labels, float32 probabilities, predictions
 * at 0.5, a 2-group sensitive feature). Both sides read the same predictions from raw files in a
 * temporary folder; only the computation is timed (no file IO, no process start). Each side runs
 * REPEATS times (default 5; the Python side stops repeating after 30 s, since Fairlearn alone takes
 * tens of seconds on a million rows) and reports its median, metrics and fairness apart.
 *
 *   node --import tsx bench/evaluate-metrics.ts [ROWS] [REPEATS]
 *
 * Without python3, scikit-learn or fairlearn it prints that the baseline is unavailable and
 * exits 0 without a ratio.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { computeFairness } from '../src/fairness/compute-fairness.js'
import { computeMetrics } from '../src/metrics/compute-metrics.js'

const rows = Number(process.argv[2] ?? 1_000_000)
const repeats = Number(process.argv[3] ?? 5)
const METRICS = ['roc_auc', 'accuracy', 'f1', 'log_loss', 'precision', 'recall', 'brier', 'pr_auc']

/** Deterministic data: mulberry32 PRNG, ~26 % churners, scores that separate them imperfectly. */
function makeData(n: number): { yTrue: Uint8Array; yPred: Uint8Array; proba: Float32Array; group: Uint8Array } {
  let state = 12345
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const yTrue = new Uint8Array(n)
  const yPred = new Uint8Array(n)
  const proba = new Float32Array(n)
  const group = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    group[i] = random() < 0.5 ? 0 : 1
    yTrue[i] = random() < (group[i] ? 0.24 : 0.28) ? 1 : 0
    const logit = -1.2 + 2.2 * yTrue[i]! + 1.4 * (random() + random() + random() - 1.5) + 0.2 * group[i]!
    // Rounded to 1e-4 like a model's float32 output often is: plenty of tied scores.
    proba[i] = Math.round(10_000 / (1 + Math.exp(-logit))) / 10_000
    yPred[i] = proba[i]! >= 0.5 ? 1 : 0
  }
  return { yTrue, yPred, proba, group }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

function ourMetrics(data: ReturnType<typeof makeData>): Record<string, number> {
  return computeMetrics('binary-classification', { yTrue: data.yTrue, yPred: data.yPred, proba: data.proba, classes: [0, 1] }, METRICS).values
}

function ourFairness(data: ReturnType<typeof makeData>): Record<string, number> {
  const groups = { kind: 'categorical' as const, codes: Int32Array.from(data.group), categories: ['F', 'M'] }
  const [fairness] = computeFairness({ yTrue: data.yTrue, yPred: data.yPred, sensitiveFeatures: { gender: groups } })
  return {
    demographic_parity_difference: fairness!.metrics.demographic_parity_difference,
    equalized_odds_difference: fairness!.metrics.equalized_odds_difference,
  }
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9
}

function ms(value: number): string {
  return `${(value * 1000).toFixed(1)} ms`
}

function ratio(baseline: number, ours: number): string {
  return `${(baseline / ours).toFixed(1)}x ${baseline > ours ? 'faster' : 'slower'}`
}

const data = makeData(rows)
const folder = mkdtempSync(join(tmpdir(), 'modelship-bench-'))
try {
  writeFileSync(join(folder, 'y_true.u8'), data.yTrue)
  writeFileSync(join(folder, 'y_pred.u8'), data.yPred)
  writeFileSync(join(folder, 'proba.f32'), new Uint8Array(data.proba.buffer))
  writeFileSync(join(folder, 'group.u8'), data.group)

  ourMetrics(data) // warm-up: let V8 compile the hot loops before timing
  ourFairness(data)
  const metricTimes: number[] = []
  const fairnessTimes: number[] = []
  let values: Record<string, number> = {}
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint()
    values = ourMetrics(data)
    metricTimes.push(seconds(start))
    const middle = process.hrtime.bigint()
    values = { ...values, ...ourFairness(data) }
    fairnessTimes.push(seconds(middle))
  }
  const oursMetrics = median(metricTimes)
  const oursFairness = median(fairnessTimes)
  const ours = oursMetrics + oursFairness
  console.log(`rows: ${rows.toLocaleString('en-US')}; metrics: ${METRICS.join(', ')}; fairness: demographic_parity_difference, equalized_odds_difference`)
  console.log('timed: the computation only, median of the runs; writing/reading the shared files and process start are excluded')
  console.log(`modelship (node ${process.version}, ${repeats} runs): metrics ${ms(oursMetrics)} + fairness ${ms(oursFairness)} = ${ms(ours)}`)

  const python = spawnSync('python3', [join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'evaluate-metrics.py'), folder, String(repeats)], { encoding: 'utf8' })
  const line = python.status === 0 ? python.stdout.trim().split('\n').pop() : undefined
  if (!line) {
    const why = python.error ? python.error.message : (python.stderr || '').trim().split('\n').pop()
    console.log(`baseline unavailable (python3 with scikit-learn and fairlearn is needed): ${why}`)
    process.exit(0)
  }
  const baseline = JSON.parse(line) as { values: Record<string, number>; metric_seconds: number[]; fairness_seconds: number[]; versions: Record<string, string> }
  const theirMetrics = median(baseline.metric_seconds)
  const theirFairness = median(baseline.fairness_seconds)
  const theirs = theirMetrics + theirFairness
  const versions = Object.entries(baseline.versions).map(([k, v]) => `${k} ${v}`).join(', ')
  console.log(`scikit-learn + fairlearn (${versions}, ${baseline.metric_seconds.length} runs): metrics ${ms(theirMetrics)} + fairness ${ms(theirFairness)} = ${ms(theirs)}`)
  console.log(`ratio (baseline / modelship): metrics ${ratio(theirMetrics, oursMetrics)}, fairness ${ratio(theirFairness, oursFairness)}, total ${ratio(theirs, ours)}`)
  let worst = 0
  let worstName = ''
  for (const [name, value] of Object.entries(baseline.values)) {
    const difference = Math.abs(value - values[name]!) / Math.max(1, Math.abs(value))
    if (difference > worst) [worst, worstName] = [difference, name]
  }
  console.log(`largest relative difference between the two results: ${worst.toExponential(2)}${worstName ? ` (${worstName})` : ''}`)
} finally {
  rmSync(folder, { recursive: true, force: true })
}
