/**
 * The double's git side: a real bare repository in a temp folder, driven with the git CLI, so refs,
 * tags and commits made through the API are what `git fetch` / `git ls-remote` of `gitDir` show.
 */
import { execFile } from 'node:child_process'
import { rm } from 'node:fs/promises'

/** A commit as the API needs it. */
export interface GitCommit {
  sha: string
  tree: string
  parents: string[]
  author: GitSignature
  committer: GitSignature
  message: string
}

/** Name, email and time of an author, committer or tagger. */
export interface GitSignature {
  name: string
  email: string
  /** ISO 8601, UTC, whole seconds. */
  date: string
}

/** An annotated tag object. */
export interface GitTagObject {
  sha: string
  tag: string
  object: string
  type: string
  tagger: GitSignature
  message: string
}

/** One ref with the object it points at. */
export interface GitRef {
  ref: string
  sha: string
  type: string
}

/** One changed file between two commits, as `git diff` reports it. */
export interface GitFileChange {
  filename: string
  previousFilename: string | undefined
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed'
  additions: number
  deletions: number
  /** Blob at the head side; undefined for a removed file. */
  blobSha: string | undefined
}

/** Raised by `git` when it refuses; `stderr` is git's own words. */
export class GitCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed: ${stderr.trim()}`)
  }
}

const SHA = /^[0-9a-f]{40}$/

/** The bare repository; every mutation runs one at a time, as GitHub serialises ref updates. */
export class GitStore {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(readonly gitDir: string) {}

  /** Creates the bare repository with one initial commit of `files` (default a README) on `defaultBranch`. */
  static async create(gitDir: string, defaultBranch: string, files?: Record<string, string>): Promise<GitStore> {
    await run(['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, gitDir])
    const store = new GitStore(gitDir)
    await store.commit({ branch: defaultBranch, message: 'Initial commit', files: files ?? { 'README.md': '# Model repository\n' } })
    return store
  }

  /** Runs git against the bare repository; resolves with stdout. */
  git(args: string[], input?: string, env?: Record<string, string>): Promise<string> {
    return run(['--git-dir', this.gitDir, ...args], input, env)
  }

  /** Runs `task` after every earlier mutation finished. */
  serialise<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task)
    this.queue = next.catch(() => undefined)
    return next
  }

  /**
   * Adds a commit on `branch` (created when missing) that writes `files` on top of the branch's tree
   * (or of `parent`'s); a `null` content deletes the file. Returns the new commit's sha.
   */
  commit(options: { branch: string; message: string; files?: Record<string, string | null>; parent?: string; date?: Date }): Promise<string> {
    return this.serialise(async () => {
      const ref = `refs/heads/${options.branch}`
      const old = await this.readRef(ref)
      const parent = options.parent ?? old?.sha
      const indexFile = `${this.gitDir}/double-index-${process.pid}-${Date.now()}`
      const env = { GIT_INDEX_FILE: indexFile }
      try {
        if (parent !== undefined) await this.git(['read-tree', `${parent}^{tree}`], undefined, env)
        else await this.git(['read-tree', '--empty'], undefined, env)
        for (const [path, content] of Object.entries(options.files ?? {})) {
          if (content === null) {
            // Mode 0 removes the entry; --force-remove would want a work tree, which a bare repository lacks.
            await this.git(['update-index', '--index-info'], `0 ${'0'.repeat(40)}\t${path}\n`, env)
            continue
          }
          const blob = (await this.git(['hash-object', '-w', '--stdin'], content)).trim()
          await this.git(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], undefined, env)
        }
        const tree = (await this.git(['write-tree'], undefined, env)).trim()
        const when = signatureDate(options.date ?? new Date())
        const sha = (
          await this.git(['commit-tree', tree, ...(parent !== undefined ? ['-p', parent] : []), '-F', '-'], options.message, {
            GIT_AUTHOR_NAME: 'Model Builder',
            GIT_AUTHOR_EMAIL: 'builder@example.com',
            GIT_AUTHOR_DATE: when,
            GIT_COMMITTER_NAME: 'Model Builder',
            GIT_COMMITTER_EMAIL: 'builder@example.com',
            GIT_COMMITTER_DATE: when,
          })
        ).trim()
        await this.git(['update-ref', ref, sha, old?.sha ?? ''])
        return sha
      } finally {
        await rm(indexFile, { force: true })
      }
    })
  }

  /** The ref (full name, e.g. `refs/tags/v1`) and what it points at; undefined when missing. */
  async readRef(ref: string): Promise<GitRef | undefined> {
    const refs = await this.listRefs(ref)
    return refs.find((candidate) => candidate.ref === ref)
  }

  /** Refs whose full name starts with `prefix` (a plain string prefix, as GitHub's matching-refs). */
  async listRefs(prefix = 'refs/'): Promise<GitRef[]> {
    const out = await this.git(['for-each-ref', '--format=%(refname)%00%(objectname)%00%(objecttype)', 'refs/'])
    return out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [ref = '', sha = '', type = ''] = line.split('\0')
        return { ref, sha, type }
      })
      .filter((entry) => entry.ref.startsWith(prefix))
      .sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  }

  /** Tags newest version first (`git for-each-ref --sort=-v:refname`), each with the commit it peels to. */
  async listTagsByVersion(): Promise<Array<{ name: string; commit: string }>> {
    const out = await this.git(['for-each-ref', '--sort=-v:refname', '--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)', 'refs/tags/'])
    return out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [name = '', sha = '', peeled = ''] = line.split('\0')
        return { name, commit: peeled !== '' ? peeled : sha }
      })
  }

  /** Sets `ref` to `sha`; `expectedOld` '' means "must not exist yet", undefined means "any". */
  setRef(ref: string, sha: string, expectedOld?: string): Promise<void> {
    return this.serialise(async () => {
      await this.git(['update-ref', ref, sha, ...(expectedOld !== undefined ? [expectedOld] : [])])
    })
  }

  /** Deletes `ref`. */
  deleteRef(ref: string): Promise<void> {
    return this.serialise(async () => {
      await this.git(['update-ref', '-d', ref])
    })
  }

  /** The type (`commit`, `tree`, `blob`, `tag`) of an object, or undefined when absent. */
  async objectType(sha: string): Promise<string | undefined> {
    if (!SHA.test(sha)) return undefined
    try {
      return (await this.git(['cat-file', '-t', sha])).trim()
    } catch {
      return undefined
    }
  }

  /** The commit a branch, tag, `heads/x`, `tags/x` or sha names; undefined when it names none. */
  async resolveCommit(name: string): Promise<string | undefined> {
    const candidates = SHA.test(name)
      ? [name]
      : name.startsWith('refs/')
        ? [name]
        : name.startsWith('heads/') || name.startsWith('tags/')
          ? [`refs/${name}`]
          : [`refs/heads/${name}`, `refs/tags/${name}`]
    for (const candidate of candidates) {
      try {
        return (await this.git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${candidate}^{commit}`])).trim()
      } catch {
        // try the next spelling
      }
    }
    // GitHub also accepts an abbreviated sha.
    if (/^[0-9a-f]{7,39}$/.test(name)) {
      try {
        return (await this.git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${name}^{commit}`])).trim()
      } catch {
        return undefined
      }
    }
    return undefined
  }

  /** Reads a commit object. */
  async readCommit(sha: string): Promise<GitCommit> {
    const raw = await this.git(['cat-file', 'commit', sha])
    const { headers, message } = splitObject(raw)
    return {
      sha,
      tree: headers.get('tree')?.[0] ?? '',
      parents: headers.get('parent') ?? [],
      author: parseSignature(headers.get('author')?.[0] ?? ''),
      committer: parseSignature(headers.get('committer')?.[0] ?? ''),
      message,
    }
  }

  /** Writes an annotated tag object (no ref) with `git mktag`, which checks it as git fsck does. */
  writeTag(tag: { tag: string; object: string; type: string; tagger: GitSignature; message: string }): Promise<string> {
    const tagger = `${tag.tagger.name} <${tag.tagger.email}> ${signatureDate(new Date(tag.tagger.date))}`
    const body = `object ${tag.object}\ntype ${tag.type}\ntag ${tag.tag}\ntagger ${tagger}\n\n${tag.message}`
    return this.git(['mktag'], body).then((out) => out.trim())
  }

  /** Reads an annotated tag object; undefined when `sha` is not one. */
  async readTag(sha: string): Promise<GitTagObject | undefined> {
    if ((await this.objectType(sha)) !== 'tag') return undefined
    const { headers, message } = splitObject(await this.git(['cat-file', 'tag', sha]))
    return {
      sha,
      tag: headers.get('tag')?.[0] ?? '',
      object: headers.get('object')?.[0] ?? '',
      type: headers.get('type')?.[0] ?? '',
      tagger: parseSignature(headers.get('tagger')?.[0] ?? ''),
      message,
    }
  }

  /** True when `ancestor` is reachable from `descendant`. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    try {
      await this.git(['merge-base', '--is-ancestor', ancestor, descendant])
      return true
    } catch {
      return false
    }
  }

  /** Files changed from `base` to `head` (diffed from their merge base, like a pull request). */
  async changedFiles(base: string, head: string): Promise<GitFileChange[]> {
    const from = (await this.git(['merge-base', base, head]).catch(() => base)).trim()
    const raw = await this.git(['diff', '--raw', '--numstat', '-M', '-z', '--no-abbrev', from, head])
    return parseRawNumstat(raw)
  }
}

function parseRawNumstat(raw: string): GitFileChange[] {
  // With -z: raw records ":modes shas status\0path\0[path2\0]" come first, then numstat records.
  const tokens = raw.split('\0')
  const changes: GitFileChange[] = []
  let i = 0
  while (i < tokens.length && (tokens[i] ?? '').startsWith(':')) {
    const fields = (tokens[i] as string).slice(1).split(' ')
    const dstSha = fields[3] ?? ''
    const code = (fields[4] ?? 'M')[0]
    const first = tokens[i + 1] ?? ''
    const twoPaths = code === 'R' || code === 'C'
    const second = twoPaths ? (tokens[i + 2] ?? '') : undefined
    const status = code === 'A' ? 'added' : code === 'D' ? 'removed' : code === 'R' ? 'renamed' : code === 'C' ? 'copied' : code === 'M' ? 'modified' : 'changed'
    changes.push({
      filename: second ?? first,
      previousFilename: twoPaths ? first : undefined,
      status,
      additions: 0,
      deletions: 0,
      blobSha: code === 'D' ? undefined : dstSha,
    })
    i += twoPaths ? 3 : 2
  }
  // numstat: "adds\tdels\tpath\0" or, for renames, "adds\tdels\t\0old\0new\0".
  let n = 0
  while (i < tokens.length && n < changes.length) {
    const token = tokens[i] ?? ''
    if (token === '') {
      i++
      continue
    }
    const [adds = '0', dels = '0', path = ''] = token.split('\t')
    const change = changes[n] as GitFileChange
    change.additions = adds === '-' ? 0 : Number(adds)
    change.deletions = dels === '-' ? 0 : Number(dels)
    i += path === '' ? 3 : 1
    n++
  }
  return changes
}

function splitObject(raw: string): { headers: Map<string, string[]>; message: string } {
  const split = raw.indexOf('\n\n')
  const head = split === -1 ? raw : raw.slice(0, split)
  const message = split === -1 ? '' : raw.slice(split + 2)
  const headers = new Map<string, string[]>()
  for (const line of head.split('\n')) {
    if (line.startsWith(' ')) continue // continuation of a multi-line header (gpgsig)
    const space = line.indexOf(' ')
    const key = line.slice(0, space)
    headers.set(key, [...(headers.get(key) ?? []), line.slice(space + 1)])
  }
  return { headers, message }
}

function parseSignature(value: string): GitSignature {
  const match = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(value)
  if (match === null) return { name: value, email: '', date: new Date(0).toISOString().replace('.000Z', 'Z') }
  return { name: match[1] ?? '', email: match[2] ?? '', date: new Date(Number(match[3]) * 1000).toISOString().replace('.000Z', 'Z') }
}

function signatureDate(date: Date): string {
  return `${Math.floor(date.getTime() / 1000)} +0000`
}

function run(args: string[], input?: string, env?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new GitCommandError(args, stderr || error.message))
        else resolve(stdout)
      },
    )
    // Always close stdin, so a git command that reads it cannot wait forever; one that exits without
    // reading makes the write fail with EPIPE, which is no error of ours.
    child.stdin?.on('error', () => {})
    child.stdin?.end(input ?? '')
  })
}
