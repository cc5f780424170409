/**
 * The explanation step of evaluation (`evaluate.explain` in the spec): picks the method, samples the
 * background and the rows, and returns global mean |φ| per feature and local attributions.
 *
 * method 'auto' → exact TreeSHAP for a tree ensemble whose trees reproduce the model's outputs
 * (src/explain/tree-shap.ts), else exact Shapley values up to MAX_EXACT_FEATURES features, KernelSHAP above.
 * Background: `backgroundRows` rows sampled (seeded, without replacement) from the background table
 * (the training data). Local attributions: the first `explainRows` rows of the explained table.
 * Global importance: mean |φ| over those rows plus a seeded sample of the others, `globalRows` in all.
 */
import { UsageError } from '../errors.js'
import type { OnnxModel } from '../onnx/model.js'
import type { ModelSignature } from '../onnx/signature.js'
import { asColumnarTable, selectRows, type TableLike } from '../onnx/table.js'
import type { Attributions } from './attributions.js'
import { featureDependence, type FeatureDependence } from './dependence.js'
import { exactShapley, MAX_EXACT_FEATURES } from './exact-shapley.js'
import { kernelShap } from './kernel-shap.js'
import { readTreeModel, treeShap, UnsupportedTreeModel, type TreeModel } from './tree-shap.js'
import { createRandom, sampleIndices } from './random.js'
import { createValueFunction } from './value-function.js'

/** Which Shapley estimator to use. */
export type ExplainMethod = 'auto' | 'exact' | 'kernel' | 'tree'

/** Options for `explainModel` (spec `evaluate.explain`, camelCased). */
export interface ExplainOptions {
  /** Default 'auto'. */
  method?: ExplainMethod
  /** Background rows sampled from the background table; default 100. */
  backgroundRows?: number
  /** Rows with local attributions, from the start of the explained table; default 5. */
  explainRows?: number
  /** Rows averaged for global importance (including the explainRows); default 50. */
  globalRows?: number
  /** Seed for sampling rows and coalitions; default 0. */
  seed?: number
  /** KernelSHAP coalitions per row; default 2M + 2048. */
  samples?: number
  /** Synthetic rows per `session.run`; default value-function's. */
  maxRowsPerRun?: number
  /** A binary model's positive class (spec `evaluate.pos-label`); default its second class. */
  positiveClass?: string
}

/** Global importance of one feature: mean |φ| per explained output. */
export interface GlobalImportance {
  feature: string
  meanAbs: number[]
}

/** Attributions of one explained row. */
export interface LocalExplanation {
  /** Index of the row in the explained table. */
  row: number
  /** f(x) per output. */
  prediction: number[]
  /** φ per feature (in feature order), per output. */
  attributions: number[][]
}

/** What `explainModel` returns. */
export interface ExplanationResult {
  method: 'exact' | 'kernel' | 'tree'
  /** Why 'auto' did not pick TreeSHAP for a tree-ensemble model, when it did not. */
  note?: string
  features: string[]
  outputs: string[]
  /** E[f] over the background sample, per output. */
  baseValue: number[]
  /** In feature order; sort by meanAbs for a ranking. */
  global: GlobalImportance[]
  local: LocalExplanation[]
  backgroundRows: number
  /** Rows averaged for `global`. */
  globalRows: number
  modelRuns: number
  /** Binned φ against feature value for the DEPENDENCE_FEATURES features of largest mean |φ| (first output). */
  dependence: FeatureDependence[]
}

/** Features with a dependence summary. */
export const DEPENDENCE_FEATURES = 3

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`explain.${name} ${value} is not a positive whole number; use e.g. ${name === 'background-rows' ? 100 : 5}`)
  return value
}

/** Explains `model` on `rows` against background data drawn from `background`. */
export async function explainModel(
  model: OnnxModel,
  signature: ModelSignature,
  data: { background: TableLike; rows: TableLike },
  options: ExplainOptions = {},
): Promise<ExplanationResult> {
  const features = [...signature.features]
  const M = features.length
  const requested = options.method ?? 'auto'
  let trees: TreeModel | undefined
  let note: string | undefined
  if (requested === 'tree' || requested === 'auto') {
    try {
      trees = await readTreeModel(model, signature, options.positiveClass)
    } catch (error) {
      if (!(error instanceof UnsupportedTreeModel)) throw error
      if (requested === 'tree') throw new UsageError(`explain.method tree cannot explain ${model.path}: ${error.message}; use method: auto (or kernel)`)
      if (error.hasTrees) note = `TreeSHAP not used: ${error.message}`
    }
  }
  let method: 'exact' | 'kernel' | 'tree' = trees ? 'tree' : requested === 'auto' || requested === 'tree' ? (M <= MAX_EXACT_FEATURES ? 'exact' : 'kernel') : requested
  if (method === 'exact' && M > MAX_EXACT_FEATURES) {
    throw new UsageError(`explain.method exact enumerates 2^M coalitions and takes at most ${MAX_EXACT_FEATURES} features; this model has ${M}; use method: kernel or auto`)
  }
  const backgroundCount = positiveInteger('background-rows', options.backgroundRows ?? 100)
  const explainCount = Math.min(positiveInteger('explain-rows', options.explainRows ?? 5), data.rows.rowCount)
  const globalCount = Math.min(Math.max(explainCount, options.globalRows ?? 50), data.rows.rowCount)
  const seed = options.seed ?? 0
  const random = createRandom(seed)

  const background = selectRows(asColumnarTable(data.background), sampleIndices(data.background.rowCount, backgroundCount, random))
  const others = sampleIndices(data.rows.rowCount - explainCount, globalCount - explainCount, random).map((i) => i + explainCount)
  const rowIndices = [...Array.from({ length: explainCount }, (_, i) => i), ...others]
  const rows = selectRows(asColumnarTable(data.rows), rowIndices)

  let treeAttributions: Attributions | undefined
  if (trees) {
    try {
      treeAttributions = await treeShap(model, signature, trees, background, rows, options.positiveClass)
    } catch (error) {
      if (!(error instanceof UnsupportedTreeModel)) throw error
      if (requested === 'tree') throw new UsageError(`explain.method tree cannot explain ${model.path}: ${error.message}; use method: auto (or kernel)`)
      note = `TreeSHAP not used: ${error.message}`
      method = M <= MAX_EXACT_FEATURES ? 'exact' : 'kernel'
    }
  }
  let attributions: Attributions
  let modelRuns: number
  if (treeAttributions) {
    attributions = treeAttributions
    modelRuns = treeAttributions.modelRuns
  } else {
    const valueFunction = await createValueFunction(model, signature, background, rows, {
      ...(options.maxRowsPerRun === undefined ? {} : { maxRowsPerRun: options.maxRowsPerRun }),
      ...(options.positiveClass === undefined ? {} : { positiveClass: options.positiveClass }),
    })
    const kernelOptions = { seed, ...(options.samples === undefined ? {} : { samples: options.samples }) }
    attributions = method === 'exact' ? await exactShapley(valueFunction) : await kernelShap(valueFunction, rows, background, kernelOptions)
    modelRuns = valueFunction.runs
  }

  const K = attributions.outputNames.length
  const at = (row: number, j: number, k: number) => attributions.values[(row * M + j) * K + k]!
  const global = features.map((feature, j) => ({
    feature,
    meanAbs: Array.from({ length: K }, (_, k) => {
      let sum = 0
      for (let row = 0; row < rows.rowCount; row++) sum += Math.abs(at(row, j, k))
      return rows.rowCount === 0 ? 0 : sum / rows.rowCount
    }),
  }))
  const local = Array.from({ length: explainCount }, (_, row) => ({
    row: rowIndices[row]!,
    prediction: Array.from({ length: K }, (_, k) => attributions.predictions[row * K + k]!),
    attributions: features.map((_, j) => Array.from({ length: K }, (_, k) => at(row, j, k))),
  }))
  const dependence = [...global]
    .sort((a, b) => b.meanAbs[0]! - a.meanAbs[0]!)
    .slice(0, DEPENDENCE_FEATURES)
    .map((entry) => featureDependence(attributions, rows, entry.feature))
  return {
    method,
    features,
    outputs: attributions.outputNames,
    baseValue: [...attributions.baseValue],
    global,
    local,
    backgroundRows: background.rowCount,
    globalRows: rows.rowCount,
    modelRuns,
    dependence,
    ...(note === undefined ? {} : { note }),
  }
}
