/**
 * Picks the best trial: among the trials that passed every gate and every fairness bound, the best
 * value of the sweep's metric (its catalogue direction); ties go to the earlier trial, so the choice
 * is the same on every run. A trial that failed a check, or did not train or evaluate, never wins.
 */
import type { SweepTrialResult } from './sweep-schema.js'

/** The winner's id (or null) and a sentence saying why. */
export interface SweepSelection {
  selected: string | null
  reason: string
}

/** Selects among `trials` by `metric`; see the module comment. */
export function selectTrial(trials: readonly SweepTrialResult[], metric: string, greaterIsBetter: boolean): SweepSelection {
  const failed = trials.filter((trial) => trial.status === 'failed').length
  const errors = trials.filter((trial) => trial.status === 'error').length
  const eligible = trials.filter((trial) => trial.status === 'passed' && typeof trial.metrics[metric] === 'number')
  const undefinedMetric = trials.filter((trial) => trial.status === 'passed').length - eligible.length
  const others = [
    failed > 0 ? `${failed} failed a gate or fairness bound` : '',
    errors > 0 ? `${errors} did not train or evaluate` : '',
    undefinedMetric > 0 ? `${undefinedMetric} had no ${metric} value` : '',
  ].filter(Boolean)
  const tail = others.length > 0 ? `; ${others.join(', ')}` : ''
  let best: SweepTrialResult | undefined
  for (const trial of eligible) {
    const value = trial.metrics[metric] as number
    const bestValue = best?.metrics[metric] as number | undefined
    if (bestValue === undefined || (greaterIsBetter ? value > bestValue : value < bestValue)) best = trial
  }
  if (best === undefined) {
    return { selected: null, reason: `no trial of ${trials.length} passed every gate and fairness bound with a ${metric} value${tail}` }
  }
  const direction = greaterIsBetter ? 'highest' : 'lowest'
  const value = best.metrics[metric] as number
  return {
    selected: best.id,
    reason: `${best.id} has the ${direction} ${metric} (${formatValue(value)}) of the ${eligible.length} trial${eligible.length === 1 ? '' : 's'} that passed every gate and fairness bound${tail}`,
  }
}

/** Four significant digits, as the reports show metrics. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  if (value === 0 || !Number.isFinite(value)) return String(value)
  return Math.abs(value) >= 1e6 || Math.abs(value) < 1e-4 ? value.toExponential(3) : String(Number(value.toPrecision(4)))
}
