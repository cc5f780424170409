/**
 * One column's drift score and verdict from raw reference and current values, as Evidently's
 * data-drift preset computes it: the method from chooseDriftMethod (or the one given), histograms
 * for PSI and Jensen–Shannon as Evidently's get_binned_data (numeric columns with > 20 reference
 * unique values: Sturges equal-width bins over reference ∪ current, numpy's histogram rules with the
 * last bin closed; otherwise one bin per value of the union), value counts over the union for
 * chi-square, and the first value in sorted order for the Z-test.
 * Values must be clean: finite numbers, non-null categories (NaN and ±∞ are data-quality findings
 * the caller reports and drops first; sortFinite refuses them).
 */
import { DataError } from '../errors.js'
import { categoricalDrift } from './categorical-drift.js'
import type { DriftMethodName } from './choose-method.js'
import { type ColumnDriftOptions, numericDrift } from './numeric-drift.js'
import { sampleFromSorted } from './sorted-sample.js'
import { sortFinite } from './sort-float64.js'

export type { ColumnDriftOptions } from './numeric-drift.js'

/** A column's values on one side. */
export type ColumnValues = { kind: 'numeric'; values: ArrayLike<number> } | { kind: 'categorical'; values: ReadonlyArray<string> }

/** The score, the method and threshold that judged it, and the verdict. */
export interface ColumnDriftResult {
  method: DriftMethodName
  score: number
  threshold: number
  drifted: boolean
}

/** Drift of one column between `reference` and `current`. */
export function columnDrift(name: string, reference: ColumnValues, current: ColumnValues, options: ColumnDriftOptions = {}): ColumnDriftResult {
  if (reference.kind !== current.kind) throw new DataError(`drift: column '${name}' is ${reference.kind} in the reference but ${current.kind} in the current data`)
  if (reference.values.length === 0) throw new DataError(`drift: column '${name}' has no reference values; a drift verdict needs at least one`)
  if (current.values.length === 0) throw new DataError(`drift: column '${name}' has no current values; a drift verdict needs at least one`)
  if (reference.kind === 'numeric') {
    const ref = sampleFromSorted(sortFinite(reference.values, `column '${name}' (reference)`))
    const cur = sampleFromSorted(sortFinite(current.values as ArrayLike<number>, `column '${name}' (current)`))
    const { method, score, threshold, drifted } = numericDrift(name, ref, cur, options)
    return { method, score, threshold, drifted }
  }
  const { method, score, threshold, drifted } = categoricalDrift(name, countValues(reference.values), countValues(current.values as ReadonlyArray<string>), options)
  return { method, score, threshold, drifted }
}

function countValues(values: ReadonlyArray<string>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return counts
}
