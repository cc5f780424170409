/**
 * The `evaluations` input: evaluation.json paths or glob patterns (`*`, `?`, `**`), one per line or
 * separated by commas, relative to a base folder. Node 20 has no fs.glob, so patterns are matched
 * while walking the folder under the pattern's fixed prefix (skipping .git and node_modules).
 */
import { readdir, stat } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { DataError } from '../errors.js'

const SKIPPED = new Set(['.git', 'node_modules'])

/** Splits a list input into its entries (newlines or commas; blanks dropped). */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
}

/** A regular expression for a glob pattern over forward-slash paths. */
export function globToRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/'
      source += slash ? '(?:.*/)?' : '.*'
      i += slash ? 2 : 1
    } else if (c === '*') source += '[^/]*'
    else if (c === '?') source += '[^/]'
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

async function walk(dir: string, found: string[]): Promise<void> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const entry of entries) {
    if (SKIPPED.has(entry.name)) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) await walk(path, found)
    else if (entry.isFile()) found.push(path)
  }
}

/** Absolute paths of the files the entries name, in entry order, each once; a DataError for an entry that names nothing. */
export async function expandEvaluationFiles(entries: readonly string[], base: string): Promise<string[]> {
  const files: string[] = []
  for (const entry of entries) {
    const pattern = entry.split(sep).join('/')
    if (!/[*?]/.test(pattern)) {
      const path = resolve(base, pattern)
      const isFile = await stat(path).then((info) => info.isFile(), () => false)
      if (!isFile) throw new DataError(`${entry}: no such file under ${base}. Fix: pass the evaluation.json that actions/evaluate wrote (its 'evaluation' output), or a glob such as '**/evaluation.json'.`)
      files.push(path)
      continue
    }
    const segments = pattern.split('/')
    const fixed = segments.slice(0, segments.findIndex((segment) => /[*?]/.test(segment)))
    const root = resolve(base, ...fixed)
    const regex = globToRegExp(segments.slice(fixed.length).join('/'))
    const found: string[] = []
    await walk(root, found)
    const matched = found.filter((path) => regex.test(relative(root, path).split(sep).join('/'))).sort()
    if (matched.length === 0) {
      throw new DataError(`${entry}: the pattern matches no file under ${base}. Fix: check the path, and that the evaluate step ran and wrote its evaluation.json before this step.`)
    }
    files.push(...matched)
  }
  return [...new Set(files)]
}
