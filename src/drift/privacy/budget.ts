/**
 * The per-model privacy budget. Each published report costs its ε, and by sequential composition
 * the privacy loss of every report published so far is the sum of their ε, so the ledger keeps
 * that sum and refuses a report that would take it past the spec's `monitor.privacy.budget`.
 *
 * The ledger lives with the rest of the drift state (see ../publish/drift-state.ts): hidden data in
 * the model's drift issue on GitHub, `.modelship/drift/<model>/state.json` locally. It is charged
 * before anything is published, in the same write that publishes the issue, so a failed write
 * publishes nothing; a ledger that cannot be read or trusted refuses (fails closed).
 */
import * as z from 'zod/mini'
import { PrivacyBudgetError } from '../../errors.js'

/** What a model has spent. */
export const PrivacyLedgerSchema = z.object({
  /** Σ ε of the reports published so far. */
  spent: z.number().check(z.gte(0)),
  /** Reports published with noise. */
  releases: z.int().check(z.gte(0)),
  /** ISO time of the last charge. */
  lastChargedAt: z.nullable(z.string()),
})

/** The ledger of one model. */
export type PrivacyLedger = z.output<typeof PrivacyLedgerSchema>

/** A model that never published. */
export const EMPTY_LEDGER: PrivacyLedger = { spent: 0, releases: 0, lastChargedAt: null }

// Sums of decimal ε (0.1 + 0.2) carry rounding; a budget met exactly must still be usable.
const TOLERANCE = 1e-9

/** The privacy settings of a spec's monitor section. */
export interface PrivacyPolicy {
  epsilon: number
  /** Total ε over all checks. */
  budget: number
}

/**
 * The ledger after charging one report of `policy.epsilon`; throws PrivacyBudgetError, saying what
 * is spent and the fix, when that would pass the budget.
 */
export function chargeBudget(model: string, ledger: PrivacyLedger, policy: PrivacyPolicy, at: string): PrivacyLedger {
  const after = ledger.spent + policy.epsilon
  if (after > policy.budget + TOLERANCE) {
    throw new PrivacyBudgetError(
      `${model}: publishing this drift report would spend ε ${formatEpsilon(after)} of the privacy budget ${formatEpsilon(policy.budget)} ` +
        `(${formatEpsilon(ledger.spent)} spent by ${ledger.releases} earlier report${ledger.releases === 1 ? '' : 's'}, ${formatEpsilon(policy.epsilon)} each); nothing was published. ` +
        'Fix: raise monitor.privacy.budget in the spec if more privacy loss is acceptable, or check less often.',
    )
  }
  return { spent: after, releases: ledger.releases + 1, lastChargedAt: at }
}

/** ε left before the budget refuses. */
export function budgetLeft(ledger: PrivacyLedger, policy: PrivacyPolicy): number {
  return Math.max(0, policy.budget - ledger.spent)
}

function formatEpsilon(value: number): string {
  return String(Number(value.toPrecision(12)))
}
