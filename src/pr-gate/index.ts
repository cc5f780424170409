/**
 * The trusted side of a pull request: whether a maintainer approved training its head commit (a
 * label applied by someone with write access), and which models it changes. Used by actions/gate in
 * jobs that never run the pull request's code.
 */
export { checkTrainingApproval, DEFAULT_TRAIN_LABEL, type ApprovalRequest, type ApprovalResult, type PullRequestFacts } from './approval.js'
export { changedModels, modelsOfPaths, PULL_FILES_LIMIT } from './changed-models.js'
