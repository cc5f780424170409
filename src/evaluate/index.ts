/** Evaluation: a candidate against the spec and its champion, written as evaluation.json. */
export { evaluateModel, type EvaluateModelOptions } from './evaluate-model.js'
export {
  EvaluationResultSchema,
  EVALUATION_SCHEMA_VERSION,
  EVALUATION_FILE,
  readEvaluation,
  type EvaluationResult,
  type MetricRow,
  type ModelFacts,
  type Explanations,
  type TrainingFacts,
  type EvaluationFairness,
} from './evaluation-schema.js'
export { writeEvaluation } from './write-evaluation.js'
export { resolveModelPath, MODEL_FILE_NAME, type ResolvedModelPath } from './candidate-path.js'
export { evaluationJsonSchema } from './json-schema.js'
export { resolveChampion, type ResolveChampionOptions, type ResolvedChampion } from './champion.js'
export { findModelSpec } from './find-spec.js'
