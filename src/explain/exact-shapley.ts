/**
 * Exact Shapley values over all 2^M coalitions (Shapley 1953; Lundberg & Lee 2017, eq. 4):
 *
 *   φ_i = Σ_{S ⊆ N∖{i}} |S|! (M − |S| − 1)! / M! · (v(S ∪ {i}) − v(S))
 *
 * with the interventional value function v of value-function.ts. Efficiency Σφ_i = v(N) − v(∅) =
 * f(x) − E[f] holds exactly because v(N) and v(∅) are the model's own prediction and the background
 * mean. Cost: (2^M − 2) · B model rows per explained row, so it is used up to MAX_EXACT_FEATURES.
 * For a linear model f = w·x + c it gives φ_i = w_i (x_i − E_b[x_i]) exactly.
 */
import { UsageError } from '../errors.js'
import type { Attributions } from './attributions.js'
import type { CoalitionRequest, ValueFunction } from './value-function.js'

/** Most features exact enumeration accepts (2^10 = 1,024 coalitions a row). */
export const MAX_EXACT_FEATURES = 10

/** Hard limit even when asked explicitly: 2^16 coalitions a row. */
const HARD_LIMIT = 16

/** Exact Shapley values of every row the value function was built for. */
export async function exactShapley(valueFunction: ValueFunction): Promise<Attributions> {
  const M = valueFunction.features.length
  if (M > HARD_LIMIT) {
    throw new UsageError(`exact Shapley values over ${M} features need 2^${M} coalitions a row; use method: kernel (KernelSHAP) above ${MAX_EXACT_FEATURES} features`)
  }
  const K = valueFunction.outputNames.length
  const rowCount = valueFunction.predictions.length / K
  const coalitions = 1 << M

  // Masks 1 .. 2^M − 2: the empty and the full coalition are known (base value, prediction).
  const count = coalitions - 2
  const masks = new Uint8Array(count * M)
  for (let s = 1; s < coalitions - 1; s++) {
    for (let j = 0; j < M; j++) if (s & (1 << j)) masks[(s - 1) * M + j] = 1
  }
  const requests: CoalitionRequest[] = Array.from({ length: rowCount }, (_, row) => ({ row, masks, count }))
  const runsBefore = valueFunction.runs
  const evaluated = await valueFunction.evaluate(requests)

  // weight[s] = s! (M − s − 1)! / M!, built as a ratio to stay exact in floating point for M ≤ 16.
  const weight = new Float64Array(M)
  for (let s = 0; s < M; s++) {
    let w = 1 / M
    for (let t = 1; t <= s; t++) w *= t / (M - t)
    weight[s] = w
  }
  const popcount = new Uint8Array(coalitions)
  for (let s = 1; s < coalitions; s++) popcount[s] = popcount[s >> 1]! + (s & 1)

  const values = new Float64Array(rowCount * M * K)
  const v = new Float64Array(coalitions)
  for (let row = 0; row < rowCount; row++) {
    for (let k = 0; k < K; k++) {
      v[0] = valueFunction.baseValue[k]!
      v[coalitions - 1] = valueFunction.predictions[row * K + k]!
      const rowValues = evaluated[row]!
      for (let s = 1; s < coalitions - 1; s++) v[s] = rowValues[(s - 1) * K + k]!
      for (let i = 0; i < M; i++) {
        const bit = 1 << i
        let phi = 0
        for (let s = 0; s < coalitions; s++) {
          if (s & bit) continue
          phi += weight[popcount[s]!]! * (v[s | bit]! - v[s]!)
        }
        values[(row * M + i) * K + k] = phi
      }
    }
  }
  return {
    features: valueFunction.features,
    outputNames: valueFunction.outputNames,
    baseValue: valueFunction.baseValue,
    predictions: valueFunction.predictions,
    values,
    rowCount,
    modelRuns: valueFunction.runs - runsBefore,
  }
}
