/**
 * Repository Actions settings as GitHub answers them: fork pull-request approval, default workflow
 * permissions, self-hosted runners, and the owner organization's runner groups. GitHub answers these only to a token with admin rights on
 * the repository (`administration: read`); the double's `write` tokens stand in for an admin.
 */
import { ApiError, intParam, json, notFound, type Handler } from '../http.js'
import type { DoubleState, RunnerGroupRecord } from '../state.js'

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
  // The owner's organization (a user account has none: 404, as on GitHub); an org admin's token reads it.
  'actions/list-self-hosted-runner-groups-for-org': adminOnly(({ state, request, urls }) => {
    const groups = orgGroups(state, request.params.org as string)
    const runnerGroups = groups.map((group, i) => ({
      id: i + 1,
      name: group.name,
      visibility: group.visibility,
      default: i === 0,
      ...(group.visibility === 'selected' ? { selected_repositories_url: `${urls.api}/orgs/${state.owner}/actions/runner-groups/${i + 1}/repositories` } : {}),
      runners_url: `${urls.api}/orgs/${state.owner}/actions/runner-groups/${i + 1}/runners`,
      inherited: false,
      allows_public_repositories: group.allowsPublicRepositories,
      restricted_to_workflows: group.restrictedToWorkflows,
      selected_workflows: group.selectedWorkflows,
      workflow_restrictions_read_only: false,
    }))
    return json(200, { total_count: runnerGroups.length, runner_groups: runnerGroups })
  }),
  'actions/list-self-hosted-runners-in-group-for-org': adminOnly(({ state, request }) => {
    const group = orgGroups(state, request.params.org as string)[intParam(request, 'runner_group_id') - 1]
    if (group === undefined) throw notFound()
    return json(200, { total_count: group.runners.length, runners: renderRunners(group.runners) })
  }),
}

function orgGroups(state: DoubleState, org: string): RunnerGroupRecord[] {
  const groups = state.actionsSettings.orgRunnerGroups
  if (groups === undefined || org.toLowerCase() !== state.owner.toLowerCase()) throw notFound()
  return groups
}

function renderRunners(runners: Array<{ name: string; labels: string[] }>): Array<Record<string, unknown>> {
  return runners.map((runner, i) => ({
    id: i + 1,
    name: runner.name,
    os: 'linux',
    status: 'online',
    busy: false,
    labels: runner.labels.map((name, j) => ({ id: j + 1, name, type: 'custom' })),
  }))
}
