/**
 * Reads registry tags out of a git repository without a process or an API call per tag.
 *
 * - With `details` (history): one `git for-each-ref` that reads every tag object (tagger, message).
 * - For one model (show, register, promote): one `git for-each-ref` limited to that model's tags.
 * - For every model (list): `git show-ref -d` gives names and peeled commits straight from
 *   packed-refs, and only stage and deprecation tags need their tagger date (for ordering). Tag
 *   objects never change, so their dates are kept in `<git dir>/modelship/tag-dates.json`, keyed
 *   by object id; only tags not seen before are read, with one `git cat-file --batch`.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { writeFileAtomic } from './atomic-file.js'
import type { ListTagsOptions, TagRecord, Tagger } from './backend.js'
import { git, gitBytes, GitCommandError } from './git.js'
import { parseRegistryTag } from './tags.js'

const FIELDS = ['%(refname)', '%(objecttype)', '%(objectname)', '%(*objectname)', '%(taggername)', '%(taggeremail)', '%(taggerdate:unix)']

/**
 * Registry tags under `namespace` (default `refs/tags/`), e.g. `refs/modelship/tags/` for tags
 * fetched from a remote into a private namespace.
 */
export async function readGitTags(cwd: string, options: ListTagsOptions = {}, namespace = 'refs/tags/'): Promise<TagRecord[]> {
  if (!options.details && !options.model) return readAllTagsFast(cwd, namespace)
  const fields = options.details ? [...FIELDS, '%(contents)'] : FIELDS
  const patterns = options.model
    ? // `*` stops at '/', and stage names may hold one, hence the third pattern.
      ['@*', '#*', '#*/**'].map((suffix) => `${namespace}${options.model!.tagPart}${suffix}`)
    : [namespace]
  const out = await git(['for-each-ref', `--format=${fields.join('%00')}%00`, ...patterns], { cwd })
  const records: TagRecord[] = []
  for (const line of out.split('\0\n')) {
    if (line === '') continue
    const [ref, type, object, peeled, taggerName, taggerEmail, date, message] = line.split('\0')
    const tag = parseRegistryTag(ref!.slice(namespace.length))
    if (!tag) continue
    const annotated = type === 'tag'
    const record: TagRecord = { name: ref!.slice(namespace.length), tag, commit: annotated ? peeled! : object!, annotated }
    if (annotated && date) record.tagger = { name: taggerName!, email: taggerEmail!.replace(/^<|>$/g, ''), date: new Date(Number(date) * 1000) }
    if (options.details && annotated) record.message = message
    records.push(record)
  }
  return records
}

const gitDirs = new Map<string, string>()

type DateCache = Record<string, [name: string, email: string, seconds: number]>

async function readAllTagsFast(cwd: string, namespace: string): Promise<TagRecord[]> {
  let out: string
  try {
    // show-ref takes no namespace other than tags; for-each-ref without object fields is as cheap.
    out =
      namespace === 'refs/tags/'
        ? await git(['show-ref', '-d', '--tags'], { cwd })
        : await git(['for-each-ref', '--format=%(objectname) %(refname)%0a%(*objectname) %(refname)^{}', namespace], { cwd })
  } catch (error) {
    // show-ref exits 1 when there is no tag at all.
    if (error instanceof GitCommandError && error.exitCode === 1 && error.stderr.trim() === '') return []
    throw error
  }
  const byName = new Map<string, { object: string; peeled?: string }>()
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ')
    if (space !== 40 && space !== 64) continue
    const sha = line.slice(0, space)
    const ref = line.slice(space + 1)
    if (ref.endsWith('^{}')) {
      const entry = byName.get(ref.slice(namespace.length, -3))
      if (entry) entry.peeled = sha
    } else {
      byName.set(ref.slice(namespace.length), { object: sha })
    }
  }
  const records: TagRecord[] = []
  const needDates: TagRecord[] = []
  const objectOf = new Map<TagRecord, string>()
  for (const [name, { object, peeled }] of byName) {
    const tag = parseRegistryTag(name)
    if (!tag) continue
    const annotated = peeled !== undefined && peeled !== object
    const record: TagRecord = { name, tag, commit: peeled ?? object, annotated }
    records.push(record)
    if (annotated && tag.kind !== 'version') {
      needDates.push(record)
      objectOf.set(record, object)
    }
  }
  if (needDates.length > 0) await fillTaggerDates(cwd, needDates, objectOf)
  return records
}

async function fillTaggerDates(cwd: string, records: TagRecord[], objectOf: Map<TagRecord, string>): Promise<void> {
  let gitDir = gitDirs.get(cwd)
  if (!gitDir) gitDirs.set(cwd, (gitDir = resolve(cwd, (await git(['rev-parse', '--git-dir'], { cwd })).trim())))
  const cachePath = join(gitDir, 'modelship', 'tag-dates.json')
  let cache: DateCache = {}
  try {
    cache = JSON.parse(await readFile(cachePath, 'utf8')) as DateCache
  } catch {
    // A missing or damaged cache is rebuilt from the objects.
  }
  const missing = [...new Set(records.map((r) => objectOf.get(r)!).filter((sha) => !(sha in cache)))]
  if (missing.length > 0) {
    Object.assign(cache, await readTaggers(cwd, missing))
    try {
      await mkdir(dirname(cachePath), { recursive: true })
      await writeFileAtomic(cachePath, JSON.stringify(cache))
    } catch {
      // A read-only repository still answers, only slower next time.
    }
  }
  for (const record of records) {
    const hit = cache[objectOf.get(record)!]
    if (hit) record.tagger = { name: hit[0], email: hit[1], date: new Date(hit[2] * 1000) } satisfies Tagger
  }
}

/** Tagger of each tag object, with one `git cat-file --batch`. */
async function readTaggers(cwd: string, shas: string[]): Promise<DateCache> {
  const out = await gitBytes(['cat-file', '--batch', '--buffer'], shas.join('\n') + '\n', { cwd })
  const found: DateCache = {}
  let at = 0
  while (at < out.length) {
    const headerEnd = out.indexOf(10, at)
    if (headerEnd < 0) break
    const [sha, type, size] = out.subarray(at, headerEnd).toString('utf8').split(' ')
    if (type === 'missing' || size === undefined) {
      at = headerEnd + 1
      continue
    }
    const body = out.subarray(headerEnd + 1, headerEnd + 1 + Number(size)).toString('utf8')
    at = headerEnd + 1 + Number(size) + 1
    const m = /^tagger (.*) <([^>]*)> (\d+) [+-]\d{4}$/m.exec(body)
    if (type === 'tag' && m) found[sha!] = [m[1]!, m[2]!, Number(m[3])]
  }
  return found
}
