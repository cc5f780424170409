/**
 * Equalized odds (Fairlearn's equalized_odds_difference / _ratio with agg="worst_case",
 * method="between_groups"):
 *
 * - difference = the larger of the TPR difference and the FPR difference over groups
 * - ratio = the smaller of the TPR ratio and the FPR ratio over groups
 *
 * Fairlearn takes these with Python's built-in max()/min() over the pair (TPR first, FPR second),
 * and we reproduce that exactly, NaN included: a NaN TPR ratio (TPR 0 in every group) makes the
 * ratio NaN, while a NaN FPR ratio (FPR 0 everywhere) leaves the TPR ratio. A NaN value fails a gate.
 */
import { groupDifference, groupRatio } from './disparity.js'
import type { GroupRates } from './group-rates.js'

/** Python's max(a, b): b only when b > a, so a NaN first argument wins. */
function pythonMax(a: number, b: number): number {
  return b > a ? b : a
}

/** Python's min(a, b): b only when b < a. */
function pythonMin(a: number, b: number): number {
  return b < a ? b : a
}

/** max(TPR difference, FPR difference) over groups. */
export function equalizedOddsDifference(groups: readonly GroupRates[]): number {
  return pythonMax(groupDifference(groups.map((g) => g.truePositiveRate)), groupDifference(groups.map((g) => g.falsePositiveRate)))
}

/** min(TPR ratio, FPR ratio) over groups. */
export function equalizedOddsRatio(groups: readonly GroupRates[]): number {
  return pythonMin(groupRatio(groups.map((g) => g.truePositiveRate)), groupRatio(groups.map((g) => g.falsePositiveRate)))
}
