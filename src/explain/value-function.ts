/**
 * The interventional (background-data) value function of a coalition S of features for a row x:
 *
 *   v(S) = (1/B) Σ_b f(x_S, b_S̄)
 *
 * the model's mean output when the features in S take x's values and the others each background
 * row's values (Janzing et al. 2020, "Feature relevance quantification in explainable AI: a causal
 * problem"; the value function of shap's KernelExplainer). v(∅) = E_b[f] is the base value and
 * v(all) = f(x). Substitution copies values, so numeric and categorical (string) features alike work.
 *
 * Coalitions of many rows are evaluated together: their synthetic rows are stacked into one table and
 * scored in as few `session.run` calls as `maxRowsPerRun` allows.
 */
import { DataError } from '../errors.js'
import type { OnnxModel } from '../onnx/model.js'
import type { ModelSignature } from '../onnx/signature.js'
import { isNumericColumn, requireColumn, type CategoricalColumn, type ColumnarTable, type TableColumn } from '../onnx/table.js'
import { evaluateOutputs } from './model-output.js'

/** Default cap on synthetic rows scored by one `session.run` (about 50 MB of inputs at 10 float features). */
export const DEFAULT_MAX_ROWS_PER_RUN = 1 << 19

/** Coalitions to evaluate for one explained row: `masks` is row-major [count, M], 1 = feature taken from x. */
export interface CoalitionRequest {
  row: number
  masks: Uint8Array
  count: number
}

/** The value function for a model, a background sample and the rows to explain. */
export interface ValueFunction {
  features: readonly string[]
  /** Names of the K explained outputs, e.g. ['P(1)']. */
  outputNames: string[]
  /** v(∅) = mean model output over the background, per output. */
  baseValue: Float64Array
  /** f(x) for each explained row, row-major [rows, K]. */
  predictions: Float64Array
  backgroundRows: number
  /** v(S) for each request's masks: one Float64Array [count, K] per request. */
  evaluate(requests: readonly CoalitionRequest[]): Promise<Float64Array[]>
  /** `session.run` calls made so far (each predict batch counts one). */
  readonly runs: number
}

/** Options for `createValueFunction`. */
export interface ValueFunctionOptions {
  /** Synthetic rows per `session.run`; default DEFAULT_MAX_ROWS_PER_RUN. */
  maxRowsPerRun?: number
  /** A binary model's positive class, whose probability is explained; default its second class. */
  positiveClass?: string
}

function featureColumns(table: ColumnarTable, features: readonly string[]): TableColumn[] {
  return features.map((feature) => requireColumn(table, feature))
}

/** Builds the value function; scores the background and the explained rows once each. */
export async function createValueFunction(
  model: OnnxModel,
  signature: ModelSignature,
  background: ColumnarTable,
  rows: ColumnarTable,
  options: ValueFunctionOptions = {},
): Promise<ValueFunction> {
  const features = signature.features
  const backgroundCount = background.rowCount
  if (backgroundCount === 0) {
    throw new DataError('the background data has no rows; explanations need background rows (explain.background-rows, from the training data)')
  }
  const maxRowsPerRun = Math.max(backgroundCount, options.maxRowsPerRun ?? DEFAULT_MAX_ROWS_PER_RUN)
  const backgroundColumns = featureColumns(background, features)
  const rowColumns = featureColumns(rows, features)
  backgroundColumns.forEach((column, j) => {
    if (isNumericColumn(column) !== isNumericColumn(rowColumns[j]!)) {
      throw new DataError(
        `feature '${features[j]}' is ${isNumericColumn(column) ? 'numeric' : 'categorical'} in the background data but not in the explained rows; read both from files with the same column types`,
      )
    }
  })

  let runs = 0
  const score = async (table: ColumnarTable) => {
    runs += Math.max(1, Math.ceil(table.rowCount / maxRowsPerRun))
    return evaluateOutputs(model, signature, table, maxRowsPerRun, options.positiveClass)
  }
  const backgroundOutputs = await score(background)
  const outputCount = backgroundOutputs.names.length
  const baseValue = new Float64Array(outputCount)
  for (let i = 0; i < backgroundCount; i++) {
    for (let k = 0; k < outputCount; k++) baseValue[k]! += backgroundOutputs.values[i * outputCount + k]!
  }
  for (let k = 0; k < outputCount; k++) baseValue[k]! /= backgroundCount
  const predictions = (await score(rows)).values

  /** Scores `pairs` (request, mask) stacked as pairs × B synthetic rows and averages each block of B. */
  async function evaluateChunk(pairs: Array<[CoalitionRequest, number]>, results: Float64Array[], requestIndex: Map<CoalitionRequest, number>) {
    const total = pairs.length * backgroundCount
    const columns = new Map<string, TableColumn>()
    features.forEach((feature, j) => {
      const backgroundColumn = backgroundColumns[j]!
      const rowColumn = rowColumns[j]!
      const M = features.length
      if (isNumericColumn(backgroundColumn)) {
        const x = rowColumn as Float64Array
        const out = new Float64Array(total)
        pairs.forEach(([request, m], p) => {
          const offset = p * backgroundCount
          if (request.masks[m * M + j]) out.fill(x[request.row]!, offset, offset + backgroundCount)
          else out.set(backgroundColumn, offset)
        })
        columns.set(feature, out)
      } else {
        const out = new Array<string | null | undefined>(total)
        pairs.forEach(([request, m], p) => {
          const offset = p * backgroundCount
          if (request.masks[m * M + j]) {
            const value = (rowColumn as CategoricalColumn)[request.row]
            for (let b = 0; b < backgroundCount; b++) out[offset + b] = value
          } else {
            for (let b = 0; b < backgroundCount; b++) out[offset + b] = backgroundColumn[b]
          }
        })
        columns.set(feature, out)
      }
    })
    const outputs = await score({ rowCount: total, columns })
    pairs.forEach(([request, m], p) => {
      const target = results[requestIndex.get(request)!]!
      for (let k = 0; k < outputCount; k++) {
        let sum = 0
        for (let b = 0; b < backgroundCount; b++) sum += outputs.values[(p * backgroundCount + b) * outputCount + k]!
        target[m * outputCount + k] = sum / backgroundCount
      }
    })
  }

  return {
    features,
    outputNames: backgroundOutputs.names,
    baseValue,
    predictions,
    backgroundRows: backgroundCount,
    get runs() {
      return runs
    },
    async evaluate(requests) {
      const results = requests.map((request) => new Float64Array(request.count * outputCount))
      const requestIndex = new Map(requests.map((request, i) => [request, i]))
      const pairsPerRun = Math.max(1, Math.floor(maxRowsPerRun / backgroundCount))
      let chunk: Array<[CoalitionRequest, number]> = []
      for (const request of requests) {
        for (let m = 0; m < request.count; m++) {
          chunk.push([request, m])
          if (chunk.length === pairsPerRun) {
            await evaluateChunk(chunk, results, requestIndex)
            chunk = []
          }
        }
      }
      if (chunk.length > 0) await evaluateChunk(chunk, results, requestIndex)
      return results
    },
  }
}
