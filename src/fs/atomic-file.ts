/**
 * Atomic writes, the one implementation for every module: a file or folder is written beside its
 * target (same file system) and renamed into place, so a reader — or a rerun after a crash — sees the
 * old content or the whole new content, never a part.
 */
import { randomBytes } from 'node:crypto'
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** A name beside `path` that no other writer picks: `<path>.tmp-<pid>-<random>`. */
function tempSibling(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
}

/** Writes `data` to `path` through a temporary sibling and a rename; the folder must exist. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = tempSibling(path)
  try {
    await writeFile(temp, data)
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}

/** Creates an empty folder beside `finalDir` (its parent is created), named `.<name>.<purpose>-<random>`. */
export async function createStagingDir(finalDir: string, purpose = 'tmp'): Promise<string> {
  await mkdir(dirname(finalDir), { recursive: true })
  const staging = join(dirname(finalDir), `.${basename(finalDir)}.${purpose}-${randomBytes(4).toString('hex')}`)
  await mkdir(staging)
  return staging
}

/**
 * Replaces `finalDir` with `stagingDir` by renames. The old folder is moved aside first and removed
 * last; if the swap fails it is put back, so `finalDir` holds either the old or the new content.
 */
export async function promoteDir(stagingDir: string, finalDir: string): Promise<void> {
  const aside = `${stagingDir}.old`
  let movedAside = false
  try {
    await rename(finalDir, aside)
    movedAside = true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  try {
    await rename(stagingDir, finalDir)
  } catch (error) {
    if (movedAside) await rename(aside, finalDir)
    throw error
  }
  if (movedAside) await rm(aside, { recursive: true, force: true })
}

/** Copies `sourceDir` into a staging sibling of `targetDir`, then renames it into place (replacing it). */
export async function copyDirAtomic(sourceDir: string, targetDir: string): Promise<void> {
  const staging = await createStagingDir(targetDir, 'copy')
  try {
    await cp(sourceDir, staging, { recursive: true, verbatimSymlinks: true })
    await promoteDir(staging, targetDir)
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error
  }
}
