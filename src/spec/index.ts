/**
 * The spec module: zod schemas (the single source of truth for model and environment files), the
 * YAML loader that keeps positions, every check, and the JSON Schemas generated from them.
 */
export { formatProblem, type SpecProblem } from './problem.js'
export {
  validateRepository,
  validateModelFile,
  validateEnvironmentFile,
  validateEnvironmentText,
  loadModelSpec,
  loadEnvironmentSpec,
  type ValidatedModel,
  type ValidatedEnvironment,
  type ValidationReport,
} from './validate.js'
export { InvalidSpecError } from './invalid-spec-error.js'
export {
  ModelSpecSchema,
  DataSpecSchema,
  TrainSpecSchema,
  TrainEnvironmentSpecSchema,
  ComputeSpecSchema,
  EvaluateSpecSchema,
  GateSpecSchema,
  FairnessSpecSchema,
  ExplainSpecSchema,
  RegisterSpecSchema,
  DeployTargetSpecSchema,
  CanarySpecSchema,
  HealthCheckSpecSchema,
  MonitorSpecSchema,
  CurrentDataSpecSchema,
  DriftSpecSchema,
  FeatureDriftSpecSchema,
  type ModelSpec,
  type DataSpec,
  type TrainSpec,
  type ComputeSpec,
  type SweepSpec,
  type EvaluateSpec,
  type GateSpec,
  type FairnessSpec,
  type ExplainSpec,
  type RegisterSpec,
  type DeployTargetSpec,
  type MonitorSpec,
  type DriftSpec,
} from './model-schema.js'
export { EnvironmentSpecSchema, DeployedModelSpecSchema, type EnvironmentSpec, type DeployedModelSpec } from './environment-schema.js'
export { generateJsonSchemas, SCHEMA_BASE_URL } from './json-schema.js'
export { API_VERSION } from './fields.js'
export { checkCron } from './cron.js'
export { parseDurationMs } from './duration.js'
export { expectedModelName } from './model-checks.js'
export { expectedEnvironmentName } from './environment-checks.js'
export { MAX_SPEC_BYTES, MAX_ALIAS_COUNT, formatPath } from './yaml-source.js'
export { editDistance, suggest } from './did-you-mean.js'
