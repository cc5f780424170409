/**
 * One deploy at a time per environment in a checkout: a lock file per environment in the git
 * folder (`.git/modelship/locks/<environment>.lock`, never committed), created exclusively, holding
 * who took it. A lock whose process is gone (same host, pid not alive) is stale and taken over, so a
 * killed deploy never blocks the next one. Deploys from different machines meet at the push instead,
 * and the workflows' one concurrency group per environment.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { git } from '../git/command.js'
import { DeployLockedError } from './errors.js'

/** What a lock file holds. */
interface LockOwner {
  pid: number
  host: string
  /** ISO time the lock was taken. */
  since: string
  /** What holds it, e.g. `deploy churn@v1.3.0`. */
  purpose: string
}

/** A held lock; `release()` removes it (only if still ours). */
export interface EnvironmentLock {
  release(): Promise<void>
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function lockDir(root: string): Promise<string> {
  const common = (await git(['rev-parse', '--git-common-dir'], { cwd: root })).trim()
  return join(isAbsolute(common) ? common : join(root, common), 'modelship', 'locks')
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner
  } catch {
    // Half-written by a writer killed between create and write, or removed meanwhile.
    return undefined
  }
}

async function tryCreate(path: string, owner: LockOwner): Promise<boolean> {
  try {
    const handle = await open(path, 'wx')
    try {
      await handle.writeFile(JSON.stringify(owner))
    } finally {
      await handle.close()
    }
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

/**
 * Takes the lock of each environment (sorted, so two callers never wait on each other in a cycle),
 * or throws DeployLockedError naming the holder. All or none: a failure releases what was taken.
 */
export async function lockEnvironments(root: string, environments: readonly string[], purpose: string): Promise<EnvironmentLock> {
  const dir = await lockDir(root)
  await mkdir(dir, { recursive: true })
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), purpose }
  const held: string[] = []
  const release = async () => {
    for (const path of held.reverse()) {
      const current = await readOwner(path)
      if (current?.pid === owner.pid && current.since === owner.since) await rm(path, { force: true })
    }
  }
  try {
    for (const environment of [...new Set(environments)].sort()) {
      const path = join(dir, `${environment}.lock`)
      // Two tries: the second after removing a stale lock.
      for (let attempt = 0; ; attempt++) {
        if (await tryCreate(path, owner)) {
          held.push(path)
          break
        }
        const holder = await readOwner(path)
        const stale = holder !== undefined && holder.host === owner.host && !alive(holder.pid)
        if (stale && attempt === 0) {
          await rm(path, { force: true })
          continue
        }
        throw new DeployLockedError(
          holder
            ? `environment '${environment}' is locked by ${holder.purpose} (pid ${holder.pid} on ${holder.host}, since ${holder.since}); wait for it to finish` +
                (holder.host === owner.host ? '' : `, or remove ${path} if that machine is gone`)
            : `environment '${environment}' is locked (${path} is being written or is unreadable); wait and retry, or remove it if no deploy is running`,
        )
      }
    }
  } catch (error) {
    await release()
    throw error
  }
  return { release }
}
