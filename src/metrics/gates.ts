/**
 * Evaluation gates with MLflow `MetricThreshold` semantics (mlflow/models/evaluation/validation.py,
 * `_validate`; docs: https://mlflow.org/docs/latest/api_reference/_modules/mlflow/models/evaluation/validation.html):
 *
 * - `threshold`: candidate ≥ threshold when greater is better, candidate ≤ threshold otherwise.
 * - `min-absolute-change`: candidate ≥ champion + change when greater is better, candidate ≤
 *   champion − change otherwise (so for a lower-is-better metric the improvement champion −
 *   candidate must reach the change).
 * - `min-relative-change`: (candidate − champion) / |champion| ≥ change when greater is better,
 *   (champion − candidate) / |champion| ≥ change otherwise. When the champion's value is 0 MLflow
 *   falls back to "strictly better by 1e-10", and so do we.
 * - `greater-is-better` comes from catalog.ts unless the gate overrides it.
 *
 * Where we differ from MLflow, on purpose:
 * - No champion (the first version of a model): only `threshold` is checked; the change checks are
 *   reported as `skipped (no champion)`. MLflow fails them as "missing baseline", which would make
 *   a first version impossible to register.
 * - `min-absolute-change` may be zero or negative (MLflow requires > 0): −0.005 means "may drop by
 *   at most 0.005", the usual way to keep a retrain from regressing while tolerating noise.
 * - `min-relative-change` divides by |champion| (MLflow divides by champion, which flips the test
 *   for negative values such as an R² below 0).
 * A candidate value that is missing or NaN fails every check of its gate (as MLflow's
 * `missing_candidate`); a champion that lacks the metric fails the change checks (MLflow's
 * `missing_baseline`).
 */
import { GateFailedError, UsageError } from '../errors.js'
import type { Task } from './catalog.js'
import { greaterIsBetter as catalogGreaterIsBetter } from './catalog.js'

/** One gate of `evaluate.gates` (camelCase of the spec's kebab-case keys). */
export interface GateSpec {
  metric: string
  threshold?: number
  minAbsoluteChange?: number
  minRelativeChange?: number
  /** Overrides the catalog's direction for this metric. */
  greaterIsBetter?: boolean
}

/** Which check of a gate a result is about (spec spelling). */
export type GateCheck = 'threshold' | 'min-absolute-change' | 'min-relative-change'

/** The outcome of one check of one gate. */
export interface GateResult {
  metric: string
  check: GateCheck
  /** The bound from the spec: the threshold, or the required change. */
  required: number
  greaterIsBetter: boolean
  candidate: number | null
  champion: number | null
  /** candidate − champion, or null without both values. */
  delta: number | null
  status: 'passed' | 'failed' | 'skipped'
  /** True unless failed (a skipped check does not block). */
  passed: boolean
  /** One line a person can read, e.g. "roc_auc 0.7421 < threshold 0.8 (greater is better)". */
  reason: string
}

/** Metric values by name (a missing name means the metric was not computed). */
export type MetricValues = Readonly<Record<string, number>>

/** Checks every gate of a spec; `champion` is undefined when the model has no production version. */
export function checkGates(task: Task, gates: readonly GateSpec[], candidate: MetricValues, champion?: MetricValues): GateResult[] {
  const results: GateResult[] = []
  for (const gate of gates) {
    const greater = gate.greaterIsBetter ?? catalogGreaterIsBetter(task, gate.metric)
    if (greater === undefined) {
      throw new UsageError(`gate on '${gate.metric}': not a metric of ${task}, so its direction is unknown. Fix: use a metric from the catalog or set greater-is-better on the gate.`)
    }
    if (gate.threshold !== undefined) results.push(thresholdCheck(gate.metric, gate.threshold, greater, candidate, champion))
    if (gate.minAbsoluteChange !== undefined) results.push(changeCheck('min-absolute-change', gate.metric, gate.minAbsoluteChange, greater, candidate, champion))
    if (gate.minRelativeChange !== undefined) results.push(changeCheck('min-relative-change', gate.metric, gate.minRelativeChange, greater, candidate, champion))
  }
  return results
}

/** True when no check failed. */
export function gatesPassed(results: readonly GateResult[]): boolean {
  return results.every((result) => result.passed)
}

/** Throws a GateFailedError listing every failed check's reason. */
export function assertGatesPassed(results: readonly GateResult[]): void {
  const failed = results.filter((result) => !result.passed)
  if (failed.length === 0) return
  const lines = failed.map((result) => `- ${result.check} on ${result.metric}: ${result.reason}`)
  throw new GateFailedError(`${failed.length} evaluation gate check${failed.length === 1 ? '' : 's'} failed:\n${lines.join('\n')}`)
}

function valueOf(values: MetricValues | undefined, metric: string): number | null {
  const value = values?.[metric]
  return value === undefined ? null : value
}

function thresholdCheck(metric: string, threshold: number, greater: boolean, candidateValues: MetricValues, championValues?: MetricValues): GateResult {
  const candidate = valueOf(candidateValues, metric)
  const champion = valueOf(championValues, metric)
  const base = { metric, check: 'threshold' as const, required: threshold, greaterIsBetter: greater, candidate, champion, delta: delta(candidate, champion) }
  const bad = badCandidate(metric, candidate)
  if (bad) return { ...base, status: 'failed', passed: false, reason: bad }
  const ok = greater ? candidate! >= threshold : candidate! <= threshold
  const relation = greater ? (ok ? '≥' : '<') : ok ? '≤' : '>'
  const reason = `${metric} ${format(candidate!)} ${relation} threshold ${format(threshold)} (${direction(greater)})`
  return { ...base, status: ok ? 'passed' : 'failed', passed: ok, reason }
}

function changeCheck(check: 'min-absolute-change' | 'min-relative-change', metric: string, change: number, greater: boolean, candidateValues: MetricValues, championValues?: MetricValues): GateResult {
  const candidate = valueOf(candidateValues, metric)
  const champion = valueOf(championValues, metric)
  const base = { metric, check, required: change, greaterIsBetter: greater, candidate, champion, delta: delta(candidate, champion) }
  if (!championValues) return { ...base, status: 'skipped', passed: true, reason: 'skipped (no champion)' }
  const bad = badCandidate(metric, candidate)
  if (bad) return { ...base, status: 'failed', passed: false, reason: bad }
  if (champion === null || Number.isNaN(champion)) {
    return { ...base, status: 'failed', passed: false, reason: `the champion has no ${champion === null ? 'value' : 'defined value'} for ${metric} to compare with. Fix: re-evaluate the champion on this data, or gate on a threshold only.` }
  }
  const c = candidate!
  let ok: boolean
  let reason: string
  if (check === 'min-absolute-change') {
    ok = greater ? c >= champion + change : c <= champion - change
    const improvement = greater ? c - champion : champion - c
    reason = `${metric} ${format(c)} vs champion ${format(champion)}: improvement ${signed(improvement)} ${ok ? '≥' : '<'} required ${signed(change)} (${direction(greater)})`
  } else if (champion === 0) {
    ok = greater ? c >= champion + 1e-10 : c <= champion - 1e-10
    reason = `${metric} ${format(c)} vs champion 0: a relative change is undefined, so the candidate must simply be better (${direction(greater)}); it ${ok ? 'is' : 'is not'}`
  } else {
    const relative = (greater ? c - champion : champion - c) / Math.abs(champion)
    ok = relative >= change
    reason = `${metric} ${format(c)} vs champion ${format(champion)}: relative improvement ${signedPercent(relative)} ${ok ? '≥' : '<'} required ${signedPercent(change)} (${direction(greater)})`
  }
  return { ...base, status: ok ? 'passed' : 'failed', passed: ok, reason }
}

function badCandidate(metric: string, candidate: number | null): string | undefined {
  if (candidate === null) return `${metric} was not computed for the candidate. Fix: list it in evaluate.metrics.`
  if (Number.isNaN(candidate)) return `${metric} is undefined (NaN) for the candidate, e.g. roc_auc when the test data holds one class only. Fix: evaluate on data with both classes.`
  return undefined
}

function delta(candidate: number | null, champion: number | null): number | null {
  return candidate === null || champion === null ? null : candidate - champion
}

function direction(greater: boolean): string {
  return greater ? 'greater is better' : 'lower is better'
}

/** Up to 4 decimals, trailing zeros dropped: 0.84, 0.1235, 12. */
function format(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  return String(Number(value.toFixed(4)))
}

function signed(value: number): string {
  return value >= 0 ? `+${format(value)}` : format(value)
}

function signedPercent(value: number): string {
  const percent = Number((value * 100).toFixed(2))
  return `${percent >= 0 ? '+' : ''}${percent}%`
}
