/**
 * The pull reconciler (`modelship serve --environment NAME`): follows `deploy/<environment>.yaml` in
 * git, rolls new versions out through a canary, reverts a breach at once and tells git what is live.
 * This folder's one door.
 */
export { formatRate, judgeCanary, OutcomeWindow, percentile, type CanaryLimits, type CanaryVerdict, type WindowFigures } from './canary.js'
export { deploymentReporterFromEnv, reportOutcome, type DeploymentReporter, type ReporterEnvOptions, type ReportResult, type RolloutOutcome } from './github-status.js'
export { Reconciler, smokeRequest, type ReconcilerOptions, type ReconcilerPoint, type ReconcilerReport, type VersionReport } from './reconciler.js'
export { ReconcilerRepository, RepositoryError, type DesiredSnapshot, type RepositoryOptions } from './repository.js'
export { combineObservers, reconcilerRoutes, serveEnvironment, type EnvironmentServer, type ServeEnvironmentOptions } from './serve-environment.js'
export { emptyState, readState, writeState, type LiveVersion, type ReconcilerState } from './state-file.js'
