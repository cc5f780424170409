/**
 * The training cache on the GitHub Actions cache service. The two calls come from `@actions/cache`
 * (passed in by the action, so the core stays free of `@actions/*`): `ActionsTrainCache({ client:
 * await import('@actions/cache'), log })`.
 */
import { cp, mkdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256 } from '../fs/sha256.js'
import type { TrainCache } from './cache.js'
import type { TrainLogger } from './logger.js'

/** The part of `@actions/cache` this adapter uses (its `restoreCache` and `saveCache`). */
export interface ActionsCacheClient {
  restoreCache(paths: string[], primaryKey: string, restoreKeys?: string[]): Promise<string | undefined>
  saveCache(paths: string[], key: string): Promise<number>
}

/** Options of {@link ActionsTrainCache}. */
export interface ActionsTrainCacheOptions {
  client: ActionsCacheClient
  log: TrainLogger
  /** The folder the cache service resolves relative paths against (default GITHUB_WORKSPACE, else cwd). */
  workspace?: string
  /** Staging folder for archives, relative to the workspace (default `.modelship/actions-cache`). */
  stagingDir?: string
}

/**
 * A {@link TrainCache} on the Actions cache. The service keys an entry by key *and* by the paths
 * saved, so outputs always go through one staging path per key, relative to the workspace: the same
 * on every runner whatever its workspace folder is. Restores take the exact key only (no prefix
 * fallback, which would restore another commit's model). Save failures are warnings.
 */
export class ActionsTrainCache implements TrainCache {
  readonly description = 'GitHub Actions cache'
  private readonly workspace: string
  private readonly stagingDir: string

  constructor(private readonly options: ActionsTrainCacheOptions) {
    this.workspace = options.workspace ?? process.env.GITHUB_WORKSPACE ?? process.cwd()
    this.stagingDir = options.stagingDir ?? join('.modelship', 'actions-cache')
  }

  /** The path handed to the cache service for `key`, relative to the workspace. */
  stagingPath(key: string): string {
    return join(this.stagingDir, sha256(key).slice(0, 16))
  }

  async restore(key: string, targetDir: string): Promise<boolean> {
    const path = this.stagingPath(key)
    const absolute = join(this.workspace, path)
    await rm(absolute, { recursive: true, force: true })
    let hit: string | undefined
    try {
      hit = await this.options.client.restoreCache([path], key)
    } catch (error) {
      this.options.log.warning(`Could not read the Actions cache (training goes on): ${(error as Error).message}`)
      hit = undefined
    }
    if (hit !== key) {
      await rm(absolute, { recursive: true, force: true })
      return false
    }
    await moveDir(absolute, targetDir)
    return true
  }

  async save(key: string, sourceDir: string): Promise<void> {
    const path = this.stagingPath(key)
    const absolute = join(this.workspace, path)
    try {
      await rm(absolute, { recursive: true, force: true })
      await mkdir(join(absolute, '..'), { recursive: true })
      await cp(sourceDir, absolute, { recursive: true, verbatimSymlinks: true })
      const id = await this.options.client.saveCache([path], key)
      // @actions/cache answers -1 after logging its own warning (e.g. another job saved the key first).
      if (id !== -1) this.options.log.info(`Saved the outputs to the Actions cache under ${key}`)
    } catch (error) {
      this.options.log.warning(`Could not save the outputs to the Actions cache under ${key}: ${(error as Error).message}`)
    } finally {
      await rm(absolute, { recursive: true, force: true })
    }
  }
}

async function moveDir(from: string, to: string): Promise<void> {
  try {
    await rename(from, to)
  } catch (error) {
    // Another file system (the workspace and the outputs on different mounts): copy instead.
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
    await cp(from, to, { recursive: true, verbatimSymlinks: true })
    await rm(from, { recursive: true, force: true })
  }
}
