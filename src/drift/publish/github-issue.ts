/**
 * Publishing a drift check on GitHub: one issue per model, found by its hidden marker among the
 * issues labelled `modelship-drift` and written by the identity posting (as the PR's sticky
 * comment: a pasted marker in someone else's issue is never trusted or edited). The issue is made
 * on a model's first check and holds the drift state (drift-state.ts); it is open while the model
 * drifts, reopened when drift returns, and closed with a comment when it clears. Retraining is a
 * `workflow_dispatch` of the spec's retrain-workflow (inputs operation 'retrain', model, reason: what
 * modelship-dispatch.yml takes, whose retrain trains, evaluates and registers), at most once per
 * cooldown; the dispatch time is kept in the state, written only after GitHub accepted it.
 */
import type { GitHubClient } from '../../github/octokit.js'
import { fitComment } from '../../report/fit-comment.js'
import { postingLogin } from '../../report/sticky-comment.js'
import type { DriftReport } from '../drift-report.js'
import { decodeDriftState, encodeDriftState, type DecodedState } from './drift-state.js'
import { planPublication, recordDispatch, type PublicationPlan, type PublishPolicy } from './plan-publication.js'

/** Label of every drift issue. */
export const DRIFT_ISSUE_LABEL = 'modelship-drift'

/** Hidden first line of a model's drift issue. */
export function driftIssueMarker(model: string): string {
  return `<!-- modelship-drift-issue: ${model} -->`
}

/** Options of publishDriftToGitHub. */
export interface GitHubPublishOptions {
  octokit: GitHubClient
  owner: string
  repo: string
  report: DriftReport
  policy: PublishPolicy
  /** Workflow file that retraining dispatches, e.g. modelship-dispatch.yml. */
  retrainWorkflow: string
  /** Branch or tag the dispatch runs on; default the repository's default branch. */
  ref?: string
  /** Login the token posts as; see StickyCommentTarget.author. */
  author?: string
  /** Link to the run's job summary (the whole report when the issue cuts it). */
  summaryUrl?: string
  now?: number
}

/** What was done on GitHub. */
export interface GitHubPublishResult {
  plan: PublicationPlan
  issue: { number: number; url: string; action: 'created' | 'updated' | 'reopened' | 'closed' }
  dispatched: boolean
}

/** Publishes one check (see the header). Throws PrivacyBudgetError before any write when it must not publish. */
export async function publishDriftToGitHub(options: GitHubPublishOptions): Promise<GitHubPublishResult> {
  const { octokit, owner, repo, report } = options
  const now = options.now ?? Date.now()
  const marker = driftIssueMarker(report.model)
  const login = (await postingLogin({ octokit, ...(options.author !== undefined ? { author: options.author } : {}) })).toLowerCase()
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, state: 'all', labels: DRIFT_ISSUE_LABEL, per_page: 100 })
  const issue = issues
    .filter((i) => i.user?.login.toLowerCase() === login && (i.body ?? '').startsWith(marker))
    .sort((a, b) => a.number - b.number)[0]
  const stored: DecodedState = issue ? decodeDriftState(issue.body ?? '', report.model) : { kind: 'none' }
  let plan = planPublication(report, stored, options.policy, now, issue ? `issue #${issue.number}` : 'the drift issue')

  let dispatched = false
  if (plan.retrain !== null) {
    const ref = options.ref ?? (await octokit.rest.repos.get({ owner, repo })).data.default_branch
    await octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: options.retrainWorkflow, ref, inputs: { operation: 'retrain', model: report.model, reason: plan.retrain } })
    dispatched = true
    plan = { ...plan, state: recordDispatch(plan.state, plan.retrain, now) }
  }

  const stateComment = encodeDriftState(plan.state)
  // The state and the marker must survive the cut, so the report is fitted with room for them.
  const limit = 65_536 - marker.length - stateComment.length - 4
  const { text } = fitComment(plan.markdown, { limit, ...(options.summaryUrl !== undefined ? { summaryUrl: options.summaryUrl } : {}) })
  const body = `${marker}\n${text}\n${stateComment}\n`
  const title = `Drift: ${report.model}`
  const wanted = plan.open ? 'open' : 'closed'
  if (!issue) {
    const { data } = await octokit.rest.issues.create({ owner, repo, title, body, labels: [DRIFT_ISSUE_LABEL] })
    // A model's first check makes the issue that keeps its state; without drift it is closed at once.
    if (wanted === 'closed') await octokit.rest.issues.update({ owner, repo, issue_number: data.number, state: 'closed', state_reason: 'completed' })
    return { plan, issue: { number: data.number, url: data.html_url, action: 'created' }, dispatched }
  }
  const reopening = issue.state === 'closed' && wanted === 'open'
  const closing = issue.state === 'open' && wanted === 'closed'
  await octokit.rest.issues.update({ owner, repo, issue_number: issue.number, body, ...(reopening || closing ? { state: wanted } : {}), ...(closing ? { state_reason: 'completed' as const } : {}) })
  if (closing) {
    const why = report.dataset.drifted
      ? `Closed: the model still drifts (check of ${report.checkedAt}), but monitor.on-drift no longer has open-issue.`
      : `Drift cleared: the check of ${report.checkedAt} found ${plan.published.dataset.driftedColumns} of ${report.dataset.columns} features drifted, below the dataset's share of ${report.dataset.driftShare}.`
    await octokit.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: why })
  }
  return { plan, issue: { number: issue.number, url: issue.html_url, action: reopening ? 'reopened' : closing ? 'closed' : 'updated' }, dispatched }
}
