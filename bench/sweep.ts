/**
 * A sweep of 8 trials at parallelism 2 beside the same 8 trials one after the other (issue 16's
 * measure; goal ≥ 1.7× on 2 cores). Each trial is a real training: L2 logistic regression fitted
 * by gradient descent in Node (bench/sweep-fixture/train.mjs, no Python) on the example repository's
 * churn data, exported as ONNX, checked, and evaluated on the test data by the evaluate step. The
 * grid is C [0.01, 0.1, 1, 10] × epochs [--epochs, 2 × --epochs]; the cache is off so both sweeps train.
 * Wall times, because the point is the wall time a sweep takes; on a shared machine they move.
 *
 *   node --import tsx bench/sweep.ts [--epochs 1500]
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadModelSpec } from '../src/spec/index.js'
import { runSweep, type SweepResult } from '../src/sweep/index.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({ options: { epochs: { type: 'string', default: '1500' } } })
const epochs = Number(values.epochs)

const repo = mkdtempSync(join(tmpdir(), 'modelship-bench-sweep-'))
try {
  mkdirSync(join(repo, 'models/churn'), { recursive: true })
  mkdirSync(join(repo, 'data/churn'), { recursive: true })
  cpSync(join(ROOT, 'bench/sweep-fixture/train.mjs'), join(repo, 'models/churn/train.mjs'))
  for (const file of ['train.csv', 'test.csv']) cpSync(join(ROOT, 'example-repo/data/churn', file), join(repo, 'data/churn', file))
  writeFileSync(
    join(repo, 'models/churn/model.yaml'),
    [
      'apiVersion: modelship/v1',
      'kind: Model',
      'name: churn',
      'task: binary-classification',
      'data:',
      '  train: data/churn/train.csv',
      '  test: data/churn/test.csv',
      '  target: churned',
      '  features: [tenure, monthly_charges, support_calls]',
      'train:',
      '  command: [node, train.mjs]',
      `  params: { C: 1.0, epochs: ${epochs}, learning_rate: 0.5 }`,
      '  sweep:',
      `    params: { C: [0.01, 0.1, 1, 10], epochs: [${epochs}, ${2 * epochs}] }`,
      '    budget: 8',
      '    metric: roc_auc',
      'evaluate:',
      '  metrics: [roc_auc, accuracy, log_loss]',
      '  gates:',
      '    - { metric: roc_auc, threshold: 0.6 }',
      '',
    ].join('\n'),
  )
  execFileSync('git', ['init', '-q'], { cwd: repo })
  const spec = await loadModelSpec(repo, 'models/churn/model.yaml')
  const sweep = async (parallelism: number): Promise<{ ms: number; result: SweepResult }> => {
    const started = performance.now()
    const result = await runSweep({ repoRoot: repo, specFile: 'models/churn/model.yaml', spec, parallelism, cache: false })
    return { ms: performance.now() - started, result }
  }
  console.log(`sweep bench: 8 trials, ${epochs}/${2 * epochs} epochs, ${cpus().length} CPUs, load ${loadavg().map((value) => value.toFixed(1)).join(' ')}`)
  const serial = await sweep(1)
  const parallel = await sweep(2)
  for (const { result } of [serial, parallel]) {
    const errors = result.trials.filter((trial) => trial.status === 'error')
    if (errors.length > 0) throw new Error(`${errors.length} trials failed: ${errors[0]!.error?.message}`)
  }
  if (serial.result.selected !== parallel.result.selected) throw new Error(`the two sweeps selected ${serial.result.selected} and ${parallel.result.selected}`)
  console.log(`one after the other: ${(serial.ms / 1000).toFixed(2)} s`)
  console.log(`parallelism 2:       ${(parallel.ms / 1000).toFixed(2)} s`)
  console.log(`ratio:               ${(serial.ms / parallel.ms).toFixed(2)}× (goal ≥ 1.7× on 2 cores)`)
  console.log(`selected ${parallel.result.selected}: ${parallel.result.reason}`)
  console.log(`load after: ${loadavg().map((value) => value.toFixed(1)).join(' ')}`)
} finally {
  rmSync(repo, { recursive: true, force: true })
}
