/**
 * Checks of the paths a command will write (`--out`, `--dir`), made before any work so that a folder
 * named where a file goes, a file on the way to a folder, or a folder that `--out` would replace is
 * a clear usage error at once, not a stack trace after minutes of training. A path that cannot be
 * looked at (permissions) says so; it is never reported as missing.
 */
import { lstat, readdir, stat } from 'node:fs/promises'
import { dirname, relative, resolve, sep } from 'node:path'
import { ModelshipError, UsageError } from '../errors.js'

type Kind = 'file' | 'folder' | 'missing'

/** What `path` is; `missing` when it or a folder on its way does not exist. Other failures (permissions) are thrown, named. */
async function kindOf(path: string, option: string): Promise<Kind> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file'
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing'
    throw new ModelshipError(`${option} ${quote(path)}: cannot look at it (${describeCode(code)}); check its permissions or choose another path`, { cause: error })
  }
}

/** The nearest existing path at or above `path`, and what it is. */
async function nearestExisting(path: string, option: string): Promise<{ path: string; kind: Exclude<Kind, 'missing'> }> {
  let current = resolve(path)
  for (;;) {
    const kind = await kindOf(current, option)
    if (kind !== 'missing') return { path: current, kind }
    const parent = dirname(current)
    if (parent === current) return { path: current, kind: 'folder' }
    current = parent
  }
}

// A path is the user's own, but may hold line breaks or escapes that would forge log lines: those are
// written as escapes; the path is never cut.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

function quote(path: string): string {
  return `'${path.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`
}

function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return rel === '' ? '.' : rel.startsWith(`..${sep}..`) || rel.startsWith(sep) ? path : rel
}

/** The words for a Node filesystem error code, for messages. */
export function describeCode(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EISDIR':
      return 'it is a folder, where a file was expected'
    case 'ENOTDIR':
      return 'a part of the path is a file, where a folder was expected'
    case 'ENOENT':
      return 'no such file or folder'
    case 'EEXIST':
      return 'it already exists'
    case 'ENOSPC':
      return 'no space left on the device'
    case 'EROFS':
      return 'the file system is read-only'
    case 'ENAMETOOLONG':
      return 'the name is too long'
    case 'ELOOP':
      return 'too many symbolic links on the way'
    default:
      return code ?? 'unknown error'
  }
}

/** Refuses a file path to write (`--out evaluation.json`) that is a folder or lies under a file. */
export async function checkOutputFile(path: string, option: string, cwd: string): Promise<void> {
  const kind = await kindOf(path, option)
  if (kind === 'folder') {
    throw new UsageError(`${option} ${quote(shown(path, cwd))} is a folder, where the file to write goes; give a file path, e.g. ${shown(path, cwd)}/evaluation.json`)
  }
  if (kind === 'missing') await refuseFileOnTheWay(path, option, cwd)
}

/**
 * Refuses a folder to write into (`--dir`) that is a file or lies under a file. With `replaced`, the
 * folder is replaced as a whole (`train --out`): an existing folder must then be empty or pass
 * `replaced.owns` (hold what the command wrote there before), never anything else a user keeps there.
 */
export async function checkOutputFolder(
  path: string,
  option: string,
  cwd: string,
  replaced?: { owns: (dir: string) => Promise<boolean>; what: string },
): Promise<void> {
  const kind = await kindOf(path, option)
  if (kind === 'file') throw new UsageError(`${option} ${quote(shown(path, cwd))} is a file, where a folder goes; give a folder path (it is created when missing)`)
  if (kind === 'missing') return refuseFileOnTheWay(path, option, cwd)
  if (replaced === undefined) return
  const entries = await readdir(path).catch((error: NodeJS.ErrnoException) => {
    throw new ModelshipError(`${option} ${quote(shown(path, cwd))}: cannot list the folder (${describeCode(error.code)})`, { cause: error })
  })
  if (entries.length === 0 || (await replaced.owns(path))) return
  throw new UsageError(
    `${option} ${quote(shown(path, cwd))} is a folder holding other files (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, no ${replaced.what}), ` +
      'and the outputs replace that folder as a whole; give a new or empty folder, e.g. ' +
      `${shown(path, cwd)}/outputs`,
  )
}

async function refuseFileOnTheWay(path: string, option: string, cwd: string): Promise<void> {
  const existing = await nearestExisting(dirname(path), option)
  if (existing.kind === 'file') {
    throw new UsageError(`${option} ${quote(shown(path, cwd))}: ${quote(shown(existing.path, cwd))} is a file, so it cannot hold a folder; give a path under a folder`)
  }
}

/** True when `dir` holds `name` as a file (not a link): how a folder shows it holds a command's earlier output. */
export async function holdsFile(dir: string, name: string): Promise<boolean> {
  return (await lstat(resolve(dir, name)).catch(() => undefined))?.isFile() === true
}
