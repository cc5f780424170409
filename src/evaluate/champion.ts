/**
 * The champion from the registry: the version in the `production` stage, its model.onnx downloaded
 * (checked against the release's SHA256SUMS) into a folder. No version in that stage means no
 * champion: a first version is judged on absolute thresholds only.
 */
import { RegistryNotFoundError } from '../errors.js'
import type { RegistryBackend } from '../registry/backend.js'
import { download } from '../registry/download.js'
import type { RegistryLog } from '../registry/log.js'
import { MODEL_FILE_NAME } from './candidate-path.js'

/** Options of `resolveChampion`. */
export interface ResolveChampionOptions {
  backend: RegistryBackend
  model: string
  /** Stage holding the champion; default 'production'. */
  stage?: string
  /** Folder the model is downloaded into. */
  dir: string
  log?: RegistryLog
}

/** A downloaded champion. */
export interface ResolvedChampion {
  /** Path of its model.onnx. */
  path: string
  /** Its tag, e.g. 'churn@v1.2.0'. */
  version: string
}

/** Downloads the champion's model; undefined when the model has no version in the stage. */
export async function resolveChampion(options: ResolveChampionOptions): Promise<ResolvedChampion | undefined> {
  const ref = `${options.model}#${options.stage ?? 'production'}`
  try {
    const result = await download({
      backend: options.backend,
      ref,
      assets: [MODEL_FILE_NAME],
      dir: options.dir,
      ...(options.log ? { log: options.log } : {}),
    })
    return { path: result.files.find((file) => file.name === MODEL_FILE_NAME)!.path, version: result.tag }
  } catch (error) {
    // "No such model" and "no version in that stage" both mean: nothing to compare with yet.
    if (error instanceof RegistryNotFoundError && !/has no asset/.test(error.message)) return undefined
    throw error
  }
}
