/** The shape every Shapley-value method returns. */

/** Shapley values for some rows: φ[row][feature][output], with the base value and predictions they add up to. */
export interface Attributions {
  features: readonly string[]
  /** Names of the explained outputs (K of them), e.g. ['P(1)'] or ['value']. */
  outputNames: string[]
  /** E[f] over the background sample, per output. */
  baseValue: Float64Array
  /** f(x) per explained row, row-major [rowCount, K]. */
  predictions: Float64Array
  /** φ, row-major [rowCount, features.length, K]; for each row and output Σφ = f(x) − E[f]. */
  values: Float64Array
  rowCount: number
  /** `session.run` calls the method made. */
  modelRuns: number
}

/** φ of `row`, `feature` (index), `output` (index). */
export function attributionAt(attributions: Attributions, row: number, feature: number, output = 0): number {
  const K = attributions.outputNames.length
  return attributions.values[(row * attributions.features.length + feature) * K + output]!
}
