/**
 * GitHub's side of a deploy: Deployments API records for desired-state changes (with statuses and
 * superseded deployments made inactive), and the pull request that carries a change the protected
 * default branch refused. The door of this folder.
 */
export {
  GitHubDeployments,
  type DeploymentChange,
  type DeploymentRecord,
  type DeploymentState,
  type GitHubDeploymentsOptions,
  type StatusLinks,
} from './deployments.js'
export { desiredStateUrl, finishDeployment, startDeployment, type DeploymentOutcome } from './lifecycle.js'
export { proposalBranch, proposeChange, type ProposeChangeOptions, type ProposedChange } from './pull-request.js'
export { gitPushAuth, publishChange, type CommittedChange, type PublishOptions, type PublishResult } from './publish.js'
export { actionGitHub, type ActionGitHub } from './action-github.js'
