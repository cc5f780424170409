/** What is at a path, without throwing: the checks callers make before giving a clear error of their own. */
import { stat } from 'node:fs/promises'

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
