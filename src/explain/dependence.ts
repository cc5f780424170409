/**
 * Dependence summaries: for a feature, its Shapley values against its own values, binned. A numeric
 * feature is cut at quantiles of the explained rows (at most `maxBins` bins, ties kept together), a
 * categorical one by category (the most frequent `maxBins − 1`, the rest in one bin); missing values
 * get a bin of their own. Each bin gives its row count, value range and mean φ per output: the binned
 * form of shap's dependence plot, small enough for a PR comment.
 */
import type { ColumnarTable } from '../onnx/table.js'
import { requireColumn } from '../onnx/table.js'
import type { Attributions } from './attributions.js'

/** One bin: rows whose feature value falls in it and their mean φ. */
export interface DependenceBin {
  /** Numeric bins: the smallest and largest value in the bin; null for the missing-value bin. */
  low: number | null
  high: number | null
  /** Categorical bins: the category; absent for numeric bins and for the bin of the rarer ones. */
  category?: string
  /** The bin gathering the rarer categories: how many it holds. */
  otherCategories?: number
  rows: number
  /** Mean φ of the feature over the bin's rows, per explained output. */
  meanAttribution: number[]
}

/** A feature's dependence summary. */
export interface FeatureDependence {
  feature: string
  bins: DependenceBin[]
}

/** Default bins per feature: enough for a shape, few enough for a chart's x-axis. */
export const DEPENDENCE_BINS = 8

/** Bins `feature`'s attributions in `attributions` by its values in `rows` (the explained rows, in order). */
export function featureDependence(attributions: Attributions, rows: ColumnarTable, feature: string, maxBins = DEPENDENCE_BINS): FeatureDependence {
  const j = attributions.features.indexOf(feature)
  if (j < 0) throw new Error(`feature ${feature} is not among the explained features`)
  const M = attributions.features.length
  const K = attributions.outputNames.length
  const column = requireColumn(rows, feature)
  const R = attributions.rowCount
  const phi = (r: number, k: number) => attributions.values[(r * M + j) * K + k]!
  const mean = (members: readonly number[]) => Array.from({ length: K }, (_, k) => members.reduce((sum, r) => sum + phi(r, k), 0) / members.length)

  const bins: DependenceBin[] = []
  const missing: number[] = []
  if (column instanceof Float64Array) {
    const present: number[] = []
    for (let r = 0; r < R; r++) (Number.isFinite(column[r]!) ? present : missing).push(r)
    present.sort((a, b) => column[a]! - column[b]!)
    // Quantile cuts, moved forward past ties so equal values share a bin.
    let start = 0
    for (let b = 1; b <= maxBins && start < present.length; b++) {
      let end = b === maxBins ? present.length : Math.max(start + 1, Math.round((b * present.length) / maxBins))
      while (end < present.length && column[present[end]!] === column[present[end - 1]!]) end++
      const members = present.slice(start, end)
      bins.push({ low: column[members[0]!]!, high: column[members.at(-1)!]!, rows: members.length, meanAttribution: mean(members) })
      start = end
    }
  } else {
    const byCategory = new Map<string, number[]>()
    for (let r = 0; r < R; r++) {
      const value = column[r]
      if (value === null || value === undefined) missing.push(r)
      else {
        const members = byCategory.get(value)
        if (members) members.push(r)
        else byCategory.set(value, [r])
      }
    }
    const ordered = [...byCategory.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
    const kept = ordered.length > maxBins ? ordered.slice(0, maxBins - 1) : ordered
    for (const [category, members] of kept) bins.push({ low: null, high: null, category, rows: members.length, meanAttribution: mean(members) })
    const others = ordered.slice(kept.length)
    const rest = others.flatMap(([, members]) => members)
    if (rest.length > 0) bins.push({ low: null, high: null, otherCategories: others.length, rows: rest.length, meanAttribution: mean(rest) })
  }
  if (missing.length > 0) bins.push({ low: null, high: null, rows: missing.length, meanAttribution: mean(missing) })
  return { feature, bins }
}
