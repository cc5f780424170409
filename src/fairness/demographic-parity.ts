/**
 * Demographic parity (Fairlearn's demographic_parity_difference / _ratio, method="between_groups"):
 * the difference (max − min) and ratio (min / max) of the selection rate Σw·[ŷ = 1] / Σw over the
 * groups of one sensitive feature. 0 difference and ratio 1 mean every group is selected equally.
 * Default gate in Modelship specs: difference ≤ `max`, ratio ≥ `min`.
 */
import { groupDifference, groupRatio } from './disparity.js'
import type { GroupRates } from './group-rates.js'

/** max − min selection rate over groups. */
export function demographicParityDifference(groups: readonly GroupRates[]): number {
  return groupDifference(groups.map((g) => g.selectionRate))
}

/** min / max selection rate over groups (NaN when no group is ever selected). */
export function demographicParityRatio(groups: readonly GroupRates[]): number {
  return groupRatio(groups.map((g) => g.selectionRate))
}
