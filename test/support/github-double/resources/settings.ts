/**
 * Repository Actions settings as GitHub answers them: fork pull-request approval, default workflow
 * permissions, and self-hosted runners. GitHub answers these only to a token with admin rights on
 * the repository (`administration: read`); the double's `write` tokens stand in for an admin.
 */
import { ApiError, json, type Handler } from '../http.js'

const adminOnly: (handler: Handler) => Handler = (handler) => (context) => {
  if (context.token?.permissions.contents !== 'write') throw new ApiError(403, 'Resource not accessible by integration')
  return handler(context)
}

/** Settings operations by operationId. */
export const settingsHandlers: Record<string, Handler> = {
  'actions/get-fork-pr-contributor-approval-permissions-repository': adminOnly(({ state }) =>
    json(200, { approval_policy: state.actionsSettings.forkApprovalPolicy }),
  ),
  'actions/get-github-actions-default-workflow-permissions-repository': adminOnly(({ state }) =>
    json(200, {
      default_workflow_permissions: state.actionsSettings.defaultWorkflowPermissions,
      can_approve_pull_request_reviews: state.actionsSettings.canApprovePullRequestReviews,
    }),
  ),
  'actions/list-self-hosted-runners-for-repo': adminOnly(({ state }) => {
    const runners = state.actionsSettings.selfHostedRunners.map((runner, i) => ({
      id: i + 1,
      name: runner.name,
      os: 'linux',
      status: 'online',
      busy: false,
      labels: runner.labels.map((name, j) => ({ id: j + 1, name, type: 'custom' })),
    }))
    return json(200, { total_count: runners.length, runners })
  }),
}
