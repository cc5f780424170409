/**
 * Turns `modelship validate` path arguments into one repository root and the paths inside it to
 * check. A repository root is the nearest folder (from the path upwards) that holds models/ or
 * deploy/; a path that is itself such a folder means "the whole repository".
 */
import { stat } from 'node:fs/promises'
import { dirname, relative, resolve, sep } from 'node:path'
import { UsageError } from '../errors.js'
import { isDirectory } from '../fs/file-kind.js'

/** A repository root and the paths in it (relative, forward slashes) to validate; none means all. */
export interface ValidationTargets {
  root: string
  paths: string[]
}

async function isRepositoryRoot(dir: string): Promise<boolean> {
  return (await isDirectory(resolve(dir, 'models'))) || (await isDirectory(resolve(dir, 'deploy')))
}

/** The nearest folder at or above `dir` that holds models/ or deploy/; undefined when there is none. */
export async function findRepositoryRoot(dir: string): Promise<string | undefined> {
  let current = resolve(dir)
  for (;;) {
    if (await isRepositoryRoot(current)) return current
    const parent = dirname(current)
    if (parent === current) return undefined
    current = parent
  }
}

/** Resolves the path arguments against `cwd`; more than one repository among them is a usage error. */
export async function resolveValidationTargets(args: readonly string[], cwd: string): Promise<ValidationTargets> {
  if (args.length === 0) return { root: (await findRepositoryRoot(cwd)) ?? resolve(cwd), paths: [] }
  let root: string | undefined
  const paths: string[] = []
  for (const arg of args) {
    const path = resolve(cwd, arg)
    const info = await stat(path).catch(() => undefined)
    if (!info) throw new UsageError(`'${arg}' does not exist (looked in ${cwd}); pass a repository root or a spec file inside one`)
    const directory = info.isDirectory()
    const own = directory && (await isRepositoryRoot(path)) ? path : await findRepositoryRoot(directory ? path : dirname(path))
    if (!own) {
      throw new UsageError(`'${arg}' is not inside a Modelship repository: no folder at or above it holds models/ or deploy/`)
    }
    if (root !== undefined && root !== own) {
      throw new UsageError(`'${arg}' belongs to the repository at ${own}, but an earlier path belongs to ${root}; validate one repository at a time`)
    }
    root = own
    if (own !== path) paths.push(relative(own, path).split(sep).join('/'))
  }
  return { root: root as string, paths: paths.length > 0 && paths.length < args.length ? [] : paths }
}
