/**
 * KernelSHAP time beside the shap library: 20 features, 100 background rows, 5 explained rows, on
 * test/fixtures/onnx/kernel-bench-20.onnx (gradient boosting). The baseline is shap's KernelExplainer
 * (l1_reg=False, default budget 2M + 2048) calling onnxruntime in Python on the same model and data
 * (bench/kernel-shap.py); without Python or shap it says the baseline is unavailable and exits 0.
 *
 *   node --import tsx bench/kernel-shap.ts [--python python3] [--repeats 3]
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { attributionAt } from '../src/explain/attributions.js'
import { kernelShap } from '../src/explain/kernel-shap.js'
import { createRandom } from '../src/explain/random.js'
import { createValueFunction } from '../src/explain/value-function.js'
import { loadModel } from '../src/onnx/model.js'
import { assertSignature } from '../src/onnx/signature.js'
import { tableFromColumns } from '../src/onnx/table.js'

const { values: args } = parseArgs({ options: { python: { type: 'string', default: 'python3' }, repeats: { type: 'string', default: '3' } } })
const MODEL = 'test/fixtures/onnx/kernel-bench-20.onnx'
const FEATURES = Array.from({ length: 20 }, (_, i) => `f${i}`)

// Standard normal rows from a seeded generator (Box–Muller), like the model's training data.
const random = createRandom(2024)
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
const makeRows = (n: number) => Array.from({ length: n }, () => FEATURES.map(normal))
const backgroundRows = makeRows(100)
const explainedRows = makeRows(5)
const table = (rows: number[][]) => tableFromColumns(Object.fromEntries(FEATURES.map((f, j) => [f, Float64Array.from(rows, (r) => r[j]!)])))

const model = await loadModel(MODEL)
const signature = assertSignature(model, { task: 'binary-classification', features: FEATURES })
const background = table(backgroundRows)
const rows = table(explainedRows)

async function runOurs() {
  const began = performance.now()
  const valueFunction = await createValueFunction(model, signature, background, rows)
  const result = await kernelShap(valueFunction, rows, background)
  return { result, seconds: (performance.now() - began) / 1000, runs: valueFunction.runs }
}
const REPEATS = Number(args.repeats)
const dir = mkdtempSync(join(tmpdir(), 'modelship-bench-'))
try {
  const input = join(dir, 'input.json')
  writeFileSync(input, JSON.stringify({ model: MODEL, background: backgroundRows, rows: explainedRows }))
  // Interleaved repeats, best of each: the machine may be shared, and the best run is the least disturbed.
  let best = await runOurs()
  let baseline: { seconds: number; shap: string; values: number[][] } | undefined
  let unavailable: string | undefined
  for (let r = 0; r < REPEATS; r++) {
    if (r > 0) {
      const again = await runOurs()
      if (again.seconds < best.seconds) best = again
    }
    if (unavailable) continue
    const run = spawnSync(args.python!, ['bench/kernel-shap.py', input], { encoding: 'utf8', maxBuffer: 64 << 20 })
    const line = run.stdout?.trim().split('\n').at(-1)
    const parsed = line ? (JSON.parse(line) as { seconds?: number; shap?: string; values?: number[][]; unavailable?: string }) : undefined
    if (run.error || run.status !== 0 || parsed?.seconds === undefined) {
      unavailable = run.error?.message ?? parsed?.unavailable ?? (run.stderr.trim().split('\n').at(-1) || `exit ${run.status}`)
    } else if (!baseline || parsed.seconds < baseline.seconds) {
      baseline = { seconds: parsed.seconds, shap: parsed.shap ?? '?', values: parsed.values ?? [] }
    }
  }
  console.log(`KernelSHAP, 20 features, 100 background rows, 5 rows, ${2 * 20 + 2048} coalitions a row, best of ${REPEATS}`)
  console.log(`modelship kernelShap: ${best.seconds.toFixed(2)} s (${best.runs} session.run calls)`)
  if (unavailable || !baseline) {
    console.log(`baseline unavailable (${args.python} with shap and onnxruntime: ${unavailable}); no ratio`)
  } else {
    let maxDifference = 0
    baseline.values.forEach((phis, r) => phis.forEach((phi, j) => (maxDifference = Math.max(maxDifference, Math.abs(phi - attributionAt(best.result, r, j))))))
    console.log(`shap ${baseline.shap} KernelExplainer (onnxruntime in Python): ${baseline.seconds.toFixed(2)} s`)
    console.log(`ratio shap/modelship: ${(baseline.seconds / best.seconds).toFixed(2)}x (goal > 1: faster than shap)`)
    console.log(`max |φ_modelship − φ_shap|: ${maxDifference.toExponential(2)} (both sample coalitions; different generators)`)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
  await model.release()
}
