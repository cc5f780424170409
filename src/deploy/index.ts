/**
 * Deploying: the desired state of each environment lives in git (`deploy/<environment>.yaml`), and
 * deploy, rollback and retire are commits to it. This is the module's one door; the reconciler
 * (`./reconciler`), the Kubernetes provider (`./kubernetes`) and the GitHub Deployments glue
 * (`./github`) import the state from here.
 */
export {
  checkShares,
  desiredStatePath,
  emptyEnvironment,
  formatTraffic,
  modelTraffic,
  parseDesiredState,
  planDeploy,
  planRetire,
  planRollback,
  readDesiredState,
  renderDesiredState,
  sameEnvironment,
  writeDesiredState,
  type DeployRequest,
  type DesiredStateFile,
  type Environment,
  type ModelTraffic,
  type ParseDesiredStateOptions,
  type RollbackRequest,
  type StatePlan,
} from './desired-state.js'
export { DeployLockedError, DeployPushError, DeployRefusedError } from './errors.js'
export { renderKubernetes, kubernetesManifestDir, type RenderKubernetesOptions, type RenderKubernetesResult } from './kubernetes/index.js'
export { GitHubDeployments, desiredStateUrl, finishDeployment, proposeChange, startDeployment, type DeploymentChange, type DeploymentOutcome } from './github/index.js'
export { deploy, type DeployOptions, type DeployResult } from './deploy.js'
export { renderChangeMessage, workflowRunUrl, type ChangeMessage } from './message.js'
export { applyStateChange, pushProposal, readDesiredStateAt, type PlannedChange, type ProposalOptions, type PushOptions, type PushResult, type StateChange } from './push.js'
export { lockEnvironments, type EnvironmentLock } from './lock.js'
export { Reconciler, serveEnvironment, type EnvironmentServer, type ReconcilerReport, type ServeEnvironmentOptions } from './reconciler/index.js'
export { rollback, type RollbackOptions, type RollbackResult } from './rollback.js'
export {
  environmentStatus,
  formatStatus,
  histogramQuantile,
  lastChanges,
  parsePrometheusText,
  readServer,
  versionsFromMetrics,
  type EnvironmentStatus,
  type ServedModel,
  type ServedVersion,
  type ServerReport,
  type StateChangeEntry,
  type StatusOptions,
} from './status.js'
export { retire, type RetireOptions, type RetireResult } from './retire.js'
