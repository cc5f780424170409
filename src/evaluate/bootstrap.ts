/**
 * Paired bootstrap intervals on metric deltas (candidate − champion), so the report can say whether a
 * change is bigger than the noise of the test set. Paired: each replicate reweights the same rows for
 * both models, so the noise the two share (hard rows, easy rows) cancels in the delta.
 *
 * Poisson bootstrap: a replicate gives every row a Poisson(1) count, which approximates resampling n
 * rows with replacement and needs one pass with no index array; the counts multiply the sample weights,
 * so the metric code (which takes weights) is reused unchanged. The replicate count falls with the row
 * count (ROW_BUDGET row passes per model in all, 20 to 200 replicates), so 1M rows cost a bounded 20
 * passes; the interval is the normal one, delta ± 1.96 × the replicates' standard deviation, which is
 * steady with few replicates where percentiles of 20 draws would not be. Seeded: same data, same interval.
 */
import { createRandom } from '../explain/random.js'

/** A 95% interval on one metric's delta; withinNoise when it spans zero. */
export interface DeltaInterval {
  low: number
  high: number
  replicates: number
  withinNoise: boolean
}

/** Row passes per model over all replicates (20 replicates at 1M rows, 200 at 20,000 rows or fewer). */
export const ROW_BUDGET = 4_000_000
const MIN_REPLICATES = 20
const MAX_REPLICATES = 200
const Z_95 = 1.959963984540054

/** How many replicates `rows` rows get. */
export function replicatesFor(rows: number): number {
  return Math.max(MIN_REPLICATES, Math.min(MAX_REPLICATES, Math.floor(ROW_BUDGET / Math.max(1, rows))))
}

const EXP_MINUS_1 = Math.exp(-1)

/** A Poisson(1) draw by Knuth's product of uniforms (1.7 uniforms a draw on average). */
function poisson1(random: () => number): number {
  let k = 0
  let product = random()
  while (product > EXP_MINUS_1) {
    k++
    product *= random()
  }
  return k
}

/** Metric values of both models under one set of row weights. */
export type MeasureBoth = (weights: Float64Array) => { candidate: Readonly<Record<string, number>>; champion: Readonly<Record<string, number>> }

export interface PairedBootstrapOptions {
  rows: number
  /** The rows' sample weights, or undefined for unweighted rows. */
  weight?: Float64Array | undefined
  names: readonly string[]
  /** Point deltas (candidate − champion) on the whole test set, the intervals' centres. */
  deltas: Readonly<Record<string, number | null>>
  measure: MeasureBoth
  seed?: number
  replicates?: number
}

/** An interval per metric name; null where the delta or a replicate's metric is not finite. */
export function pairedBootstrap(options: PairedBootstrapOptions): Record<string, DeltaInterval | null> {
  const { rows, weight, names, deltas, measure } = options
  if (!Number.isInteger(rows) || rows <= 0) throw new RangeError(`pairedBootstrap needs at least one row, got ${rows}`)
  if (weight !== undefined && weight.length !== rows) throw new RangeError(`pairedBootstrap: ${weight.length} weights for ${rows} rows`)
  const replicates = options.replicates ?? replicatesFor(rows)
  const random = createRandom(options.seed ?? 20260126)
  const draws = new Map(names.map((name) => [name, [] as number[]]))
  const weights = new Float64Array(rows)
  for (let r = 0; r < replicates; r++) {
    for (let i = 0; i < rows; i++) weights[i] = poisson1(random) * (weight === undefined ? 1 : weight[i]!)
    const { candidate, champion } = measure(weights)
    for (const name of names) draws.get(name)!.push(candidate[name]! - champion[name]!)
  }
  const out: Record<string, DeltaInterval | null> = {}
  for (const name of names) {
    const delta = deltas[name]
    const values = draws.get(name)!
    if (delta === null || delta === undefined || !Number.isFinite(delta) || !values.every(Number.isFinite)) {
      out[name] = null
      continue
    }
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length
    const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1))
    const low = delta - Z_95 * sd
    const high = delta + Z_95 * sd
    out[name] = { low, high, replicates, withinNoise: low <= 0 && high >= 0 }
  }
  return out
}
