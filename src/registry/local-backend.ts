/**
 * The local registry: tags in a local git repository (the git CLI), release assets as git objects
 * under a ref of their own, for the CLI and for `act` runs without a token.
 *
 * Layout: a published release of tag `churn@v1.3.0` is a commit at `refs/modelship/releases/churn@v1.3.0`
 * whose tree holds the asset files and `release.json`. So the files travel with the tags wherever
 * git carries refs (`git push origin 'refs/modelship/*'`, a fetch refspec, an `act` copy of `.git`),
 * and any git remote (GitHub, GitLab, Gitea, a bare folder) can hold a registry. Publishing creates
 * that ref only where none exists (`git update-ref` against the zero id): atomic, and a second
 * publish of the same tag fails. Changing a published release (a repair) moves the ref from the
 * commit it was read at, or retries. A draft is `<store>/.drafts/<id>/` (default store
 * `<repo>/.modelship/registry`), a working folder only this machine needs. A published folder
 * `<store>/<tag>/` of the registry's first layout is still read, and moved into git the first time
 * its release is looked up.
 *
 * An asset whose size differs from its `release.json` entry, or that has none, is a broken upload.
 *
 * Governance: the local backend trusts the local user; every actor may promote to every stage.
 */
import { randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { constants, createReadStream } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { RegistryConflictError, RegistryNotFoundError, UsageError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-file.js'
import { sha256File } from '../fs/sha256.js'
import type {
  ActorPermission,
  AssetRecord,
  CreateTagResult,
  DraftInput,
  ListTagsOptions,
  RegistryBackend,
  ReleaseRecord,
  TagRecord,
  UploadResult,
} from './backend.js'
import { git, gitBytes, GitCommandError } from '../git/command.js'
import { readGitTags } from './git-tags.js'

const MANIFEST = 'release.json'
const DRAFTS = '.drafts'
/** Where published releases live in git; a release's id is its ref. */
export const RELEASE_REFS = 'refs/modelship/releases/'
const ZERO_ID = '0'.repeat(40)
const RELEASE_IDENTITY = {
  GIT_AUTHOR_NAME: 'modelship',
  GIT_AUTHOR_EMAIL: 'modelship@localhost',
  GIT_COMMITTER_NAME: 'modelship',
  GIT_COMMITTER_EMAIL: 'modelship@localhost',
}

/** The ref holding the published release of `tagName`. */
export function releaseRef(tagName: string): string {
  return `${RELEASE_REFS}${tagName}`
}

interface Manifest {
  id: string
  tagName: string
  name: string
  body: string
  draft: boolean
  commit: string
  createdAt: string
  assets: Record<string, { size: number; sha256: string }>
}

/** Options of `LocalRegistryBackend`. */
export interface LocalRegistryOptions {
  /** The git working tree (or bare repository) holding the tags. */
  repoDir: string
  /** Where release assets live; default `<repoDir>/.modelship/registry`. */
  storeDir?: string
}

/** Tags in a local git repository, releases as git objects under refs/modelship/releases/. */
export class LocalRegistryBackend implements RegistryBackend {
  readonly description: string
  readonly repoDir: string
  readonly storeDir: string
  // Serialises manifest read-modify-writes made through this instance.
  private manifestQueue: Promise<unknown> = Promise.resolve()

  constructor(options: LocalRegistryOptions) {
    this.repoDir = resolve(options.repoDir)
    this.storeDir = resolve(options.storeDir ?? join(this.repoDir, '.modelship', 'registry'))
    this.description = `local repository ${this.repoDir}`
  }

  async resolveCommit(ref: string): Promise<string> {
    try {
      return (await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: this.repoDir })).trim()
    } catch (error) {
      throw new RegistryNotFoundError(
        `commit '${ref}' was not found in ${this.description}: pass a commit SHA, branch or tag that exists there (git log shows them)`,
        { cause: error },
      )
    }
  }

  listTags(options?: ListTagsOptions): Promise<TagRecord[]> {
    return readGitTags(this.repoDir, options)
  }

  async readTagMessage(name: string): Promise<string | undefined> {
    const out = await git(['for-each-ref', '--format=%(objecttype)%00%(contents)', `refs/tags/${name}`], { cwd: this.repoDir })
    const [type, message] = out.split('\0')
    return type === 'tag' ? message : undefined
  }

  async createTag(input: { name: string; commit: string; message: string; tagger?: { name: string; email: string } }): Promise<CreateTagResult> {
    const env: Record<string, string> = input.tagger
      ? { GIT_COMMITTER_NAME: input.tagger.name, GIT_COMMITTER_EMAIL: input.tagger.email }
      : {}
    try {
      await git(['tag', '-a', '-m', input.message, '--', input.name, input.commit], { cwd: this.repoDir, env })
      return { created: true }
    } catch (error) {
      const existing = await this.tagCommit(input.name)
      if (existing) return { created: false, commit: existing }
      if (error instanceof GitCommandError && /tell me who you are|empty ident/i.test(error.stderr)) {
        throw new UsageError(
          `git in ${this.repoDir} has no identity to sign tag '${input.name}' with: run git config user.name "<name>" and git config user.email "<email>", or pass an actor`,
          { cause: error },
        )
      }
      throw new RegistryConflictError(`could not create tag '${input.name}' in ${this.description}: ${(error as Error).message}`, { cause: error })
    }
  }

  async deleteTag(name: string): Promise<void> {
    if (await this.tagCommit(name)) await git(['tag', '-d', '--', name], { cwd: this.repoDir })
  }

  private async tagCommit(name: string): Promise<string | undefined> {
    try {
      return (await git(['rev-parse', '--verify', '--quiet', `refs/tags/${name}^{commit}`], { cwd: this.repoDir })).trim()
    } catch {
      return undefined
    }
  }

  async getRelease(tagName: string): Promise<ReleaseRecord | undefined> {
    const ref = releaseRef(tagName)
    const commit = await this.refCommit(ref)
    if (commit) return this.readPublished(ref, commit)
    const legacy = this.publishedDir(tagName)
    const release = await this.readRelease(legacy)
    if (!release || release.draft) return release
    return this.migrate(legacy, release)
  }

  async getReleaseById(id: string): Promise<ReleaseRecord | undefined> {
    if (id.startsWith(RELEASE_REFS)) {
      const commit = await this.refCommit(id)
      return commit ? this.readPublished(id, commit) : undefined
    }
    const dir = await this.locateDraft(id)
    return dir ? this.readRelease(dir) : undefined
  }

  async listDrafts(): Promise<ReleaseRecord[]> {
    const root = join(this.storeDir, DRAFTS)
    const ids = (await readdir(root).catch(() => [] as string[])).filter((id) => !id.startsWith('.'))
    const releases = await Promise.all(ids.map((id) => this.readRelease(join(root, id))))
    return releases.filter((r): r is ReleaseRecord => r !== undefined)
  }

  async createDraft(input: DraftInput): Promise<ReleaseRecord> {
    const id = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`
    const root = join(this.storeDir, DRAFTS)
    // Made under a hidden name and renamed, so a killed run never leaves a draft without its release.json.
    const building = join(root, `.new-${id}`)
    await mkdir(building, { recursive: true })
    const manifest: Manifest = { id, ...input, draft: true, createdAt: new Date().toISOString(), assets: {} }
    await writeFileAtomic(join(building, MANIFEST), JSON.stringify(manifest, null, 2) + '\n')
    await rename(building, join(root, id))
    return (await this.readRelease(join(root, id)))!
  }

  async retagDraft(id: string, input: { tagName: string; name: string; body: string }): Promise<ReleaseRecord> {
    const dir = await this.draftDir(id)
    await this.updateManifest(dir, (m) => Object.assign(m, input))
    return (await this.readRelease(dir))!
  }

  async publish(id: string): Promise<ReleaseRecord> {
    if (id.startsWith(RELEASE_REFS)) return (await this.getReleaseById(id))!
    const dir = await this.draftDir(id)
    const manifest = await this.readManifest(dir)
    const ref = releaseRef(manifest.tagName)
    const commit = await this.commitFolder(dir, { ...manifest, draft: false })
    try {
      await git(['update-ref', '-m', `modelship: publish ${manifest.tagName}`, ref, commit, ZERO_ID], { cwd: this.repoDir })
    } catch (error) {
      const existing = await this.refCommit(ref)
      // A rerun of a publish that died after creating the ref: it is this very draft, so finish.
      const ours = existing && (await this.readRefManifest(existing).catch(() => undefined))?.id === manifest.id
      if (!ours) {
        if (existing) {
          throw new RegistryConflictError(
            `release '${manifest.tagName}' already exists in ${this.description} (${ref}); a draft for the same tag cannot be published over it`,
          )
        }
        throw new RegistryConflictError(`could not publish release '${manifest.tagName}' in ${this.description}: ${(error as Error).message}`, { cause: error })
      }
    }
    await rm(dir, { recursive: true, force: true })
    return (await this.getReleaseById(ref))!
  }

  async deleteRelease(id: string): Promise<void> {
    if (id.startsWith(RELEASE_REFS)) {
      if (await this.refCommit(id)) await git(['update-ref', '-d', id], { cwd: this.repoDir })
      return
    }
    const dir = await this.locateDraft(id)
    if (dir) await rm(dir, { recursive: true, force: true })
  }

  async uploadAsset(releaseId: string, name: string, file: string): Promise<UploadResult> {
    if (releaseId.startsWith(RELEASE_REFS)) {
      let uploaded: AssetRecord | undefined
      await this.changePublished(releaseId, async (entries, manifest) => {
        if (entries.has(name)) return false
        const [oid, info, digest] = await Promise.all([this.hashFile(file), stat(file), sha256File(file)])
        entries.set(name, oid)
        manifest.assets[name] = { size: info.size, sha256: digest }
        uploaded = { id: name, name, size: info.size, state: 'uploaded', sha256: digest }
        return true
      })
      return uploaded ? { uploaded } : { exists: true }
    }
    const dir = await this.draftDir(releaseId)
    const target = join(dir, name)
    try {
      await copyFile(file, target, constants.COPYFILE_EXCL)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { exists: true }
      throw error
    }
    const [info, digest] = await Promise.all([stat(target), sha256File(target)])
    await this.updateManifest(dir, (m) => {
      m.assets[name] = { size: info.size, sha256: digest }
    })
    return { uploaded: { id: name, name, size: info.size, state: 'uploaded', sha256: digest } }
  }

  async deleteAsset(releaseId: string, assetId: string): Promise<void> {
    if (releaseId.startsWith(RELEASE_REFS)) {
      await this.changePublished(releaseId, async (entries, manifest) => {
        if (!entries.has(assetId) && !(assetId in manifest.assets)) return false
        entries.delete(assetId)
        delete manifest.assets[assetId]
        return true
      })
      return
    }
    const dir = await this.draftDir(releaseId)
    await rm(join(dir, assetId), { force: true })
    await this.updateManifest(dir, (m) => {
      delete m.assets[assetId]
    })
  }

  async openAsset(release: ReleaseRecord, asset: AssetRecord): Promise<Readable> {
    if (release.id.startsWith(RELEASE_REFS)) return this.openBlob(`${release.id}:${asset.name}`)
    const dir = release.draft ? join(this.storeDir, DRAFTS, release.id) : this.publishedDir(release.tagName)
    return createReadStream(join(dir, asset.name))
  }

  async permissionOf(): Promise<ActorPermission> {
    return { permission: 'trusted' }
  }

  missingReleaseHelp(tagName: string): string {
    const ref = releaseRef(tagName)
    return (
      `${this.repoDir} has no ${ref}, where the local registry keeps the version's files (nor a folder ${this.publishedDir(tagName)}). ` +
      `A clone or checkout gets the tags but not that ref: run git fetch origin '+refs/modelship/*:refs/modelship/*' there ` +
      `(once pushed from the repository that registered it: git push origin 'refs/modelship/*'), or set git config --add remote.origin.fetch '+refs/modelship/*:refs/modelship/*' so every fetch brings it`
    )
  }

  /** The folder of a first-layout published release of `tagName` (whether or not it exists). */
  publishedDir(tagName: string): string {
    // Tag names may hold '/', never '%': encode so each release is one folder, never a nested one.
    return join(this.storeDir, tagName.replaceAll('/', '%2F'))
  }

  private async refCommit(ref: string): Promise<string | undefined> {
    try {
      return (await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: this.repoDir })).trim()
    } catch {
      return undefined
    }
  }

  private async readRefManifest(commit: string): Promise<Manifest> {
    return JSON.parse(await git(['cat-file', 'blob', `${commit}:${MANIFEST}`], { cwd: this.repoDir })) as Manifest
  }

  /** Asset name → blob id of a release commit's tree (release.json left out). */
  private async treeEntries(commit: string): Promise<Map<string, { oid: string; size: number }>> {
    const out = await git(['ls-tree', '-l', '-z', commit], { cwd: this.repoDir })
    const entries = new Map<string, { oid: string; size: number }>()
    for (const line of out.split('\0')) {
      const m = /^\d+ blob ([0-9a-f]+) +(\d+)\t(.+)$/.exec(line)
      if (m && m[3] !== MANIFEST) entries.set(m[3]!, { oid: m[1]!, size: Number(m[2]) })
    }
    return entries
  }

  private async readPublished(ref: string, commit: string): Promise<ReleaseRecord> {
    let manifest: Manifest
    try {
      manifest = await this.readRefManifest(commit)
    } catch (error) {
      throw new RegistryConflictError(
        `${ref} in ${this.repoDir} holds no readable ${MANIFEST} (${(error as Error).message.trim()}); it was not made by modelship: delete it (git update-ref -d ${ref}) and register again`,
      )
    }
    const assets: AssetRecord[] = []
    for (const [name, { size }] of [...(await this.treeEntries(commit))].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const known = manifest.assets[name]
      assets.push(
        known && known.size === size
          ? { id: name, name, size, state: 'uploaded', sha256: known.sha256 }
          : { id: name, name, size, state: 'broken' },
      )
    }
    return { id: ref, tagName: manifest.tagName, name: manifest.name, body: manifest.body, draft: false, commit: manifest.commit, assets }
  }

  private async hashFile(path: string): Promise<string> {
    return (await git(['hash-object', '-w', '--', path], { cwd: this.repoDir })).trim()
  }

  /** A parentless-or-child commit of `entries` plus `manifest` as release.json; answers its id. */
  private async commitTree(entries: ReadonlyMap<string, string>, manifest: Manifest, parent?: string): Promise<string> {
    const manifestOid = (await gitBytes(['hash-object', '-w', '--stdin'], JSON.stringify(manifest, null, 2) + '\n', { cwd: this.repoDir })).toString().trim()
    const lines = [...entries, [MANIFEST, manifestOid] as const].map(([name, oid]) => `100644 blob ${oid}\t${name}\0`)
    const tree = (await gitBytes(['mktree', '-z'], lines.join(''), { cwd: this.repoDir })).toString().trim()
    const args = ['commit-tree', tree, '-m', `Release ${manifest.tagName}`, ...(parent ? ['-p', parent] : [])]
    // A fixed identity: publishing must not depend on the user's git config (act, CI).
    return (await git(args, { cwd: this.repoDir, env: RELEASE_IDENTITY })).trim()
  }

  /** Stores every file of a draft (or first-layout) folder as blobs and answers the release commit. */
  private async commitFolder(dir: string, manifest: Manifest): Promise<string> {
    const entries = new Map<string, string>()
    for (const entry of (await readdir(dir)).sort()) {
      if (entry === MANIFEST || entry.includes('.tmp-')) continue
      entries.set(entry, await this.hashFile(join(dir, entry)))
    }
    return this.commitTree(entries, manifest)
  }

  /**
   * Read-modify-write of a published release: `change` edits the entries and manifest read at one
   * commit and answers whether anything changed; the ref moves only from that commit (compare and
   * swap), so a concurrent change is never lost: the edit is made again on the newer commit.
   */
  private async changePublished(ref: string, change: (entries: Map<string, string>, manifest: Manifest) => Promise<boolean>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const commit = await this.refCommit(ref)
      if (!commit) throw new RegistryNotFoundError(`release ${ref} was not found in ${this.repoDir}; it was deleted or never published`)
      const entries = new Map([...(await this.treeEntries(commit))].map(([name, e]) => [name, e.oid]))
      const manifest = await this.readRefManifest(commit)
      if (!(await change(entries, manifest))) return
      const next = await this.commitTree(entries, manifest, commit)
      try {
        await git(['update-ref', '-m', `modelship: change ${manifest.tagName}`, ref, next, commit], { cwd: this.repoDir })
        return
      } catch (error) {
        if (attempt >= 10) throw new RegistryConflictError(`could not change ${ref}: other writers kept moving it; run again`, { cause: error })
      }
    }
  }

  /** Moves a first-layout published folder into git, then removes the folder; a raced move is adopted. */
  private async migrate(dir: string, release: ReleaseRecord): Promise<ReleaseRecord> {
    const ref = releaseRef(release.tagName)
    const manifest = await this.readManifest(dir)
    const commit = await this.commitFolder(dir, manifest)
    await git(['update-ref', '-m', `modelship: move ${release.tagName} into git`, ref, commit, ZERO_ID], { cwd: this.repoDir }).catch(async (error) => {
      if (!(await this.refCommit(ref))) throw error
    })
    await rm(dir, { recursive: true, force: true })
    return (await this.getReleaseById(ref))!
  }

  private openBlob(spec: string): Readable {
    const child = spawn('git', ['cat-file', 'blob', spec], { cwd: this.repoDir, stdio: ['ignore', 'pipe', 'pipe'] })
    const stderr: Buffer[] = []
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    const out = new PassThrough()
    child.stdout.pipe(out, { end: false })
    // End only once git has exited, so a failed read is an error rather than a short file.
    child.on('close', (code) => {
      if (code === 0) out.end()
      else out.destroy(new RegistryNotFoundError(`could not read ${spec} in ${this.repoDir}: ${Buffer.concat(stderr).toString().trim() || `git exited with ${code}`}`))
    })
    child.on('error', (error) => out.destroy(error))
    return out
  }

  private async locateDraft(id: string): Promise<string | undefined> {
    const draft = join(this.storeDir, DRAFTS, id)
    if (await this.readManifest(draft).catch(() => undefined)) return draft
    // A release published in the first layout, found by its id.
    for (const entry of await readdir(this.storeDir).catch(() => [] as string[])) {
      if (entry === DRAFTS) continue
      const dir = join(this.storeDir, entry)
      const manifest = await this.readManifest(dir).catch(() => undefined)
      if (manifest?.id === id) return dir
    }
    return undefined
  }

  private async draftDir(id: string): Promise<string> {
    const dir = await this.locateDraft(id)
    if (!dir) throw new RegistryNotFoundError(`release ${id} was not found in ${this.storeDir}; it was deleted or never created`)
    return dir
  }

  private async readManifest(dir: string): Promise<Manifest> {
    return JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest
  }

  private updateManifest(dir: string, change: (manifest: Manifest) => void): Promise<void> {
    const next = this.manifestQueue.then(async () => {
      const manifest = await this.readManifest(dir)
      change(manifest)
      await writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n')
    })
    this.manifestQueue = next.catch(() => undefined)
    return next
  }

  private async readRelease(dir: string): Promise<ReleaseRecord | undefined> {
    let manifest: Manifest
    try {
      manifest = await this.readManifest(dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new RegistryConflictError(`${join(dir, MANIFEST)} is not readable JSON: ${(error as Error).message}; delete that folder and register again`)
    }
    const assets: AssetRecord[] = []
    for (const entry of (await readdir(dir)).sort()) {
      if (entry === MANIFEST || entry.includes('.tmp-')) continue
      const size = (await stat(join(dir, entry))).size
      const known = manifest.assets[entry]
      assets.push(
        known && known.size === size
          ? { id: entry, name: entry, size, state: 'uploaded', sha256: known.sha256 }
          : { id: entry, name: entry, size, state: 'broken' },
      )
    }
    return {
      id: manifest.id,
      tagName: manifest.tagName,
      name: manifest.name,
      body: manifest.body,
      draft: manifest.draft,
      commit: manifest.commit,
      assets,
      createdAt: new Date(manifest.createdAt),
    }
  }
}
