/**
 * Finds spec files in a repository: `models/**\/model.yaml` (or `.yml`) and `deploy/*.yaml`.
 * Walks only those two folders, skipping hidden folders, virtual environments and node_modules,
 * so a model folder full of data or a venv does not slow validation down.
 */
import { readdir, stat } from 'node:fs/promises'
import { join, posix, relative, resolve, sep } from 'node:path'

const SKIPPED = new Set(['node_modules', '__pycache__', 'venv', 'site-packages'])
const MAX_DEPTH = 8
const MODEL_FILE = /^model\.ya?ml$/
const YAML_FILE = /\.ya?ml$/

/** Spec files by kind, repository-relative with forward slashes; `unknown` ones are told apart by their `kind`. */
export interface SpecFiles {
  models: string[]
  environments: string[]
  unknown: string[]
  /** Given paths that do not exist. */
  missing: string[]
  /** Folders that exist but could not be listed, with the reason (an error code). */
  unreadable: Array<{ path: string; reason: string }>
}

function toRepoPath(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join('/')
}

async function walkModels(root: string, dir: string, depth: number, found: string[], unreadable?: SpecFiles['unreadable']): Promise<void> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (error) {
    // A folder that is not there holds no specs; one that cannot be listed must not look empty.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') unreadable?.push({ path: toRepoPath(root, dir), reason: code ?? (error as Error).message })
    return
  }
  const nested: Array<Promise<void>> = []
  for (const entry of entries) {
    if (entry.isFile() && MODEL_FILE.test(entry.name)) found.push(toRepoPath(root, join(dir, entry.name)))
    else if (entry.isDirectory() && depth < MAX_DEPTH && !entry.name.startsWith('.') && !SKIPPED.has(entry.name)) {
      nested.push(walkModels(root, join(dir, entry.name), depth + 1, found, unreadable))
    }
  }
  await Promise.all(nested)
}

async function listEnvironments(root: string, dir: string, unreadable: SpecFiles['unreadable']): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') unreadable.push({ path: toRepoPath(root, dir), reason: error.code ?? error.message })
    return []
  })
  return entries.filter((entry) => entry.isFile() && YAML_FILE.test(entry.name)).map((entry) => toRepoPath(root, join(dir, entry.name)))
}

/** Every model spec file under `root/models`; folders that cannot be listed go to `unreadable` when given. */
export async function findModelFiles(root: string, unreadable?: SpecFiles['unreadable']): Promise<string[]> {
  const found: string[] = []
  await walkModels(root, join(root, 'models'), 0, found, unreadable)
  return found.sort()
}

/** Spec files under `root`, or only those at or under the given repository-relative paths. */
export async function findSpecFiles(root: string, paths?: readonly string[]): Promise<SpecFiles> {
  const files: SpecFiles = { models: [], environments: [], unknown: [], missing: [], unreadable: [] }
  const absoluteRoot = resolve(root)
  if (!paths || paths.length === 0) {
    files.models = await findModelFiles(absoluteRoot, files.unreadable)
    files.environments = (await listEnvironments(absoluteRoot, join(absoluteRoot, 'deploy'), files.unreadable)).sort()
    return files
  }
  for (const given of paths) {
    const absolute = resolve(absoluteRoot, given)
    const path = toRepoPath(absoluteRoot, absolute)
    const info = await stat(absolute).catch(() => undefined)
    if (!info) {
      files.missing.push(given.split(sep).join('/'))
    } else if (info.isDirectory()) {
      if (path === '') {
        const all = await findSpecFiles(absoluteRoot)
        files.models.push(...all.models)
        files.environments.push(...all.environments)
        files.unreadable.push(...all.unreadable)
        continue
      }
      const found: string[] = []
      await walkModels(absoluteRoot, absolute, 0, found, files.unreadable)
      files.models.push(...found)
      if (path === 'deploy') files.environments.push(...(await listEnvironments(absoluteRoot, absolute, files.unreadable)))
    } else if (MODEL_FILE.test(posix.basename(path))) files.models.push(path)
    else if (posix.dirname(path) === 'deploy' && YAML_FILE.test(path)) files.environments.push(path)
    else files.unknown.push(path)
  }
  const unique = (list: string[]) => [...new Set(list)].sort()
  return { models: unique(files.models), environments: unique(files.environments), unknown: unique(files.unknown), missing: files.missing, unreadable: files.unreadable }
}
