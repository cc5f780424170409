/**
 * The champion from the registry: the version in the `production` stage, its model.onnx downloaded
 * (checked against the sha256 its version tag recorded) into a folder, with its run.json (a release
 * asset since registration first required it) so the report can say what changed since the
 * champion's training. A version registered without a run.json, or with one this release cannot
 * read, is still the champion: the report then says its training facts are not recorded. Only a stage with no version
 * means no champion, so a first version is judged on absolute thresholds alone. A stage that points
 * at a version whose model cannot be had (another clone without the registry's files, a deleted
 * asset) is an error: judging the candidate without its champion would let a worse model pass.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { RegistryConflictError, RegistryNotFoundError } from '../errors.js'
import type { RegistryBackend } from '../registry/backend.js'
import { lineageChecksums } from '../registry/checksums.js'
import { download } from '../registry/download.js'
import { stderrLog, type RegistryLog } from '../registry/log.js'
import { resolveVersion, type ResolvedVersion } from '../registry/lookup.js'
import { ModelRef } from '../registry/tags.js'
import { inspectRunRecord, RUN_RECORD_FILE, type RunRecord } from '../train/run-record.js'
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
  /** Its training run (run.json of its release), when the release has a readable one; it then lies beside `path`. */
  runRecord?: RunRecord
}

/**
 * Downloads the champion's model; undefined when the model has no version in the stage (or no tags
 * at all). A version in the stage whose model cannot be downloaded or verified rejects with the
 * download's error, prefixed with which champion it was.
 */
export async function resolveChampion(options: ResolveChampionOptions): Promise<ResolvedChampion | undefined> {
  const stage = options.stage ?? 'production'
  const ref = ModelRef.parse(`${options.model}#${stage}`)
  let resolved: ResolvedVersion
  try {
    resolved = await resolveVersion(options.backend, ref)
  } catch (error) {
    // Resolving only reads tags: not found here means no model, or no version in the stage.
    if (error instanceof RegistryNotFoundError) return undefined
    throw error
  }
  const tag = resolved.version.tag.name
  const log = options.log ?? stderrLog
  try {
    // Only an asset the version tag recorded is asked for: download checks each against that record.
    const recorded = lineageChecksums(resolved.version.tag.message ?? (await options.backend.readTagMessage(tag)))
    const withRun = recorded?.has(RUN_RECORD_FILE) ?? false
    const result = await download({
      backend: options.backend,
      // The version just resolved, so a stage moved meanwhile cannot swap the champion half-way.
      ref: ModelRef.parse(`${resolved.version.model}@${resolved.version.version}`),
      assets: withRun ? [MODEL_FILE_NAME, RUN_RECORD_FILE] : [MODEL_FILE_NAME],
      dir: options.dir,
      log,
    })
    const path = result.files.find((file) => file.name === MODEL_FILE_NAME)!.path
    if (!withRun) {
      log.info(`${tag} was registered without ${RUN_RECORD_FILE}: what changed since its training is not recorded`)
      return { path, version: result.tag }
    }
    const { record, problem } = await inspectRunRecord(options.dir)
    if (!record) {
      // Written by an older or other tool: no reason to refuse the champion, but evaluation reads the
      // run.json beside a model and would refuse a broken one, so it goes.
      log.warn(`${tag}'s ${RUN_RECORD_FILE} is left out (${problem ?? 'not found after download'}): what changed since its training is not recorded`)
      await rm(join(options.dir, RUN_RECORD_FILE), { force: true })
      return { path, version: result.tag }
    }
    return { path, version: result.tag, runRecord: record }
  } catch (error) {
    const why = (e: Error) => `the champion ${tag} (${ref}) cannot be compared with: ${e.message}`
    if (error instanceof RegistryNotFoundError) throw new RegistryNotFoundError(why(error), { cause: error })
    if (error instanceof RegistryConflictError) throw new RegistryConflictError(why(error), { cause: error })
    throw error
  }
}
