/** The training runner: everything the CLI and the train action use. */
export { train, commandEnvironment, MODEL_FILE, type TrainOptions, type TrainResult } from './train.js'
export { streamTrainLogger, type TrainLogger } from './logger.js'
export { computeCacheKey, LocalTrainCache, CACHE_KEY_PREFIX, type TrainCache, type CacheKeyInputs } from './cache.js'
export { ActionsTrainCache, type ActionsCacheClient, type ActionsTrainCacheOptions } from './actions-cache.js'
export { type TrainEnvironmentOptions, type EnvironmentFacts } from './environments.js'
export {
  RunRecordSchema,
  RUN_RECORD_FILE,
  METRICS_FILE,
  METRICS_SOURCE,
  readRunRecord,
  type RunRecord,
} from './run-record.js'
export {
  listRuns,
  findRun,
  storeRun,
  storeFailedRun,
  formatRunList,
  formatRunComparison,
  runStatus,
  runEvaluationFile,
  RUN_EVALUATION_FILE,
  type StoredRun,
  type RunEvaluation,
} from './runs-store.js'
export { parseParamOverrides } from './param-overrides.js'
export { ProcessTreeGuard, PROCESS_TREE_VARIABLE } from './process-tree.js'
export { RETRYABLE_EXIT_CODES, RETRYABLE_SIGNALS, isRetryable } from './retry.js'
export { trainOptionsFromSpec, findModelSpecFile, checkModelOutputs, environmentFromSpec, defaultTrainDirs, MODELSHIP_DIR, type SpecTrainOverrides, type TrainDirs } from './from-spec.js'
