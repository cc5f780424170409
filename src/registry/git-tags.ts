/**
 * Reads registry tags out of a git repository without a process or an API call per tag.
 *
 * - With `details` (history): one `git for-each-ref` that reads every tag object (tagger, message).
 * - For one model (show, register, promote): one `git for-each-ref` limited to that model's tags.
 * - For every model (list): `git show-ref -d` gives names and peeled commits straight from
 *   packed-refs, and annotated tags need their tagger date (for ordering). Tag
 *   objects never change, so their dates are kept in `<git dir>/modelship/tag-dates.json`, keyed
 *   by object id; only tags not seen before are read, with one `git cat-file --batch`. The git
 *   directory is `.git` when the repository has that folder, so a list is one git process.
 */
import { mkdir, readFile, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { writeFileAtomic } from '../fs/atomic-file.js'
import type { ListTagsOptions, TagRecord, Tagger } from './backend.js'
import { git, gitBytes, GitCommandError } from '../git/command.js'
import { parseRegistryTag, unreadableTagReason } from './tags.js'

const FIELDS = ['%(refname)', '%(objecttype)', '%(objectname)', '%(*objectname)', '%(taggername)', '%(taggeremail)', '%(taggerdate:unix)']

/**
 * Registry tags under `namespace` (default `refs/tags/`), e.g. `refs/modelship/tags/` for tags
 * fetched from a remote into a private namespace.
 */
export async function readGitTags(cwd: string, options: ListTagsOptions = {}, namespace = 'refs/tags/'): Promise<TagRecord[]> {
  if (!options.details && !options.model) return readAllTagsFast(cwd, namespace, options.onUnreadable)
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
    if (!tag) {
      reportUnreadable(ref!.slice(namespace.length), options.onUnreadable)
      continue
    }
    const annotated = type === 'tag'
    const record: TagRecord = { name: ref!.slice(namespace.length), tag, commit: annotated ? peeled! : object!, annotated }
    if (annotated && date) record.tagger = { name: taggerName!, email: taggerEmail!.replace(/^<|>$/g, ''), date: new Date(Number(date) * 1000) }
    if (options.details && annotated) record.message = message
    records.push(record)
  }
  return records
}

const gitDirs = new Map<string, string>()

/** Tagger name, email and time (whole seconds) of a tag object. */
type TaggerFacts = [name: string, email: string, seconds: number]
type DateCache = Map<string, TaggerFacts>

/** Tells `onUnreadable` about a skipped tag that looked like a registry tag, so none vanishes unseen. */
export function reportUnreadable(name: string, onUnreadable: ListTagsOptions['onUnreadable']): void {
  if (!onUnreadable) return
  const reason = unreadableTagReason(name)
  if (reason) onUnreadable(name, reason)
}

async function readAllTagsFast(cwd: string, namespace: string, onUnreadable: ListTagsOptions['onUnreadable']): Promise<TagRecord[]> {
  let out: string
  try {
    // One process reading packed-refs, peeled commits included; without --tags it lists every
    // namespace (refs/modelship/tags/ of the GitHub backend too), which is filtered below.
    out = await git(namespace === 'refs/tags/' ? ['show-ref', '-d', '--tags'] : ['show-ref', '-d'], { cwd })
  } catch (error) {
    // show-ref exits 1 when there is no ref at all.
    if (error instanceof GitCommandError && error.exitCode === 1 && error.stderr.trim() === '') return []
    throw error
  }
  const records: TagRecord[] = []
  const needDates: Array<{ record: TagRecord; object: string }> = []
  // show-ref prints a tag's peeled line (`<commit> <ref>^{}`) right after the tag's own line.
  let pending: { name: string; object: string } | undefined
  const finish = (peeled: string | undefined) => {
    const { name, object } = pending!
    pending = undefined
    const tag = parseRegistryTag(name)
    if (!tag) {
      reportUnreadable(name, onUnreadable)
      return
    }
    const annotated = peeled !== undefined && peeled !== object
    const record: TagRecord = { name, tag, commit: peeled ?? object, annotated }
    records.push(record)
    // Every annotated tag is ordered by time: GTO sets a deprecation against registrations and
    // withdrawals by tag time too, and its `@deprecated` and `@vX.Y.Z!` tags carry no counter.
    if (annotated) needDates.push({ record, object })
  }
  let at = 0
  while (at < out.length) {
    let end = out.indexOf('\n', at)
    if (end < 0) end = out.length
    const space = out.indexOf(' ', at)
    const shaLength = space - at
    if (shaLength === 40 || shaLength === 64) {
      const sha = out.slice(at, space)
      if (out.startsWith('^{}', end - 3)) {
        const name = space + 1 + namespace.length
        if (pending && end - 3 - name === pending.name.length && out.startsWith(pending.name, name)) finish(sha)
      } else {
        if (pending) finish(undefined)
        if (out.startsWith(namespace, space + 1)) pending = { name: out.slice(space + 1 + namespace.length, end), object: sha }
      }
    }
    at = end + 1
  }
  if (pending) finish(undefined)
  if (needDates.length > 0) await fillTaggerDates(cwd, needDates)
  return records
}

/** The git directory of `cwd`: its `.git` folder when it has one (no process), else what git says. */
async function gitDirOf(cwd: string): Promise<string> {
  let gitDir = gitDirs.get(cwd)
  if (gitDir) return gitDir
  const dotGit = join(cwd, '.git')
  const isFolder = !process.env.GIT_DIR && (await stat(dotGit).then((info) => info.isDirectory(), () => false))
  gitDir = isFolder ? dotGit : resolve(cwd, (await git(['rev-parse', '--git-dir'], { cwd })).trim())
  gitDirs.set(cwd, gitDir)
  return gitDir
}

async function fillTaggerDates(cwd: string, wanted: Array<{ record: TagRecord; object: string }>): Promise<void> {
  const cachePath = join(await gitDirOf(cwd), 'modelship', 'tag-dates.json')
  let cache: DateCache = new Map()
  try {
    cache = new Map(Object.entries(JSON.parse(await readFile(cachePath, 'utf8')) as Record<string, TaggerFacts>))
  } catch {
    // A missing or damaged cache is rebuilt from the objects.
  }
  const missing = [...new Set(wanted.filter(({ object }) => !cache.has(object)).map(({ object }) => object))]
  if (missing.length > 0) {
    for (const [sha, facts] of Object.entries(await readTaggers(cwd, missing))) cache.set(sha, facts)
    try {
      await mkdir(dirname(cachePath), { recursive: true })
      await writeFileAtomic(cachePath, JSON.stringify(Object.fromEntries(cache)))
    } catch {
      // A read-only repository still answers, only slower next time.
    }
  }
  for (const { record, object } of wanted) {
    const hit = cache.get(object)
    if (hit) record.tagger = { name: hit[0], email: hit[1], date: new Date(hit[2] * 1000) } satisfies Tagger
  }
}

/** Tagger of each tag object, with one `git cat-file --batch`. */
async function readTaggers(cwd: string, shas: string[]): Promise<Record<string, TaggerFacts>> {
  const out = await gitBytes(['cat-file', '--batch', '--buffer'], shas.join('\n') + '\n', { cwd })
  const found: Record<string, TaggerFacts> = {}
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
