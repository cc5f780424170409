/**
 * What annotated registry tags say. A message is a one-line subject (what `git tag -n` shows),
 * a blank line and a JSON object: the lineage of a version, or the record of a promotion. GTO reads
 * the message as free text, so the subject keeps it readable there.
 */

/** Where a registration or promotion ran. */
export interface RunLink {
  /** Link to the workflow run, e.g. https://github.com/acme/models/actions/runs/123. */
  url?: string
  /** Workflow name. */
  workflow?: string
}

/** The lineage JSON carried by a version tag. */
export interface Lineage {
  schema: 'modelship/lineage@1'
  model: string
  version: string
  commit: string
  /** ISO 8601 time of the registration. */
  registeredAt: string
  /** GitHub login or local user who registered it. */
  actor?: string
  /** The run that registered it. */
  run?: RunLink
  /** The workflow run that trained it, from run.json, when it says. */
  trainingRun?: RunLink
  /** SHA-256 of each asset, as in SHA256SUMS. */
  assets: Record<string, string>
  /** The sweep the version won (`modelship sweep`): every trial's params and metrics, the winner and why; sweep.json is an asset. */
  sweep?: SweepLineage
}

/** A sweep as a version's lineage keeps it. */
export interface SweepLineage {
  metric: string
  selected: string
  reason: string
  trials: { id: string; candidate: string; params: Record<string, unknown>; status: string; metrics: Record<string, number | null>; error?: string }[]
}

/** The JSON carried by a stage tag. */
export interface PromotionRecord {
  schema: 'modelship/promotion@1'
  model: string
  version: string
  stage: string
  /** `assign` puts the version in the stage; `unassign` takes it out. */
  action: 'assign' | 'unassign'
  /** The stage `deploy[].requires` named that the version skipped (`promote --skip-requires`). */
  skippedRequires?: string
  actor?: string
  run?: RunLink
}

/** `Register churn v1.3.0` + the lineage JSON. */
export function renderVersionMessage(lineage: Lineage): string {
  return `Register ${lineage.model} ${lineage.version}\n\n${JSON.stringify(lineage, null, 2)}\n`
}

/** `Promote churn v1.3.0 to production` + the promotion JSON. */
export function renderStageMessage(record: PromotionRecord): string {
  const subject =
    record.action === 'assign'
      ? `Promote ${record.model} ${record.version} to ${record.stage}${record.skippedRequires ? `, skipping the required stage ${record.skippedRequires}` : ''}`
      : `Take ${record.model} ${record.version} out of ${record.stage}`
  return `${subject}\n\n${JSON.stringify(record, null, 2)}\n`
}

/** The JSON carried by a deregistration tag `churn@v1.3.0!` or a deprecation tag `churn@deprecated#9`. */
export interface WithdrawalRecord {
  schema: 'modelship/withdrawal@1'
  model: string
  /** `deregister` withdraws one version; `deprecate` marks the whole model. */
  action: 'deregister' | 'deprecate'
  /** The withdrawn version (deregister only). */
  version?: string
  /** Why, as the user gave it (`--message`). */
  message?: string
  actor?: string
  run?: RunLink
}

/** `Deregister churn v1.3.0: <first line of the reason>` + the withdrawal JSON. */
export function renderWithdrawalMessage(record: WithdrawalRecord): string {
  const what = record.action === 'deregister' ? `Deregister ${record.model} ${record.version}` : `Deprecate ${record.model}`
  const reason = record.message?.trim().split('\n')[0]?.trim()
  return `${what}${reason ? `: ${reason}` : ''}\n\n${JSON.stringify(record, null, 2)}\n`
}

/** The JSON of a tag message as read back: any field may be missing or odd (people edit tags). */
export type TagJson = { [key: string]: unknown; actor?: unknown; run?: { url?: unknown } }

/** The JSON object of a tag message, or undefined for free text (tags GTO or people wrote). */
export function parseTagMessage(message: string | undefined): TagJson | undefined {
  if (!message) return undefined
  // The JSON starts a line; a subject may carry braces of its own (a user's reason).
  const start = message.startsWith('{') ? 0 : message.indexOf('\n{')
  const end = message.lastIndexOf('}')
  if (start < 0 || end < start) return undefined
  try {
    const value: unknown = JSON.parse(message.slice(start, end + 1))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as TagJson) : undefined
  } catch {
    return undefined
  }
}
