/**
 * Streams the test data once and runs every model (candidate, champion) on each batch, so both see
 * exactly the same rows in the same run. Only what the metrics need is kept: predictions, the target
 * and the sensitive features of every row, and the first batch's features for explanations.
 */
import { readBatches } from '../data/read-table.js'
import type { DataTable } from '../data/table.js'
import { concatTables } from '../data/table.js'
import { ModelError, ModelshipError } from '../errors.js'
import type { OnnxModel } from '../onnx/model.js'
import { predict } from '../onnx/predict.js'
import type { ModelSignature } from '../onnx/signature.js'
import type { ColumnarTable } from '../onnx/table.js'
import { copyColumns, toColumnarTable } from './columnar.js'

/** A model to run over the test data, with the name messages use for it. */
export interface ScoringModel {
  role: 'candidate' | 'champion'
  model: OnnxModel
  signature: ModelSignature
}

/** Everything one model predicted, over all rows in file order. */
export interface ModelPredictions {
  /** Classification: class labels in probability-column order. */
  classes?: string[]
  /** Classification: the label output. */
  labels?: BigInt64Array | string[]
  /** Classification: row-major [rows, classes.length], in the model's float width. */
  probabilities?: Float32Array | Float64Array
  /** Regression: one value per row. */
  values?: Float64Array
}

/** What `scoreTestData` returns. */
export interface ScoredTestData {
  rowCount: number
  /** The target and the sensitive features of every row. */
  kept: DataTable
  /** The first batch: features and target, for explanations. */
  head: { table: ColumnarTable; data: DataTable }
  /** One entry per model, in the order given. */
  predictions: ModelPredictions[]
}

/** Options of `scoreTestData`. */
export interface ScoreOptions {
  /** How messages name the file (repository-relative path). */
  displayName: string
  features: readonly string[]
  target: string
  /** Columns kept for every row besides the target (sensitive features). */
  keep: readonly string[]
  /** Columns that must be numbers. */
  numeric: readonly string[]
  /** Columns read as text. */
  categorical: readonly string[]
  /** Rows per batch (one `session.run` per model per batch). */
  batchRows: number
}

interface Parts {
  labels: Array<BigInt64Array | string[]>
  probabilities: Array<Float32Array | Float64Array>
  values: Array<Float32Array | Float64Array>
  classes?: string[]
}

/** Prefixes a user-facing error with the model's role and file, keeping its class. */
export async function asRole<T>(scoring: Pick<ScoringModel, 'role' | 'model'>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (scoring.role === 'candidate' || !(error instanceof ModelshipError)) throw error
    const Kind = error.constructor as new (message: string, options?: { cause?: unknown }) => ModelshipError
    throw new Kind(`champion ${scoring.model.path}: ${error.message}`, { cause: error })
  }
}

/** Reads `path` in batches and runs each model on every batch. */
export async function scoreTestData(path: string, models: readonly ScoringModel[], options: ScoreOptions): Promise<ScoredTestData> {
  const keep = [options.target, ...options.keep.filter((name) => name !== options.target)]
  const columns = [...new Set([...options.features, ...keep])]
  const parts: Parts[] = models.map(() => ({ labels: [], probabilities: [], values: [] }))
  const keptBatches: DataTable[] = []
  let head: ScoredTestData['head'] | undefined
  let rowCount = 0
  const batches = readBatches(path, {
    displayName: options.displayName,
    columns,
    numeric: options.numeric,
    categorical: options.categorical,
    notNull: [...options.features, options.target],
    batchRows: options.batchRows,
  })
  for await (const batch of batches) {
    const table = toColumnarTable(batch, options.features)
    for (const [index, scoring] of models.entries()) {
      const result = await asRole(scoring, () => predict(scoring.model, scoring.signature, table, { batchRows: options.batchRows }))
      const part = parts[index]!
      if (result.values) part.values.push(result.values)
      if (result.labels && result.probabilities && result.classes) {
        if (part.classes === undefined) part.classes = result.classes
        else if (part.classes.join('\u0000') !== result.classes.join('\u0000')) {
          throw new ModelError(
            `${scoring.role} ${scoring.model.path}: its classes read [${part.classes.join(', ')}] in rows before ${rowCount + 1} but [${result.classes.join(', ')}] after. ` +
              'Fix: export the classifier with its class labels (skl2onnx keeps classlabels on the classifier node).',
          )
        }
        part.labels.push(result.labels)
        part.probabilities.push(result.probabilities)
      }
    }
    keptBatches.push(copyColumns(batch, keep))
    head ??= { table: toColumnarTable(batch, options.features), data: copyColumns(batch, columns) }
    rowCount += batch.rowCount
  }
  return {
    rowCount,
    kept: concatTables(keptBatches),
    head: head!,
    predictions: parts.map(joinParts),
  }
}

function joinParts(part: Parts): ModelPredictions {
  if (part.values.length > 0) return { values: joinNumbers(part.values, Float64Array) }
  const labels = part.labels.every((chunk) => chunk instanceof BigInt64Array)
    ? joinNumbers(part.labels as BigInt64Array[], BigInt64Array)
    : (part.labels as string[][]).flat()
  // Every batch comes from the same model, so all chunks share its width; float64 is never narrowed.
  const wide = part.probabilities.some((chunk) => chunk instanceof Float64Array)
  const probabilities = wide ? joinNumbers(part.probabilities, Float64Array) : joinNumbers(part.probabilities, Float32Array)
  return { classes: part.classes ?? [], labels, probabilities }
}

function joinNumbers<A extends Float32Array | Float64Array | BigInt64Array>(
  chunks: ReadonlyArray<Float32Array | Float64Array | BigInt64Array>,
  Kind: { new (length: number): A },
): A {
  const out = new Kind(chunks.reduce((sum, chunk) => sum + chunk.length, 0))
  let at = 0
  for (const chunk of chunks) {
    ;(out as unknown as { set(values: ArrayLike<number | bigint>, offset: number): void }).set(chunk as ArrayLike<number | bigint>, at)
    at += chunk.length
  }
  return out
}
