/**
 * Throughput of `predict` beside bare onnxruntime-node `session.run`, on one session (so both use the
 * same intra-op threads), 1,000,000 rows shaped like the churn classifier's data (tenure,
 * monthly_charges, contract as a string, support_calls), generated in-process, on
 * test/fixtures/onnx/churn-classifier.onnx.
 *
 *   node --import tsx bench/inference.ts [--rows 1000000] [--batch-rows 65536] [--repeats 21] [--threads N]
 *
 * What is timed, per repeat:
 * - bare: allocating the two full-length result arrays predict also returns (int64 labels, float32
 *   probabilities), then the `session.run` calls, one per batch of `--batch-rows` rows, over input
 *   tensors built before the clock starts, fetching the same two outputs predict fetches (`label`,
 *   `probabilities`) as views of those arrays, so onnxruntime writes them in place: onnxruntime alone
 *   and no JS work, but the same memory to fill as predict.
 * - predict: one `predict(model, signature, table, { batchRows })` call, everything it does: checks,
 *   converting the Float64 columns to float32 and filling the string input batch by batch, allocating
 *   its result arrays, the same `session.run` calls, and naming the classes.
 * - building inputs: FeedBuilder over every batch with no `session.run`, to show how much of the gap
 *   is input conversion.
 * The sides alternate (bare first on even repeats, predict first on odd ones) so load from other
 * processes hits both alike; one warm-up of each is not counted. Prints, in ms, the median and min wall
 * time of each and the median process CPU time (all threads, user + system), the ratio of wall medians
 * (goal predict/bare ≥ 0.9) with, beside it, the ratio of mins, the median of the per-repeat ratios
 * and the ratio of CPU medians, and the load average before and after. Exits 1 when predict's
 * probabilities or labels differ from bare's.
 */
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import ort from 'onnxruntime-node'
import { FeedBuilder } from '../src/onnx/feeds.js'
import { loadModel } from '../src/onnx/model.js'
import { DEFAULT_BATCH_ROWS, predict, type PredictResult } from '../src/onnx/predict.js'
import { assertSignature } from '../src/onnx/signature.js'
import { tableFromColumns } from '../src/onnx/table.js'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'batch-rows': { type: 'string', default: String(DEFAULT_BATCH_ROWS) },
    repeats: { type: 'string', default: '21' },
    threads: { type: 'string' },
  },
})
const rows = Number(values.rows)
const batchRows = Number(values['batch-rows'])
const repeats = Number(values.repeats)
const threads = values.threads === undefined ? undefined : Number(values.threads)

// A fixed-seed generator so every run scores the same data.
let state = 0x9e3779b9
function random(): number {
  state = (state + 0x6d2b79f5) | 0
  let t = Math.imul(state ^ (state >>> 15), 1 | state)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const contracts = ['month-to-month', 'one-year', 'two-year']
const tenure = new Float64Array(rows)
const monthly = new Float64Array(rows)
const calls = new Float64Array(rows)
const contract: string[] = new Array(rows)
for (let i = 0; i < rows; i++) {
  tenure[i] = Math.floor(random() * 72)
  monthly[i] = Math.round((18 + random() * 102) * 100) / 100
  calls[i] = Math.floor(-Math.log(1 - random()) * 1.5)
  contract[i] = contracts[Math.floor(random() * 3)]!
}
const table = tableFromColumns({ tenure, monthly_charges: monthly, contract, support_calls: calls })

const model = await loadModel('test/fixtures/onnx/churn-classifier.onnx', threads === undefined ? {} : { intraOpThreads: threads })
const signature = assertSignature(model, {
  task: 'binary-classification',
  features: ['tenure', 'monthly_charges', 'contract', 'support_calls'],
})
const classCount = 2
const labelRank = model.outputs.find((output) => output.name === 'label')!.shape.length

// Bare's input tensors are built before timing starts: it measures onnxruntime alone, plus the
// full-length result arrays any caller needs (onnxruntime writes each batch's outputs into views of them).
const batches: Array<{ start: number; count: number; feeds: Record<string, ort.Tensor> }> = []
for (let start = 0; start < rows; start += batchRows) {
  const count = Math.min(batchRows, rows - start)
  const shape = [count, 1]
  batches.push({
    start,
    count,
    feeds: {
      tenure: new ort.Tensor('float32', Float32Array.from(tenure.subarray(start, start + count)), shape),
      monthly_charges: new ort.Tensor('float32', Float32Array.from(monthly.subarray(start, start + count)), shape),
      contract: new ort.Tensor('string', contract.slice(start, start + count), shape),
      support_calls: new ort.Tensor('float32', Float32Array.from(calls.subarray(start, start + count)), shape),
    },
  })
}

let bareLabels = new BigInt64Array(0)
let bareProbabilities = new Float32Array(0)
async function bare(): Promise<void> {
  bareLabels = new BigInt64Array(rows)
  bareProbabilities = new Float32Array(rows * classCount)
  for (const { start, count, feeds } of batches) {
    await model.session.run(feeds, {
      label: new ort.Tensor('int64', bareLabels.subarray(start, start + count), labelRank === 1 ? [count] : [count, 1]),
      probabilities: new ort.Tensor('float32', bareProbabilities.subarray(start * classCount, (start + count) * classCount), [count, classCount]),
    })
  }
}

let last: PredictResult | undefined
async function ours(): Promise<void> {
  last = await predict(model, signature, table, { batchRows })
}

async function inputsOnly(): Promise<void> {
  const builder = new FeedBuilder(signature, table, Math.min(batchRows, rows))
  for (let start = 0; start < rows; start += builder.capacity) builder.build(start, Math.min(builder.capacity, rows - start))
}

type Side = 'bare' | 'predict' | 'inputs'
const sides: Record<Side, () => Promise<void>> = { bare, predict: ours, inputs: inputsOnly }
const wall: Record<Side, number[]> = { bare: [], predict: [], inputs: [] }
const cpu: Record<Side, number[]> = { bare: [], predict: [], inputs: [] }
// Wall time is the goal's measure; process CPU time (every thread, user + system) is printed beside it
// because other processes' load inflates it far less on a shared machine.
async function measure(side: Side): Promise<void> {
  const cpuBefore = process.cpuUsage()
  const began = performance.now()
  await sides[side]()
  wall[side].push(performance.now() - began)
  const used = process.cpuUsage(cpuBefore)
  cpu[side].push((used.user + used.system) / 1000)
}

const loadBefore = loadavg()[0]!
for (const side of ['bare', 'predict', 'inputs'] as const) await sides[side]()
for (let r = 0; r < repeats; r++) {
  for (const side of r % 2 === 0 ? (['bare', 'predict'] as const) : (['predict', 'bare'] as const)) await measure(side)
  await measure('inputs')
}
const loadAfter = loadavg()[0]!

// Both sides must have computed the same thing, or the comparison means nothing.
if (!last || last.rowCount !== rows || !last.probabilities || !(last.labels instanceof BigInt64Array)) {
  console.error('predict returned no int64 labels or probabilities')
  process.exit(1)
}
for (let i = 0; i < rows * classCount; i++) {
  if (last.probabilities[i] !== bareProbabilities[i]) {
    console.error(`predict's probability ${i} is ${last.probabilities[i]} but bare session.run gave ${bareProbabilities[i]}`)
    process.exit(1)
  }
}
for (let i = 0; i < rows; i++) {
  if (last.labels[i] !== bareLabels[i]) {
    console.error(`predict's label ${i} is ${last.labels[i]} but bare session.run gave ${bareLabels[i]}`)
    process.exit(1)
  }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const rate = (ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`
const ms = (x: number) => x.toFixed(1).padStart(8)
const line = (label: string, side: Side) =>
  `${label.padEnd(44)} ${ms(median(wall[side]))} ${ms(Math.min(...wall[side]))} ${ms(median(cpu[side]))}` +
  (side === 'inputs' ? '' : `   ${rate(median(wall[side]))}`)
console.log(
  `rows ${rows.toLocaleString('en-US')}, batch ${batchRows.toLocaleString('en-US')}, ${repeats} interleaved repeats, onnxruntime-node ${ort.env.versions.common}, ` +
    `node ${process.version}, intra-op threads ${threads ?? `onnxruntime default (${cpus().length} cores)`}, load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
)
console.log(`${'ms'.padEnd(44)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'cpu med'.padStart(8)}   rate at the median`)
console.log(line('bare session.run (pre-built inputs)', 'bare'))
console.log(line('predict (from Float64/string columns)', 'predict'))
console.log(line('  building inputs alone (FeedBuilder)', 'inputs'))
const ratio = median(wall.bare) / median(wall.predict)
const ratioOf = (a: number, b: number) => (a / b).toFixed(3)
// Each repeat's two runs are adjacent in time, so their ratio cancels slow swings in machine load.
const paired = median(wall.bare.map((time, r) => time / wall.predict[r]!))
console.log(
  `ratio predict/bare: ${ratio.toFixed(3)} (wall medians; goal >= 0.9 → ${ratio >= 0.9 ? 'met' : 'NOT met'}); ` +
    `${ratioOf(Math.min(...wall.bare), Math.min(...wall.predict))} (wall mins), ${paired.toFixed(3)} (median of per-repeat ratios), ` +
    `${ratioOf(median(cpu.bare), median(cpu.predict))} (cpu medians)`,
)
await model.release()
