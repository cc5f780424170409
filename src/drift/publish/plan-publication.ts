/**
 * What one drift check publishes, decided from the check's report and the model's drift state,
 * the same for GitHub (the issue) and the local backend (files): the report as published (noised
 * under monitor.privacy), the Markdown with its trend, the next state, whether the issue is open,
 * and whether retraining is dispatched. Pure: the backends do the writing.
 *
 * Fails closed: with privacy on, a state that cannot be trusted (or a budget that is spent) throws
 * PrivacyBudgetError and nothing is published. A retraining dispatch needs a trusted state too, so
 * a tampered cooldown never starts retraining twice.
 */
import { PrivacyBudgetError } from '../../errors.js'
import type { DriftReport } from '../drift-report.js'
import { chargeBudget, type PrivacyPolicy } from '../privacy/budget.js'
import { privatizeReport } from '../privacy/privatize-report.js'
import { historyEntry, renderDriftReport } from '../report.js'
import { emptyDriftState, HISTORY_LIMIT, type DecodedState, type DriftState } from './drift-state.js'

/** The spec's monitor settings that publishing uses (camelCase, as the spec parses them). */
export interface PublishPolicy {
  onDrift: ReadonlyArray<'open-issue' | 'retrain'>
  /** Least time between two dispatches, in ms. */
  retrainCooldownMs: number
  privacy?: PrivacyPolicy
}

/** The publication of one check. */
export interface PublicationPlan {
  /** The report that may be shown (noised under privacy). */
  published: DriftReport
  markdown: string
  state: DriftState
  /** Whether the model's issue should be open after this check. */
  open: boolean
  /** The reason to dispatch retraining with, or null. */
  retrain: string | null
  /** Why retraining was not dispatched although the model drifted and on-drift has retrain. */
  retrainSkipped: string | null
  /** Problems with the stored state, for a warning. */
  warnings: string[]
}

/** Plans the publication; `now` is ms since the epoch. */
export function planPublication(report: DriftReport, stored: DecodedState, policy: PublishPolicy, now: number, where: string): PublicationPlan {
  const warnings: string[] = []
  let state = stored.kind === 'state' ? stored.state : emptyDriftState(report.model)
  if (stored.kind === 'untrusted') {
    warnings.push(`${where}: the drift state is not trusted (${stored.problem}); the trend starts again from this check`)
    if (policy.privacy) {
      throw new PrivacyBudgetError(
        `${report.model}: the privacy budget in ${where} cannot be read (${stored.problem}), so what was spent is unknown; nothing was published. ` +
          `Fix: restore the hidden drift state from the issue's edit history, or, if the privacy loss so far is known, write it back with modelship drift's --publish locally.`,
      )
    }
  }
  const at = new Date(now).toISOString()
  let published = report
  if (policy.privacy) {
    const privacy = chargeBudget(report.model, state.privacy, policy.privacy, at)
    published = privatizeReport(report, { epsilon: policy.privacy.epsilon }).report
    state = { ...state, privacy }
  }
  const history = state.history.slice(-(HISTORY_LIMIT - 1))
  let markdown = renderDriftReport(published, { history })
  if (policy.privacy) {
    markdown += `\nCounts and histograms carry differential-privacy noise (ε ${policy.privacy.epsilon} for this report; ${formatEpsilon(state.privacy.spent)} of the budget ${policy.privacy.budget} spent over ${state.privacy.releases} reports). KS and Wasserstein scores and realised performance are not published; verdicts are the exact check's.\n`
  }
  state = { ...state, history: [...history, historyEntry(published)] }

  let retrain: string | null = null
  let retrainSkipped: string | null = null
  if (report.dataset.drifted && policy.onDrift.includes('retrain')) {
    const last = state.retrain.lastDispatchedAt === null ? undefined : Date.parse(state.retrain.lastDispatchedAt)
    if (stored.kind === 'untrusted') retrainSkipped = 'the drift state (and so the cooldown) is not trusted'
    else if (last !== undefined && now - last < policy.retrainCooldownMs) {
      retrainSkipped = `retraining was dispatched at ${state.retrain.lastDispatchedAt}, within the cooldown of ${formatHours(policy.retrainCooldownMs)}`
    } else retrain = retrainReason(published)
  }
  return { published, markdown, state, open: report.dataset.drifted && policy.onDrift.includes('open-issue'), retrain, retrainSkipped, warnings }
}

/** The state after a dispatch GitHub accepted (or that the local backend recorded). */
export function recordDispatch(state: DriftState, reason: string, now: number): DriftState {
  return { ...state, retrain: { lastDispatchedAt: new Date(now).toISOString(), reason } }
}

/** One line for the dispatch's `reason` input: which features drifted, from the published report. */
export function retrainReason(report: DriftReport): string {
  const drifted = report.features.filter((f) => f.drifted).map((f) => f.name)
  const shown = drifted.slice(0, 5).join(', ') + (drifted.length > 5 ? ` and ${drifted.length - 5} more` : '')
  return `drift check ${report.checkedAt}: ${report.dataset.driftedColumns} of ${report.dataset.columns} features drifted (${shown})`
}

function formatHours(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : `${Math.round(ms / 3_600_000)}h`
}

function formatEpsilon(value: number): string {
  return String(Number(value.toPrecision(12)))
}
