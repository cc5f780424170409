/**
 * The default drift method per column, as Evidently's data-drift preset picks it
 * (legacy/calculations/stattests/registry.py `_get_default_stattest`, DESIGN.md §9):
 *   reference rows ≤ 1000: numeric with > 5 unique values → KS; else chi-square (> 2 unique) or Z-test (2)
 *   reference rows > 1000: numeric with > 5 unique values → normalised Wasserstein; else Jensen–Shannon
 * Reference rows are counted after dropping NaN and ±∞; unique values over reference ∪ current.
 * Each method's default threshold and drift direction are Evidently's: p-value tests drift when
 * p < threshold (KS: p ≤ threshold), distances when score ≥ threshold.
 */
import { DataError } from '../errors.js'

/** The drift methods, by the names the spec and Evidently use. */
export type DriftMethodName = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi'

/** How a method's score turns into a verdict. */
export interface DriftMethodInfo {
  name: DriftMethodName
  /** A p-value (small means drift) or a distance (large means drift). */
  score: 'p-value' | 'distance'
  defaultThreshold: number
}

/** Each method's score kind and Evidently's default threshold. */
export const DRIFT_METHODS: Readonly<Record<DriftMethodName, DriftMethodInfo>> = {
  ks: { name: 'ks', score: 'p-value', defaultThreshold: 0.05 },
  chisquare: { name: 'chisquare', score: 'p-value', defaultThreshold: 0.05 },
  z: { name: 'z', score: 'p-value', defaultThreshold: 0.05 },
  wasserstein: { name: 'wasserstein', score: 'distance', defaultThreshold: 0.1 },
  jensenshannon: { name: 'jensenshannon', score: 'distance', defaultThreshold: 0.1 },
  psi: { name: 'psi', score: 'distance', defaultThreshold: 0.1 },
}

/** Above this many reference rows the preset moves from tests to distances. */
export const SMALL_REFERENCE_MAX_ROWS = 1000

/** What the choice looks at for one column. */
export interface ColumnSummary {
  kind: 'numeric' | 'categorical'
  /** Finite (numeric) or non-null (categorical) reference rows. */
  referenceRows: number
  /** Distinct values over reference ∪ current. */
  uniqueValues: number
}

/** The preset's method for a column. */
export function chooseDriftMethod(column: ColumnSummary): DriftMethodName {
  if (column.referenceRows <= 0) throw new DataError('drift: the reference has no usable rows for this column; a method needs at least one')
  if (column.uniqueValues < 1) throw new DataError('drift: the column has no values on either side; there is nothing to compare')
  const manyValues = column.kind === 'numeric' && column.uniqueValues > 5
  if (column.referenceRows <= SMALL_REFERENCE_MAX_ROWS) {
    if (manyValues) return 'ks'
    return column.uniqueValues > 2 ? 'chisquare' : 'z'
  }
  return manyValues ? 'wasserstein' : 'jensenshannon'
}

/** Evidently's verdict for a score: p-values drift below the threshold (KS at it too), distances at or above. */
export function isDrifted(method: DriftMethodName, score: number, threshold = DRIFT_METHODS[method].defaultThreshold): boolean {
  if (Number.isNaN(score)) throw new DataError(`drift: the ${method} score is NaN; refusing to give a verdict on it`)
  if (method === 'ks') return score <= threshold
  return DRIFT_METHODS[method].score === 'p-value' ? score < threshold : score >= threshold
}
