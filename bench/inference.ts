/**
 * Throughput of `predict` beside bare onnxruntime-node `session.run` over the same pre-built tensors.
 * 1,000,000 rows shaped like the churn classifier's data (tenure, monthly_charges, contract as a
 * string, support_calls), generated in-process, on test/fixtures/onnx/churn-classifier.onnx.
 *
 *   node --import tsx bench/inference.ts [--rows 1000000] [--batch-rows 65536] [--repeats 3]
 *
 * Prints both throughputs (rows/s, best of the repeats) and predict/bare (goal ≥ 0.9).
 */
import { parseArgs } from 'node:util'
import ort from 'onnxruntime-node'
import { loadModel } from '../src/onnx/model.js'
import { DEFAULT_BATCH_ROWS, predict } from '../src/onnx/predict.js'
import { assertSignature } from '../src/onnx/signature.js'
import { tableFromColumns } from '../src/onnx/table.js'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'batch-rows': { type: 'string', default: String(DEFAULT_BATCH_ROWS) },
    repeats: { type: 'string', default: '3' },
  },
})
const rows = Number(values.rows)
const batchRows = Number(values['batch-rows'])
const repeats = Number(values.repeats)

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

const model = await loadModel('test/fixtures/onnx/churn-classifier.onnx')
const signature = assertSignature(model, {
  task: 'binary-classification',
  features: ['tenure', 'monthly_charges', 'contract', 'support_calls'],
})

// The baseline's tensors are built before timing starts: it measures onnxruntime alone.
const prebuilt: Array<Record<string, ort.Tensor>> = []
for (let start = 0; start < rows; start += batchRows) {
  const count = Math.min(batchRows, rows - start)
  const shape = [count, 1]
  prebuilt.push({
    tenure: new ort.Tensor('float32', Float32Array.from(tenure.subarray(start, start + count)), shape),
    monthly_charges: new ort.Tensor('float32', Float32Array.from(monthly.subarray(start, start + count)), shape),
    contract: new ort.Tensor('string', contract.slice(start, start + count), shape),
    support_calls: new ort.Tensor('float32', Float32Array.from(calls.subarray(start, start + count)), shape),
  })
}

// The same outputs predict fetches (this model has no others), so both sides do the same work in onnxruntime.
const FETCHES = ['label', 'probabilities']
async function bare(): Promise<number> {
  const began = performance.now()
  for (const feeds of prebuilt) await model.session.run(feeds, FETCHES)
  return performance.now() - began
}

async function ours(): Promise<number> {
  const began = performance.now()
  const result = await predict(model, signature, table, { batchRows })
  const elapsed = performance.now() - began
  if (result.probabilities?.length !== rows * 2) throw new Error('predict returned the wrong number of rows')
  return elapsed
}

await bare()
await ours()
let bestBare = Infinity
let bestOurs = Infinity
for (let r = 0; r < repeats; r++) {
  bestBare = Math.min(bestBare, await bare())
  bestOurs = Math.min(bestOurs, await ours())
}
const bareRate = rows / (bestBare / 1000)
const oursRate = rows / (bestOurs / 1000)
const format = (rate: number) => `${Math.round(rate).toLocaleString('en-US')} rows/s`
console.log(`rows ${rows.toLocaleString('en-US')}, batch ${batchRows.toLocaleString('en-US')}, best of ${repeats}, onnxruntime-node ${ort.env.versions.common}`)
console.log(`bare session.run (pre-built tensors): ${format(bareRate)} (${bestBare.toFixed(0)} ms)`)
console.log(`predict (builds tensors from columns): ${format(oursRate)} (${bestOurs.toFixed(0)} ms)`)
console.log(`ratio predict/bare: ${(oursRate / bareRate).toFixed(3)} (goal >= 0.9)`)
await model.release()
