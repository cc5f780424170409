/**
 * Gates on fairness metrics (`evaluate.fairness` in a spec): every listed difference metric must be
 * ≤ `max` and every listed ratio metric ≥ `min`, for each sensitive feature separately. A listed
 * metric whose bound is not set is reported, not gated. An undefined value (NaN, e.g. a ratio
 * when no group is ever selected) fails its gate: nothing shows the model to be fair.
 */
import { closestName } from '../data/suggest.js'
import { GateFailedError, UsageError } from '../errors.js'
import { FAIRNESS_METRICS } from '../metrics/catalog.js'
import type { FairnessMetrics, FeatureFairness } from './compute-fairness.js'

/** The fairness part of a spec's evaluate section (camelCase). */
export interface FairnessGateSpec {
  metrics: readonly string[]
  /** Upper bound for the difference metrics. */
  max?: number
  /** Lower bound for the ratio metrics. */
  min?: number
}

/** The outcome for one metric of one sensitive feature. */
export interface FairnessGateResult {
  feature: string
  metric: string
  value: number
  /** 'max' for differences, 'min' for ratios; null when the spec sets no such bound. */
  bound: 'max' | 'min' | null
  limit: number | null
  status: 'passed' | 'failed' | 'skipped'
  passed: boolean
  reason: string
}

/** Checks the spec's fairness bounds against every sensitive feature's metrics. */
export function checkFairnessGates(report: readonly FeatureFairness[], spec: FairnessGateSpec): FairnessGateResult[] {
  const known = Object.keys(FAIRNESS_METRICS)
  for (const metric of spec.metrics) {
    if (!known.includes(metric)) {
      const near = closestName(metric, known)
      throw new UsageError(`'${metric}' is not a fairness metric${near ? `; did you mean '${near}'?` : '.'} Fairness metrics: ${known.join(', ')}.`)
    }
  }
  const results: FairnessGateResult[] = []
  for (const feature of report) {
    for (const metric of spec.metrics) {
      const value = feature.metrics[metric as keyof FairnessMetrics]
      const bound = FAIRNESS_METRICS[metric]!.greaterIsBetter ? 'min' : 'max'
      const limit = bound === 'max' ? spec.max : spec.min
      const base = { feature: feature.feature, metric, value }
      if (limit === undefined) {
        results.push({ ...base, bound: null, limit: null, status: 'skipped', passed: true, reason: `${metric} for '${feature.feature}' = ${format(value)} (reported only: no ${bound} set)` })
        continue
      }
      if (Number.isNaN(value)) {
        results.push({ ...base, bound, limit, status: 'failed', passed: false, reason: `${metric} for '${feature.feature}' is undefined (NaN): no group has a non-zero rate to compare` })
        continue
      }
      const ok = bound === 'max' ? value <= limit : value >= limit
      const relation = bound === 'max' ? (ok ? '≤' : '>') : ok ? '≥' : '<'
      results.push({ ...base, bound, limit, status: ok ? 'passed' : 'failed', passed: ok, reason: `${metric} for '${feature.feature}' = ${format(value)} ${relation} ${bound} ${format(limit)}` })
    }
  }
  return results
}

/** Throws a GateFailedError listing each failed fairness check. */
export function assertFairnessPassed(results: readonly FairnessGateResult[]): void {
  const failed = results.filter((result) => !result.passed)
  if (failed.length === 0) return
  throw new GateFailedError(`${failed.length} fairness check${failed.length === 1 ? '' : 's'} failed:\n${failed.map((r) => `- ${r.reason}`).join('\n')}`)
}

function format(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toFixed(4))) : String(value)
}
