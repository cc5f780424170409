/**
 * Drift of one categorical column from its category counts on each side, with Evidently's preset
 * semantics (choose-method.ts): chi-square (> 2 categories) or the Z-test (2) for small references,
 * Jensen–Shannon above 1000 reference rows; bins are the categories of reference ∪ current in
 * sorted order (the Z-test counts the first), so a category the reference never saw is a bin of
 * its own (chi-square then gives p = 0: a new category is drift).
 */
import { chiSquareGoodnessOfFit } from './chi-square.js'
import { chooseDriftMethod, DRIFT_METHODS, isDrifted } from './choose-method.js'
import { jensenShannonDistance } from './jensen-shannon.js'
import type { ColumnDriftOptions, ColumnStatistics } from './numeric-drift.js'
import { computePsi } from './psi.js'
import { twoProportionZTest } from './z-test.js'
import { DataError } from '../errors.js'
import type { DriftMethodName } from './choose-method.js'

/** The verdict of a categorical column and its statistics. */
export interface CategoricalDriftResult {
  method: DriftMethodName
  score: number
  threshold: number
  drifted: boolean
  statistics: ColumnStatistics
  unionDistinct: number
}

/** Drift between reference and current category counts (non-null rows; both sides non-empty). */
export function categoricalDrift(
  name: string,
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
  options: ColumnDriftOptions = {},
): CategoricalDriftResult {
  const keys = [...new Set([...reference.keys(), ...current.keys()])].sort()
  const r = Float64Array.from(keys, (k) => reference.get(k) ?? 0)
  const c = Float64Array.from(keys, (k) => current.get(k) ?? 0)
  const n1 = r.reduce((a, b) => a + b, 0)
  const n2 = c.reduce((a, b) => a + b, 0)
  const method = options.method ?? chooseDriftMethod({ kind: 'categorical', referenceRows: n1, uniqueValues: keys.length })
  if (method === 'ks' || method === 'wasserstein') {
    throw new DataError(`drift: method '${method}' needs a numeric column; '${name}' is categorical (use chisquare, z, psi or jensenshannon)`)
  }
  const threshold = options.threshold ?? DRIFT_METHODS[method].defaultThreshold
  const statistics: ColumnStatistics = { ksStatistic: null, ksPValue: null, wasserstein: null, psi: computePsi(r, c), jensenShannon: jensenShannonDistance(r, c) }
  let score: number
  switch (method) {
    case 'chisquare':
      score = chiSquareGoodnessOfFit(r, c).pValue
      break
    case 'z':
      score = keys.length === 1 ? 1 : twoProportionZTest(r[0]!, n1, c[0]!, n2).pValue
      break
    case 'psi':
      score = statistics.psi!
      break
    case 'jensenshannon':
      score = statistics.jensenShannon!
      break
  }
  return { method, score, threshold, drifted: isDrifted(method, score, threshold), statistics, unionDistinct: keys.length }
}
