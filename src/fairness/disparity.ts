/**
 * Between-group disparities, as Fairlearn's MetricFrame.difference() and .ratio() with the
 * default method="between_groups" and errors="coerce":
 *
 * - difference = max − min of a rate over groups
 * - ratio = min / max over groups; 0/0 (the rate is 0 in every group) is NaN
 *
 * Like pandas' min/max, a NaN group value is skipped (a group whose weights sum to 0). One group
 * gives difference 0 and ratio 1 (0/0 → NaN when its rate is 0).
 */

/** max − min over the non-NaN values; NaN when none. */
export function groupDifference(values: readonly number[]): number {
  const { min, max } = extremes(values)
  return max - min
}

/** min / max over the non-NaN values; NaN when none or when max is 0. */
export function groupRatio(values: readonly number[]): number {
  const { min, max } = extremes(values)
  return min / max
}

function extremes(values: readonly number[]): { min: number; max: number } {
  let min = Number.NaN
  let max = Number.NaN
  for (const value of values) {
    if (Number.isNaN(value)) continue
    if (!(value >= min)) min = value
    if (!(value <= max)) max = value
  }
  return { min, max }
}
