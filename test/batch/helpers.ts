/** Shared pieces of the batch-scoring tests: deterministic data files and a run with a quiet progress. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Table, tableFromArrays, tableToIPC } from 'apache-arrow'
import { parquetWriteFile } from 'hyparquet-writer'
import { batchScore, createProgress, describeInputs, type BatchScoreOptions, type BatchScoreResult } from '../../src/batch/index.js'

/** The six-feature regressor and the spec that names its features. */
export const FOREST = resolve('test/fixtures/onnx/nonlinear-regressor-6.onnx')
export const FOREST_FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'] as const
export const CHURN = resolve('test/fixtures/onnx/churn-classifier.onnx')
export const REPO = resolve('test/fixtures/batch/repo')

/** Feature f<j> of row i of data set `seed`: deterministic, varied, never null. */
export function featureValue(seed: number, i: number, j: number): number {
  return Math.sin((i + 1) * (j + 1) + seed) * (j + 1)
}

/** Writes `rows` rows of f0..f5 to `path` in the format its extension names (Arrow in batches of 700 rows, Parquet in row groups of 900). */
export async function writeForestData(path: string, rows: number, seed = 0): Promise<void> {
  const columns = FOREST_FEATURES.map((name, j) => ({ name, data: Float64Array.from({ length: rows }, (_, i) => featureValue(seed, i, j)) }))
  if (path.endsWith('.parquet')) {
    parquetWriteFile({ filename: path, columnData: columns.map((c) => ({ ...c, type: 'DOUBLE' as const })), rowGroupSize: 900 })
  } else if (path.endsWith('.arrow')) {
    const batches = []
    for (let start = 0; start < rows; start += 700) {
      batches.push(...tableFromArrays(Object.fromEntries(columns.map((c) => [c.name, c.data.slice(start, start + 700)]))).batches)
    }
    await writeFile(path, tableToIPC(new Table(batches), 'file'))
  } else {
    const lines = [FOREST_FEATURES.join(',')]
    for (let i = 0; i < rows; i++) lines.push(columns.map((c) => String(c.data[i])).join(','))
    await writeFile(path, lines.join('\n') + '\n')
  }
}

/** A fresh temporary folder, removed by the returned function. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `modelship-batch-${prefix}-`))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

/** Runs batchScore with the forest model over `files` (relative to `cwd`), progress lines collected. */
export async function scoreForest(
  cwd: string,
  files: readonly string[],
  options: Partial<Omit<BatchScoreOptions, 'inputs' | 'progress'>> = {},
): Promise<BatchScoreResult & { log: string }> {
  let log = ''
  const result = await batchScore({
    model: { path: FOREST, name: 'forest', version: 'v0.0.1', source: 'forest@v0.0.1' },
    task: 'regression',
    features: FOREST_FEATURES,
    outputDir: join(cwd, 'out'),
    format: 'arrow',
    workers: 2,
    batchRows: 500,
    ...options,
    inputs: await describeInputs(files.map((f) => resolve(cwd, f)), cwd),
    progress: createProgress({ mode: 'batches', write: (text) => void (log += text) }),
  })
  return { ...result, log }
}
