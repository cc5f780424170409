/** Publishing drift checks: the state kept across runs, the plan, the GitHub issue and dispatch, the local files. */
import { parseDurationMs } from '../../spec/duration.js'
import type { MonitorSpec } from '../../spec/model-schema.js'
import type { PublishPolicy } from './plan-publication.js'

export { checkDriftState, type DecodedState, decodeDriftState, type DriftState, DriftStateSchema, emptyDriftState, encodeDriftState, HISTORY_LIMIT, STATE_MAX_CHARS } from './drift-state.js'
export { DRIFT_ISSUE_LABEL, driftIssueMarker, type GitHubPublishOptions, type GitHubPublishResult, publishDriftToGitHub } from './github-issue.js'
export { localDriftDir, type LocalPublishResult, publishDriftLocally } from './local-state.js'
export { planPublication, type PublicationPlan, type PublishPolicy, recordDispatch, retrainReason } from './plan-publication.js'

/** The publishing policy of a spec's monitor section (defaults when the spec has none: open an issue, no privacy). */
export function publishPolicy(monitor: MonitorSpec | undefined): PublishPolicy & { retrainWorkflow: string } {
  return {
    onDrift: monitor?.onDrift ?? ['open-issue'],
    retrainCooldownMs: parseDurationMs(monitor?.retrainCooldown ?? '7d')!,
    ...(monitor?.privacy ? { privacy: { epsilon: monitor.privacy.epsilon, budget: monitor.privacy.budget } } : {}),
    retrainWorkflow: monitor?.retrainWorkflow ?? 'modelship-dispatch.yml',
  }
}
