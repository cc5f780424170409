/**
 * Input files: paths or globs (tinyglobby), expanded, de-duplicated and sorted by path so that every
 * shard sees the same list in the same order; each described by its format, sha256 and row count.
 * A file that cannot be read is kept, with the reason, so the run reports it instead of losing it.
 */
import { stat } from 'node:fs/promises'
import { isAbsolute, relative, resolve } from 'node:path'
import { glob, isDynamicPattern } from 'tinyglobby'
import { countRows, dataFormat, type DataFormat } from '../data/read-table.js'
import { UsageError } from '../errors.js'
import { sha256File } from '../fs/sha256.js'
import { reasonOf } from './segment.js'

/** One input file. */
export interface BatchInput {
  /** Absolute path. */
  readonly path: string
  /** As reports and results name it: relative to the working folder, with forward slashes. */
  readonly display: string
  readonly format: DataFormat
  readonly sha256: string
  /** Rows; undefined when the file could not be read (then `error` says why). */
  readonly rows: number | undefined
  readonly error?: string
}

/** Expands paths and globs under `cwd` into sorted, unique absolute file paths. */
export async function expandInputs(patterns: readonly string[], cwd: string): Promise<string[]> {
  if (patterns.length === 0) throw new UsageError('no input files; give one or more files or globs, e.g. data/*.parquet')
  const files = new Set<string>()
  for (const pattern of patterns) {
    if (isDynamicPattern(pattern)) {
      const found = await glob(pattern, { cwd, absolute: true, onlyFiles: true, expandDirectories: false })
      if (found.length === 0) throw new UsageError(`input glob '${pattern}' matches no file under ${cwd}; check the pattern (quote it so the shell leaves it to modelship)`)
      for (const file of found) files.add(resolve(file))
      continue
    }
    const path = resolve(cwd, pattern)
    try {
      const info = await stat(path)
      if (info.isDirectory()) throw new UsageError(`input ${pattern} is a folder; give its files or a glob such as ${pattern}/*.parquet`)
    } catch (error) {
      if (error instanceof UsageError) throw error
      const code = (error as NodeJS.ErrnoException).code
      throw new UsageError(code === 'ENOENT' ? `input file ${pattern} does not exist` : `could not read input ${pattern} (${code ?? String(error)})`)
    }
    files.add(path)
  }
  return [...files].sort()
}

/** How a path is shown: relative to `cwd` when inside it, with forward slashes. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return (rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel).split('\\').join('/')
}

/** Format, sha256 and row count of each file (a few at a time). */
export async function describeInputs(paths: readonly string[], cwd: string): Promise<BatchInput[]> {
  return await Promise.all(
    paths.map(async (path) => {
      const display = displayPath(path, cwd)
      const format = dataFormat(path, display)
      // Hashing and counting each read the file: together they overlap (disk, and a core each).
      const [hashed, counted] = await Promise.allSettled([sha256File(path), countRows(path, { displayName: display })])
      const sha256 = hashed.status === 'fulfilled' ? hashed.value : ''
      if (hashed.status === 'fulfilled' && counted.status === 'fulfilled') return { path, display, format, sha256, rows: counted.value }
      const error: unknown = hashed.status === 'rejected' ? hashed.reason : (counted as PromiseRejectedResult).reason
      const code = (error as NodeJS.ErrnoException).code
      return { path, display, format, sha256, rows: undefined, error: code ? `could not read ${display} (${code})` : reasonOf(error) }
    }),
  )
}
