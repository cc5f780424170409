/**
 * The training cache: same spec, code, data and environment → same outputs, so training is skipped
 * and the outputs restored. The key hashes everything that can change what training produces.
 */
import { cp, mkdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { pathExists } from '../fs/file-kind.js'
import { sha256 } from '../fs/sha256.js'
import { canonicalJson, hashTree } from './hash.js'

/** Every training cache key starts with this, then the model name. */
export const CACHE_KEY_PREFIX = 'modelship-train-'

/** Bumped when what goes into the key changes, so old entries stop matching. */
const KEY_VERSION = 'modelship-train-cache-v1'

/** Longest model name kept in a key; keys stay far below the 512-character limit and usable as folder names. */
const MAX_MODEL_IN_KEY = 100

/** What the training cache key is made of. */
export interface CacheKeyInputs {
  model: string
  /** The spec's train section (and anything else that shapes training); hashed as canonical JSON. */
  trainSection: unknown
  /** Absolute working directory: every file under it is code. */
  workingDirectory: string
  /** Absolute folders under the working directory that are not code (outputs, checkpoints). */
  exclude: readonly string[]
  /** sha256 of each data file. */
  dataSha256: { train: string; test: string }
  /** The environment key (interpreter version and requirements). */
  environmentKey: string
}

/**
 * `modelship-train-<model>-<sha256>`: sha256 over the train section (canonical JSON), the code files
 * under the working directory (sorted; .git, virtualenvs, node_modules, outputs excluded), the data
 * files' hashes and the environment key. Characters a cache key cannot hold (`,` and the like) become `-`.
 */
export async function computeCacheKey(inputs: CacheKeyInputs): Promise<string> {
  const codeSha256 = await hashTree(inputs.workingDirectory, inputs.exclude)
  const digest = sha256(
    canonicalJson({
      version: KEY_VERSION,
      train: inputs.trainSection ?? null,
      code: codeSha256,
      data: inputs.dataSha256,
      environment: inputs.environmentKey,
    }),
  )
  const model = inputs.model.replace(/[^A-Za-z0-9._=-]/g, '-').slice(0, MAX_MODEL_IN_KEY)
  return `${CACHE_KEY_PREFIX}${model}-${digest}`
}

/**
 * Where training outputs are kept between runs. Implementations: {@link LocalTrainCache} (a folder,
 * for the CLI) and `ActionsTrainCache` (the GitHub Actions cache, for runners).
 */
export interface TrainCache {
  /** Words for logs, e.g. `local cache .modelship/cache`. */
  readonly description: string
  /**
   * Copies the outputs saved under `key` into `targetDir` (which does not exist yet) and resolves
   * true; resolves false on a miss. Must not throw for a cache that is unavailable: that is a miss.
   */
  restore(key: string, targetDir: string): Promise<boolean>
  /** Saves the folder under `key`. Best effort: failures are reported as warnings, never thrown. */
  save(key: string, sourceDir: string): Promise<void>
}

/** A folder of entries `<root>/<key>/`, each written to a temporary folder and renamed into place. */
export class LocalTrainCache implements TrainCache {
  readonly description: string

  constructor(
    /** Folder holding the entries, e.g. `.modelship/cache`. */
    readonly root: string,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.description = `local cache ${root}`
  }

  async restore(key: string, targetDir: string): Promise<boolean> {
    const entry = join(this.root, key)
    if (!(await pathExists(entry))) return false
    await cp(entry, targetDir, { recursive: true, verbatimSymlinks: true })
    return true
  }

  async save(key: string, sourceDir: string): Promise<void> {
    const entry = join(this.root, key)
    // Same key, same outputs: an entry that exists is kept as is.
    if (await pathExists(entry)) return
    const temp = join(this.root, `.tmp-${randomBytes(4).toString('hex')}`)
    try {
      await mkdir(this.root, { recursive: true })
      await cp(sourceDir, temp, { recursive: true, verbatimSymlinks: true })
      await rename(temp, entry)
    } catch (error) {
      await rm(temp, { recursive: true, force: true }).catch(() => {})
      // A concurrent save of the same key won the race: its entry is as good as ours.
      if (!(await pathExists(entry))) this.warn(`Could not save the training cache entry ${key}: ${(error as Error).message}`)
    }
  }
}
