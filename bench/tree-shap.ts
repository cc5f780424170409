/**
 * TreeSHAP time beside shap: a gradient-boosting classifier (100 trees of depth 3, 20 features),
 * 100 background rows, 100 explained rows. Baselines, in the same run on the same rows
 * (bench/tree-shap.py trains the scikit-learn model and exports the ONNX file both sides read):
 *
 * - shap's TreeExplainer (interventional, model_output="probability") on the scikit-learn model;
 * - KernelSHAP at its default budget (2M + 2048 coalitions a row), ours and shap's (onnxruntime in
 *   Python), timed on 5 rows and given per row.
 *
 * Without Python, shap and skl2onnx it explains test/fixtures/onnx/kernel-bench-20.onnx, prints our
 * times and says the baselines are unavailable.
 *
 * Times are CPU seconds of the process (best of the repeats) on both sides: on a shared 2-core machine
 * they move far less than wall time. Both sides are single-threaded except onnxruntime's runs.
 *
 *   node --import tsx bench/tree-shap.ts [--python python3] [--repeats 3]
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { attributionAt } from '../src/explain/attributions.js'
import { kernelShap } from '../src/explain/kernel-shap.js'
import { createRandom } from '../src/explain/random.js'
import { readTreeModel, treeShap } from '../src/explain/tree-shap.js'
import { createValueFunction } from '../src/explain/value-function.js'
import { loadModel } from '../src/onnx/model.js'
import { assertSignature } from '../src/onnx/signature.js'
import { selectRows, tableFromColumns } from '../src/onnx/table.js'

const { values: args } = parseArgs({ options: { python: { type: 'string', default: 'python3' }, repeats: { type: 'string', default: '3' } } })
const REPEATS = Number(args.repeats)
const FEATURES = Array.from({ length: 20 }, (_, i) => `f${i}`)
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}
const table = (rows: number[][]) => tableFromColumns(Object.fromEntries(FEATURES.map((f, j) => [f, Float64Array.from(rows, (r) => r[j]!)])))

const dir = mkdtempSync(join(tmpdir(), 'modelship-tree-bench-'))
try {
  const run = spawnSync(args.python!, ['bench/tree-shap.py', dir, '--repeats', String(REPEATS)], { encoding: 'utf8', maxBuffer: 64 << 20 })
  const line = run.stdout?.trim().split('\n').at(-1)
  const baseline = line ? (JSON.parse(line) as { tree_seconds?: number; kernel_seconds_per_row?: number; shap?: string; tree_values?: number[][]; unavailable?: string }) : undefined
  const available = !run.error && run.status === 0 && baseline?.tree_seconds !== undefined
  let modelPath: string
  let backgroundRows: number[][]
  let explainedRows: number[][]
  if (available) {
    modelPath = join(dir, 'model.onnx')
    ;({ background: backgroundRows, rows: explainedRows } = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) as { background: number[][]; rows: number[][] })
  } else {
    modelPath = 'test/fixtures/onnx/kernel-bench-20.onnx'
    const random = createRandom(2024)
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
    backgroundRows = Array.from({ length: 100 }, () => FEATURES.map(normal))
    explainedRows = Array.from({ length: 100 }, () => FEATURES.map(normal))
  }
  const model = await loadModel(modelPath)
  const signature = assertSignature(model, { task: 'binary-classification', features: FEATURES })
  const background = table(backgroundRows)
  const rows = table(explainedRows)

  // Best of REPEATS: the machine may be shared, and the best run is the least disturbed.
  let treeSeconds = Infinity
  let treeResult
  for (let r = 0; r < REPEATS; r++) {
    const began = process.cpuUsage()
    const trees = await readTreeModel(model, signature)
    treeResult = await treeShap(model, signature, trees, background, rows)
    treeSeconds = Math.min(treeSeconds, cpuSeconds(began))
  }
  const fiveRows = selectRows(rows, [0, 1, 2, 3, 4])
  const kernelBegan = process.cpuUsage()
  const valueFunction = await createValueFunction(model, signature, background, fiveRows)
  await kernelShap(valueFunction, fiveRows, background)
  const kernelPerRow = cpuSeconds(kernelBegan) / 5
  await model.release()

  const perRow = treeSeconds / 100
  console.log(`TreeSHAP, 20 features, 100 background rows, 100 explained rows (${modelPath.endsWith('kernel-bench-20.onnx') ? '30' : '100'} trees of depth 3), best of ${REPEATS}, CPU seconds`)
  console.log(`modelship TreeSHAP (exact, from the ONNX trees): ${treeSeconds.toFixed(3)} s (${(perRow * 1000).toFixed(2)} ms a row)`)
  console.log(`modelship KernelSHAP (2M + 2048 coalitions): ${kernelPerRow.toFixed(3)} s a row; ratio KernelSHAP/TreeSHAP per row: ${(kernelPerRow / perRow).toFixed(0)}x (goal >= 100)`)
  if (!available) {
    console.log(`baselines unavailable (${args.python} with shap, scikit-learn, skl2onnx and onnxruntime: ${run.error?.message ?? baseline?.unavailable ?? (run.stderr.trim().split('\n').at(-1) || `exit ${run.status}`)})`)
  } else {
    let maxDifference = 0
    baseline!.tree_values!.forEach((phis, r) => phis.forEach((phi, j) => (maxDifference = Math.max(maxDifference, Math.abs(phi - attributionAt(treeResult!, r, j))))))
    console.log(`shap ${baseline!.shap} TreeExplainer (scikit-learn model, interventional, probability): ${baseline!.tree_seconds!.toFixed(3)} s`)
    console.log(`ratio shap TreeExplainer/modelship TreeSHAP: ${(baseline!.tree_seconds! / treeSeconds).toFixed(2)}x (goal >= 1: no slower)`)
    console.log(`shap KernelExplainer (onnxruntime in Python): ${baseline!.kernel_seconds_per_row!.toFixed(3)} s a row; ratio to modelship TreeSHAP per row: ${(baseline!.kernel_seconds_per_row! / perRow).toFixed(0)}x (goal >= 100)`)
    console.log(`max |φ_modelship − φ_shap TreeExplainer|: ${maxDifference.toExponential(2)} (exact on both sides; ONNX stores float32 leaf values)`)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
