/**
 * Output folders change all at once or not at all: a command writes into a fresh sibling folder,
 * which replaces the real one by renames only after everything succeeded.
 */
import { randomBytes } from 'node:crypto'
import { cp, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Creates an empty folder beside `finalDir` (same file system, so a rename can replace it). */
export async function createStagingDir(finalDir: string, purpose = 'tmp'): Promise<string> {
  await mkdir(dirname(finalDir), { recursive: true })
  const staging = join(dirname(finalDir), `.${basename(finalDir)}.${purpose}-${randomBytes(4).toString('hex')}`)
  await mkdir(staging)
  return staging
}

/**
 * Replaces `finalDir` with `stagingDir`. The old folder is moved aside first and removed last; if
 * the swap fails it is put back, so `finalDir` holds either the old or the new outputs, never a mix.
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

/** Copies a folder into a new staging sibling of `targetDir`, then renames it into place. */
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

/** Writes a file through a temporary sibling and a rename, so readers never see half of it. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${randomBytes(4).toString('hex')}`
  try {
    await writeFile(temp, text)
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}

/** True when `path` names an existing folder (links followed). */
export async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false
}

/** True when `path` names an existing regular file (links followed). */
export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false
}

/** True when anything exists at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}
