/** Paths in messages and reports, written the way a person would type them. */
import { isAbsolute, relative, resolve, sep } from 'node:path'

/**
 * `path` relative to `from` (forward slashes, `.` for `from` itself) when that does not climb out of
 * it, or climbs only inside `root` (both `from` and `path` in the repository); else absolute, since
 * `../../tmp/run` says less than `/tmp/run`.
 */
export function displayPath(path: string, from: string, root?: string): string {
  const absolute = resolve(path)
  const shown = relative(resolve(from), absolute).split(sep).join('/') || '.'
  if (shown !== '..' && !shown.startsWith('../')) return shown
  const within = (dir: string, inside: string): boolean => {
    const rel = relative(resolve(dir), inside)
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
  }
  return root !== undefined && within(root, absolute) && within(root, resolve(from)) ? shown : absolute
}
