/**
 * Permutation importance (Breiman 2001; scikit-learn's `permutation_importance`): the drop in a
 * score when one feature's column is shuffled, breaking its link to the target,
 *
 *   importance_j = s − (1/R) Σ_r s_{j,r}      (greater-is-better scores)
 *   importance_j = (1/R) Σ_r s_{j,r} − s      (losses, so that larger always means more important)
 *
 * over R repeats with seeded shuffles. `std` is the population standard deviation of the R drops,
 * as scikit-learn reports it. A feature the model ignores scores exactly 0.
 */
import { UsageError } from '../errors.js'
import type { OnnxModel } from '../onnx/model.js'
import { predict, type PredictResult } from '../onnx/predict.js'
import type { ModelSignature } from '../onnx/signature.js'
import { asColumnarTable, isNumericColumn, requireColumn, type TableColumn, type TableLike } from '../onnx/table.js'
import { createRandom, shuffleInPlace } from './random.js'

/** Options for `permutationImportance`. */
export interface PermutationImportanceOptions {
  /** The metric: scores a prediction of every row of the table (the target is the caller's). */
  score: (prediction: PredictResult) => number
  /** True when a larger score is better (from the metric catalogue). */
  greaterIsBetter: boolean
  /** Shuffles per feature; default 5 (scikit-learn's n_repeats). */
  repeats?: number
  /** Seed of the shuffles; default 0. */
  seed?: number
  /** Rows per `session.run`; default predict's. */
  batchRows?: number
}

/** Importance of one feature. */
export interface FeatureImportance {
  feature: string
  /** Mean drop in score over the repeats (positive = the feature matters). */
  mean: number
  std: number
  /** The drop of each repeat. */
  drops: number[]
}

/** Result of `permutationImportance`; `importances` are in feature order. */
export interface PermutationImportanceResult {
  baselineScore: number
  importances: FeatureImportance[]
}

function shuffledColumn(column: TableColumn, order: Uint32Array): TableColumn {
  if (isNumericColumn(column)) {
    const out = new Float64Array(order.length)
    for (let i = 0; i < order.length; i++) out[i] = column[order[i]!]!
    return out
  }
  const out = new Array<string | null | undefined>(order.length)
  for (let i = 0; i < order.length; i++) out[i] = column[order[i]!]
  return out
}

/** Permutation importance of every feature of `signature` on `table`. */
export async function permutationImportance(
  model: OnnxModel,
  signature: ModelSignature,
  data: TableLike,
  options: PermutationImportanceOptions,
): Promise<PermutationImportanceResult> {
  const table = asColumnarTable(data)
  const repeats = options.repeats ?? 5
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new UsageError(`permutation importance repeats ${repeats} is not a positive whole number; use e.g. 5`)
  }
  const predictOptions = options.batchRows === undefined ? {} : { batchRows: options.batchRows }
  const baselineScore = options.score(await predict(model, signature, table, predictOptions))
  const random = createRandom(options.seed ?? 0)
  const importances: FeatureImportance[] = []
  for (const feature of signature.features) {
    const column = requireColumn(table, feature)
    const drops: number[] = []
    for (let r = 0; r < repeats; r++) {
      const order = shuffleInPlace(Uint32Array.from({ length: table.rowCount }, (_, i) => i), random)
      const columns = new Map(table.columns)
      columns.set(feature, shuffledColumn(column, order))
      const score = options.score(await predict(model, signature, { rowCount: table.rowCount, columns }, predictOptions))
      drops.push(options.greaterIsBetter ? baselineScore - score : score - baselineScore)
    }
    const mean = drops.reduce((a, b) => a + b, 0) / repeats
    const std = Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats)
    importances.push({ feature, mean, std, drops })
  }
  return { baselineScore, importances }
}
