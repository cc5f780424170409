/**
 * From a validation report to the models a workflow should train: every valid model, or with a
 * ref only those changed since its merge base with HEAD.
 */
import type { ValidationReport } from '../spec/index.js'
import { changedModels, modelMatrix, type ModelMatrix } from './changed-models.js'

/** The models to train and, when a ref was given, which one. */
export interface TrainingPlan {
  /** The ref changes were counted from; undefined means every model. */
  changedSince?: string
  /** Names of the models in the matrix. */
  models: string[]
  matrix: ModelMatrix
}

/** Plans training for a report's models; with `changedSince`, only models changed since that ref (see changedFilesSince). */
export async function planTraining(report: ValidationReport, changedSince?: string): Promise<TrainingPlan> {
  const models = changedSince === undefined ? report.models : await changedModels(report.root, report.models, changedSince)
  const matrix = modelMatrix(models)
  return { ...(changedSince === undefined ? {} : { changedSince }), models: matrix.include.map((m) => m.model), matrix }
}
