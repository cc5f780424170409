/**
 * The explanation part of an evaluation (`evaluate.explain`): Shapley values (exact up to 10
 * features, KernelSHAP above, as 'auto' picks) against a background sampled from the training data,
 * or permutation importance of the first metric on the first rows of the test data.
 */
import type { Column, DataTable } from '../data/table.js'
import { explainModel } from '../explain/explain.js'
import { permutationImportance } from '../explain/permutation-importance.js'
import { greaterIsBetter } from '../metrics/catalog.js'
import { computeMetrics } from '../metrics/compute-metrics.js'
import type { OnnxModel } from '../onnx/model.js'
import type { PredictResult } from '../onnx/predict.js'
import type { ModelSignature } from '../onnx/signature.js'
import type { ColumnarTable } from '../onnx/table.js'
import type { ModelSpec } from '../spec/model-schema.js'
import { sampleBackground } from './background-sample.js'
import type { Explanations } from './evaluation-schema.js'
import { finiteOrNull } from './json-values.js'

/** Rows permutation importance scores on at most (each feature costs `repeats` full predictions). */
export const PERMUTATION_ROWS = 2000

/** Inputs of `explainCandidate`. */
export interface ExplainCandidateInput {
  spec: ModelSpec
  model: OnnxModel
  signature: ModelSignature
  /** The first test rows: features for inference, plus the target column (for permutation). */
  head: { table: ColumnarTable; data: DataTable }
  /** Absolute path of the training data (the background sample's source). */
  trainPath: string
  numeric: readonly string[]
  categorical: readonly string[]
  /** A binary model's positive class (spec `evaluate.pos-label`); default its second class. */
  positiveClass?: string
}

/** Explains the candidate as the spec asks. */
export async function explainCandidate(input: ExplainCandidateInput): Promise<Explanations> {
  const { spec, model, signature, head } = input
  const options = spec.evaluate.explain
  const features = [...signature.features]
  if (options.method === 'permutation') return permutation(input, features)

  const { table: background, incompleteRows } = await sampleBackground(input.trainPath, {
    displayName: spec.data.train,
    features,
    rows: options.backgroundRows,
    numeric: input.numeric.filter((name) => features.includes(name)),
    categorical: input.categorical,
  })
  const result = await explainModel(model, signature, { background, rows: head.table }, {
    method: options.method,
    backgroundRows: options.backgroundRows,
    explainRows: options.explainRows,
    ...(input.positiveClass === undefined ? {} : { positiveClass: input.positiveClass }),
  })
  const global = result.global
    .map((entry) => ({ feature: entry.feature, importance: entry.meanAbs.map(finiteOrNull) }))
    .sort((a, b) => (b.importance[0] ?? 0) - (a.importance[0] ?? 0))
  return {
    method: result.method,
    ...(result.note === undefined ? {} : { note: result.note }),
    features,
    outputs: result.outputs,
    baseValue: result.baseValue.map(finiteOrNull),
    global,
    local: result.local.map((row) => ({
      row: row.row,
      prediction: row.prediction.map(finiteOrNull),
      attributions: row.attributions.map((values) => values.map(finiteOrNull)),
    })),
    backgroundRows: result.backgroundRows,
    backgroundIncompleteRows: incompleteRows,
    explainedRows: result.globalRows,
    dependence: result.dependence.map((entry) => ({
      feature: entry.feature,
      bins: entry.bins.map((bin) => ({ ...bin, meanAttribution: bin.meanAttribution.map(finiteOrNull) })),
    })),
  }
}

async function permutation(input: ExplainCandidateInput, features: string[]): Promise<Explanations> {
  const { spec, model, signature, head, positiveClass } = input
  const rows = Math.min(PERMUTATION_ROWS, head.table.rowCount)
  const table = rows === head.table.rowCount ? head.table : sliceColumnar(head.table, rows)
  const target = sliceColumn(head.data.columns.get(spec.data.target)!, rows)
  const metric = spec.evaluate.gates[0]?.metric ?? spec.evaluate.metrics[0]!
  const score = (prediction: PredictResult): number => {
    const input =
      spec.task === 'regression'
        ? { yTrue: (target as Extract<Column, { kind: 'numeric' }>).values, yPred: prediction.values ?? new Float64Array(0) }
        : {
            yTrue: target,
            yPred: prediction.labels ?? [],
            proba: prediction.probabilities!,
            classes: prediction.classes ?? [],
            ...(positiveClass === undefined ? {} : { posLabel: positiveClass }),
          }
    return computeMetrics(spec.task, input, [metric]).values[metric]!
  }
  const result = await permutationImportance(model, signature, table, {
    score,
    greaterIsBetter: greaterIsBetter(spec.task, metric) ?? true,
  })
  return {
    method: 'permutation',
    features,
    outputs: [metric],
    baseValue: null,
    global: result.importances
      .map((entry) => ({ feature: entry.feature, importance: [finiteOrNull(entry.mean)] }))
      .sort((a, b) => (b.importance[0] ?? 0) - (a.importance[0] ?? 0)),
    local: [],
    backgroundRows: 0,
    explainedRows: rows,
  }
}

function sliceColumnar(table: ColumnarTable, rows: number): ColumnarTable {
  const columns = new Map<string, ColumnarTable['columns'] extends ReadonlyMap<string, infer C> ? C : never>()
  for (const [name, column] of table.columns) {
    columns.set(name, column instanceof Float64Array ? column.subarray(0, rows) : Array.prototype.slice.call(column, 0, rows))
  }
  return { rowCount: rows, columns }
}

function sliceColumn(column: Column, rows: number): Column {
  return column.kind === 'numeric'
    ? { kind: 'numeric', values: column.values.subarray(0, rows) }
    : { kind: 'categorical', codes: column.codes.subarray(0, rows), categories: column.categories }
}
