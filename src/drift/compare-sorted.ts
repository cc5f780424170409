/**
 * One merge pass over a sorted reference and a sorted current column that yields what the exact
 * numeric statistics need at once: the KS numerator n₁n₂·D (an integer, so the exact p-value's
 * lattice count stays exact), the Wasserstein-1 integral ∫|F_ref − F_cur| dx, and the number of
 * distinct values of reference ∪ current (the preset's method choice). KS uses ksTwoSample's
 * integer arithmetic (the same D to the bit); W₁ is summed as Σ|i·n₂ − j·n₁|·Δx / (n₁n₂), which
 * avoids two divisions a step and agrees with wassersteinDistance to rounding (~1e-15 relative).
 */
import type { SortedSample } from './sorted-sample.js'

/** What one merge of the two sorted columns gives. */
export interface SortedComparison {
  /** max over x of |R(x)·n₂ − C(x)·n₁|, R and C the row counts ≤ x: D = ksNumerator/(n₁n₂). */
  ksNumerator: number
  /** W₁ between the two empirical distributions, in the column's units. */
  wasserstein: number
  /** Distinct values of reference ∪ current. */
  unionDistinct: number
}

/** Merges `reference` with `current` (sorted, finite, non-empty). */
export function compareSorted(reference: SortedSample, current: Float64Array): SortedComparison {
  return reference.cumulative ? compareWeighted(reference.values, reference.cumulative, reference.rows, current) : compareRows(reference.values, current)
}

function compareRows(a: Float64Array, b: Float64Array): SortedComparison {
  const n1 = a.length
  const n2 = b.length
  let i = 0
  let j = 0
  let best = 0
  // Σ |i·n₂ − j·n₁|·(x − previous): W₁ times n₁n₂, so each step is one multiply and no division.
  let area = 0
  let union = 0
  let previous = a[0]! < b[0]! ? a[0]! : b[0]!
  while (i < n1 && j < n2) {
    const ai = a[i]!
    const bj = b[j]!
    // A select, not a branch: which side holds the next point is a coin toss the CPU cannot predict.
    const x = ai <= bj ? ai : bj
    area += Math.abs(i * n2 - j * n1) * (x - previous)
    while (i < n1 && a[i] === x) i++
    while (j < n2 && b[j] === x) j++
    const diff = i * n2 - j * n1
    const magnitude = diff < 0 ? -diff : diff
    if (magnitude > best) best = magnitude
    previous = x
    union++
  }
  // One side is used up: the other's remaining points close the gap one run at a time.
  while (i < n1) {
    const x = a[i]!
    area += Math.abs(i * n2 - j * n1) * (x - previous)
    while (i < n1 && a[i] === x) i++
    const magnitude = Math.abs(i * n2 - j * n1)
    if (magnitude > best) best = magnitude
    previous = x
    union++
  }
  while (j < n2) {
    const x = b[j]!
    area += Math.abs(i * n2 - j * n1) * (x - previous)
    while (j < n2 && b[j] === x) j++
    const magnitude = Math.abs(i * n2 - j * n1)
    if (magnitude > best) best = magnitude
    previous = x
    union++
  }
  return { ksNumerator: best, wasserstein: area / n1 / n2, unionDistinct: union }
}

/** The same merge with the reference as distinct values and cumulative counts. */
function compareWeighted(values: Float64Array, cumulative: Float64Array, n1: number, b: Float64Array): SortedComparison {
  const m = values.length
  const n2 = b.length
  let k = 0
  let i = 0 // reference rows below the merge point
  let j = 0
  let best = 0
  let distance = 0
  let union = 0
  let previous = values[0]! < b[0]! ? values[0]! : b[0]!
  let gap = 0
  while (k < m || j < n2) {
    const x = j >= n2 || (k < m && values[k]! <= b[j]!) ? values[k]! : b[j]!
    distance += gap * (x - previous)
    if (k < m && values[k] === x) i = cumulative[k++]!
    while (j < n2 && b[j] === x) j++
    const diff = i * n2 - j * n1
    gap = diff < 0 ? -diff : diff
    if (gap > best) best = gap
    previous = x
    union++
  }
  return { ksNumerator: best, wasserstein: distance / n1 / n2, unionDistinct: union }
}
