/**
 * Who may move which stage of a model, for the registry writes a deploy command makes (retire's
 * deprecation): from its spec, or the register defaults when the spec is gone, so production stays
 * guarded after a model's folder was deleted (as `modelship registry deprecate` decides).
 */
import * as z from 'zod/mini'
import { findModelSpecFile } from '../evaluate/find-spec.js'
import { UsageError } from '../errors.js'
import { stagePolicy } from '../registry/index.js'
import type { StagePolicy } from '../registry/promote.js'
import { loadModelSpec } from '../spec/index.js'
import { RegisterSpecSchema } from '../spec/model-schema.js'

/** The stage policy of `model` under `root`. */
export async function stagePolicyFor(root: string, model: string): Promise<StagePolicy> {
  let file: string
  try {
    file = await findModelSpecFile(root, model)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    return stagePolicy({ deploy: [], register: z.parse(RegisterSpecSchema, {}) }, `the register defaults (models/${model.replace(':', '/')}/model.yaml is gone)`)
  }
  return stagePolicy(await loadModelSpec(root, file), file)
}
