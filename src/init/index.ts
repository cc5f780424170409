/** `modelship init`: scaffolds Modelship into a repository from a data file. */
export { planInit, type InitOptions, type InitPlan, type PlannedFile } from './plan.js'
export { writePlan } from './write.js'
export { inferModel, isSensitiveName, MAX_CLASSES, type InferredModel, type InferredFeature } from './infer.js'
export { NODE_TRAIN_SCRIPT } from './node-template.js'
export type { Runtime } from './model-spec.js'
