/**
 * Benchmark: what the paired bootstrap intervals cost at 1,000,000 rows, beside the baseline of the
 * plain metric computation on the same rows (each model's metrics once, as evaluation does without a
 * champion's intervals). The bootstrap run is `pairedBootstrap` exactly as evaluate-model calls it:
 * replicatesFor(rows) replicates (20 at 1M rows), each drawing a Poisson(1) weight per row and
 * computing every metric of both models under those weights. The ratio bootstrap/baseline is what
 * the intervals add to the metrics phase; 20 replicates × 2 models against 2 model passes predicts
 * about 20, plus the draws.
 *
 *   node --import tsx bench/bootstrap.ts [ROWS] [REPEATS]
 *
 * Two tasks, shaped like the example models: binary (churn: roc_auc, accuracy, log_loss, float32
 * probabilities with ties) and regression (house prices: rmse, mae, r2). Each side runs REPEATS times
 * (default 1: a 1M-row binary bootstrap alone takes ~20 s on a busy 2-core machine), alternating, and
 * reports its median, after one untimed warm-up of both on 20,000 rows so neither side pays the JIT.
 * Data are generated in-process from a seed.
 */
import { performance } from 'node:perf_hooks'
import { loadavg } from 'node:os'
import { pairedBootstrap, replicatesFor } from '../src/evaluate/bootstrap.js'
import { createRandom } from '../src/explain/random.js'
import { computeMetrics, type ClassificationInput, type RegressionInput } from '../src/metrics/compute-metrics.js'
import type { Task } from '../src/metrics/catalog.js'

const rows = Number(process.argv[2] ?? 1_000_000)
const repeats = Number(process.argv[3] ?? 1)
if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(repeats) || repeats < 1) {
  throw new Error('usage: node --import tsx bench/bootstrap.ts [ROWS ≥ 1] [REPEATS ≥ 1]')
}

interface Case {
  task: Task
  names: string[]
  /** The inputs of the candidate and the champion, on the same rows. */
  inputs: [ClassificationInput | RegressionInput, ClassificationInput | RegressionInput]
}

function binaryCase(n: number): Case {
  const random = createRandom(20261202)
  const yTrue = new BigInt64Array(n)
  const models = [0, 1].map(() => ({ labels: new BigInt64Array(n), proba: new Float32Array(2 * n) }))
  for (let i = 0; i < n; i++) {
    const y = random() < 0.26 ? 1 : 0
    yTrue[i] = BigInt(y)
    models.forEach((model, m) => {
      const logit = -1.2 + (2.2 - 0.2 * m) * y + 1.4 * (random() + random() + random() - 1.5)
      // Rounded to 1e-4 as a float32 output often is: many tied scores, as real curves have.
      const p = Math.round(10_000 / (1 + Math.exp(-logit))) / 10_000
      model.proba[2 * i] = 1 - p
      model.proba[2 * i + 1] = p
      model.labels[i] = p >= 0.5 ? 1n : 0n
    })
  }
  const input = (m: number): ClassificationInput => ({ yTrue, yPred: models[m]!.labels, proba: models[m]!.proba, classes: [0n, 1n] })
  return { task: 'binary-classification', names: ['roc_auc', 'accuracy', 'log_loss'], inputs: [input(0), input(1)] }
}

function regressionCase(n: number): Case {
  const random = createRandom(20261203)
  const yTrue = new Float64Array(n)
  const predictions = [new Float64Array(n), new Float64Array(n)]
  for (let i = 0; i < n; i++) {
    yTrue[i] = 200_000 + 80_000 * (random() - 0.5)
    predictions[0]![i] = yTrue[i]! + 40_000 * (random() - 0.5)
    predictions[1]![i] = yTrue[i]! + 45_000 * (random() - 0.5)
  }
  return { task: 'regression', names: ['rmse', 'mae', 'r2'], inputs: [{ yTrue, yPred: predictions[0]! }, { yTrue, yPred: predictions[1]! }] }
}

function metrics(c: Case, m: 0 | 1, weights?: Float64Array): Record<string, number> {
  return computeMetrics(c.task, weights ? { ...c.inputs[m], sampleWeight: weights } : c.inputs[m], c.names).values
}

/** The plain computation: both models' metrics once, as the evaluation's metrics phase does. */
function baseline(c: Case): Record<string, number> {
  const candidate = metrics(c, 0)
  const champion = metrics(c, 1)
  return Object.fromEntries(c.names.map((name) => [name, candidate[name]! - champion[name]!]))
}

function bootstrap(c: Case, deltas: Record<string, number>, n = rows) {
  return pairedBootstrap({ rows: n, names: c.names, deltas, measure: (weights) => ({ candidate: metrics(c, 0, weights), champion: metrics(c, 1, weights) }) })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]!
}

console.log(`paired bootstrap vs plain metrics, ${rows.toLocaleString('en-US')} rows, ${replicatesFor(rows)} replicates, ${repeats} repeats (load ${loadavg()[0]!.toFixed(1)})`)
for (const make of [binaryCase, regressionCase]) {
  const warm = make(20_000)
  bootstrap(warm, baseline(warm), 20_000)
  const c = make(rows)
  const plain: number[] = []
  const boot: number[] = []
  let intervals: ReturnType<typeof bootstrap> = {}
  for (let r = 0; r < repeats; r++) {
    let start = performance.now()
    const deltas = baseline(c)
    plain.push(performance.now() - start)
    start = performance.now()
    intervals = bootstrap(c, deltas)
    boot.push(performance.now() - start)
  }
  const [p, b] = [median(plain), median(boot)]
  console.log(`${c.task} (${c.names.join(', ')}): plain ${p.toFixed(0)} ms, bootstrap ${b.toFixed(0)} ms, ratio ${(b / p).toFixed(1)}`)
  for (const name of c.names) {
    const interval = intervals[name]
    console.log(`  ${name}: ${interval ? `${interval.low.toPrecision(4)} to ${interval.high.toPrecision(4)}${interval.withinNoise ? ', within noise' : ''}` : 'no interval'}`)
  }
}
