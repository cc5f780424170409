/**
 * Reads registry tags out of a git repository with one `git for-each-ref`, tagger date and peeled
 * commit included, so listing thousands of tags costs one process and no call per tag.
 */
import type { ListTagsOptions, TagRecord } from './backend.js'
import { git } from './git.js'
import { parseRegistryTag } from './tags.js'

const FIELDS = ['%(refname)', '%(objecttype)', '%(objectname)', '%(*objectname)', '%(taggername)', '%(taggeremail)', '%(taggerdate:unix)']

/**
 * Registry tags under `namespace` (default `refs/tags/`), e.g. `refs/modelship/remote-tags/` for
 * tags fetched from a remote into a private namespace.
 */
export async function readGitTags(cwd: string, options: ListTagsOptions = {}, namespace = 'refs/tags/'): Promise<TagRecord[]> {
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
    const name = ref!.slice(namespace.length)
    const tag = parseRegistryTag(name)
    if (!tag) continue
    const annotated = type === 'tag'
    const record: TagRecord = { name, tag, commit: annotated ? peeled! : object!, annotated }
    if (annotated && date) {
      record.tagger = { name: taggerName!, email: taggerEmail!.replace(/^<|>$/g, ''), date: new Date(Number(date) * 1000) }
    }
    if (options.details && annotated) record.message = message
    records.push(record)
  }
  return records
}
