/**
 * Fairness of a binary classifier per sensitive feature, as Fairlearn reports it: each group's
 * count, selection rate, TPR, FPR and accuracy, the same over all rows, and the four disparity
 * metrics of catalog.ts FAIRNESS_METRICS. Groups are sorted as pandas' groupby sorts them
 * (numbers numerically, text by code point). A null in a sensitive feature is a DataError, as in
 * Fairlearn ("contains missing values"): fill it with an explicit group such as 'unknown'.
 */
import type { Column } from '../data/table.js'
import { NULL_CODE } from '../data/table.js'
import { DataError } from '../errors.js'
import { demographicParityDifference, demographicParityRatio } from './demographic-parity.js'
import { equalizedOddsDifference, equalizedOddsRatio } from './equalized-odds.js'
import type { GroupRates } from './group-rates.js'
import { groupRates, overallRates } from './group-rates.js'

/** Values of a sensitive feature per row: a column from src/data, or plain values. */
export type SensitiveValues = Column | ArrayLike<string | number>

/** Inputs: 0/1 labels and predictions (1 = positive class), the sensitive features by name. */
export interface FairnessInput {
  yTrue: ArrayLike<number>
  yPred: ArrayLike<number>
  sensitiveFeatures: ReadonlyMap<string, SensitiveValues> | Readonly<Record<string, SensitiveValues>>
  sampleWeight?: ArrayLike<number>
}

/** The four disparity metrics of one sensitive feature. */
export interface FairnessMetrics {
  demographic_parity_difference: number
  demographic_parity_ratio: number
  equalized_odds_difference: number
  equalized_odds_ratio: number
}

/** One sensitive feature: per-group rates, overall rates, disparity metrics. */
export interface FeatureFairness {
  feature: string
  groups: Array<GroupRates & { group: string }>
  overall: GroupRates
  metrics: FairnessMetrics
}

/** Fairness per sensitive feature, in the order given. */
export function computeFairness(input: FairnessInput): FeatureFairness[] {
  const { yTrue, yPred, sampleWeight } = input
  if (yPred.length !== yTrue.length) throw new Error(`computeFairness: ${yPred.length} predictions for ${yTrue.length} rows`)
  const overall = overallRates(yTrue, yPred, sampleWeight)
  const entries = input.sensitiveFeatures instanceof Map ? [...input.sensitiveFeatures] : Object.entries(input.sensitiveFeatures)
  return entries.map(([feature, values]) => {
    const { groups, names } = groupIndex(feature, values as SensitiveValues, yTrue.length)
    const rates = groupRates(yTrue, yPred, groups, names.length, sampleWeight)
    return {
      feature,
      groups: rates.map((r, g) => ({ group: names[g]!, ...r })),
      overall,
      metrics: {
        demographic_parity_difference: demographicParityDifference(rates),
        demographic_parity_ratio: demographicParityRatio(rates),
        equalized_odds_difference: equalizedOddsDifference(rates),
        equalized_odds_ratio: equalizedOddsRatio(rates),
      },
    }
  })
}

/** A sorted group index per row and the group names. */
function groupIndex(feature: string, values: SensitiveValues, rows: number): { groups: Int32Array; names: string[] } {
  const missing = (row: number): DataError =>
    new DataError(
      `sensitive feature '${feature}' is null at row ${row + 1}; Fairlearn refuses missing group values and so do we. ` +
        `Fix: fill them with an explicit group (e.g. 'unknown') before evaluation.`,
    )
  if (isColumn(values)) {
    const length = values.kind === 'numeric' ? values.values.length : values.codes.length
    if (length !== rows) throw new Error(`computeFairness: '${feature}' has ${length} rows, expected ${rows}`)
    if (values.kind === 'categorical') return categoricalGroups(values.codes, values.categories, missing)
    return numericGroups(values.values, missing)
  }
  if (values.length !== rows) throw new Error(`computeFairness: '${feature}' has ${values.length} rows, expected ${rows}`)
  if (values.length > 0 && typeof values[0] === 'number') return numericGroups(values as ArrayLike<number>, missing)
  const seen = new Map<string, number>()
  const codes = new Int32Array(rows)
  for (let i = 0; i < rows; i++) {
    const value = values[i]
    if (value === null || value === undefined) throw missing(i)
    const key = String(value)
    let code = seen.get(key)
    if (code === undefined) seen.set(key, (code = seen.size))
    codes[i] = code
  }
  return categoricalGroups(codes, [...seen.keys()], missing)
}

function categoricalGroups(codes: Int32Array, categories: readonly string[], missing: (row: number) => Error): { groups: Int32Array; names: string[] } {
  const used = new Uint8Array(categories.length)
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!
    if (code === NULL_CODE) throw missing(i)
    used[code] = 1
  }
  const names = categories.filter((_, c) => used[c] === 1).sort(compareCodePoints)
  const position = new Map(names.map((name, g) => [name, g]))
  const remap = categories.map((name) => position.get(name) ?? -1)
  const groups = new Int32Array(codes.length)
  for (let i = 0; i < codes.length; i++) groups[i] = remap[codes[i]!]!
  return { groups, names }
}

function numericGroups(values: ArrayLike<number>, missing: (row: number) => Error): { groups: Int32Array; names: string[] } {
  const distinct = new Set<number>()
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i]!)) throw missing(i)
    distinct.add(values[i]!)
  }
  const sorted = [...distinct].sort((a, b) => a - b)
  const position = new Map(sorted.map((value, g) => [value, g]))
  const groups = new Int32Array(values.length)
  for (let i = 0; i < values.length; i++) groups[i] = position.get(values[i]!)!
  return { groups, names: sorted.map(String) }
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function isColumn(value: SensitiveValues): value is Column {
  return typeof (value as Column).kind === 'string'
}
