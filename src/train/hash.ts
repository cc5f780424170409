/** Hashing helpers shared by the cache key, the environment key and the run record. */
import { createHash } from 'node:crypto'
import { readdir, readlink } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { sha256File } from '../fs/sha256.js'

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped, so two equal
 * values always give the same text (and the same hash) whatever order their keys were written in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortKeys(item)))
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key]
      if (member !== undefined) sorted[key] = sortKeys(member)
    }
    return sorted
  }
  return value
}

/** Folder names never hashed as code: version control, installed dependencies, virtualenvs, caches. */
export const IGNORED_CODE_FOLDERS: ReadonlySet<string> = new Set([
  '.git',
  '.modelship',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.mypy_cache',
  '.pytest_cache',
])

/**
 * One hash over every file under `root`, in sorted path order: each file contributes its relative
 * path (forward slashes) and content hash; a symbolic link contributes its target text, unfollowed.
 * Skips the folders in {@link IGNORED_CODE_FOLDERS}, any folder holding a `pyvenv.cfg` (a virtualenv
 * under another name), and the absolute paths in `exclude` (outputs and checkpoints inside the tree).
 */
export async function hashTree(root: string, exclude: readonly string[] = []): Promise<string> {
  const files = await listTree(root, new Set(exclude))
  const hash = createHash('sha256')
  for (const file of files) {
    const name = relative(root, file.path).split(sep).join('/')
    const digest = file.link === undefined ? await sha256File(file.path) : `link:${file.link}`
    hash.update(`${name}\0${digest}\n`)
  }
  return hash.digest('hex')
}

async function listTree(dir: string, exclude: ReadonlySet<string>): Promise<{ path: string; link?: string }[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  if (entries.some((entry) => entry.name === 'pyvenv.cfg')) return []
  const found: { path: string; link?: string }[] = []
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (exclude.has(path)) continue
    if (entry.isDirectory()) {
      if (!IGNORED_CODE_FOLDERS.has(entry.name)) found.push(...(await listTree(path, exclude)))
    } else if (entry.isSymbolicLink()) {
      found.push({ path, link: await readlink(path) })
    } else if (entry.isFile()) {
      found.push({ path })
    }
  }
  // Sort by the path text, not by readdir order, which differs between file systems.
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
