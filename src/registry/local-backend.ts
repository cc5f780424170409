/**
 * The local registry: tags in a local git repository (the git CLI), release assets in a folder
 * (default `<repo>/.modelship/registry/`), for the CLI and for `act` runs without a token.
 *
 * Layout: a published release is `<store>/<tag>/` (`/` in the tag written `%2F`) holding the asset
 * files and `release.json`; a draft is `<store>/.drafts/<id>/`. Publishing renames the draft folder
 * to the tag folder, which is atomic and fails when another release holds the tag. An asset file
 * with no `release.json` entry of the same size is a broken upload (a copy that died half-way).
 *
 * Governance: the local backend trusts the local user; every actor may promote to every stage.
 */
import { randomBytes } from 'node:crypto'
import { constants, createReadStream } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
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
import { git, GitCommandError } from '../git/command.js'
import { readGitTags } from './git-tags.js'

const MANIFEST = 'release.json'
const DRAFTS = '.drafts'

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

/** Tags in a local git repository, releases in a folder. */
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
    return this.readRelease(this.publishedDir(tagName))
  }

  async getReleaseById(id: string): Promise<ReleaseRecord | undefined> {
    const dir = await this.locate(id).catch(() => undefined)
    return dir ? this.readRelease(dir) : undefined
  }

  async listDrafts(): Promise<ReleaseRecord[]> {
    const root = join(this.storeDir, DRAFTS)
    const ids = await readdir(root).catch(() => [] as string[])
    const releases = await Promise.all(ids.map((id) => this.readRelease(join(root, id))))
    return releases.filter((r): r is ReleaseRecord => r !== undefined)
  }

  async createDraft(input: DraftInput): Promise<ReleaseRecord> {
    const id = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`
    const dir = join(this.storeDir, DRAFTS, id)
    await mkdir(dir, { recursive: true })
    const manifest: Manifest = { id, ...input, draft: true, createdAt: new Date().toISOString(), assets: {} }
    await writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n')
    return (await this.readRelease(dir))!
  }

  async retagDraft(id: string, input: { tagName: string; name: string; body: string }): Promise<ReleaseRecord> {
    const dir = await this.locate(id)
    await this.updateManifest(dir, (m) => Object.assign(m, input))
    return (await this.readRelease(dir))!
  }

  async publish(id: string): Promise<ReleaseRecord> {
    const dir = await this.locate(id)
    const manifest = await this.readManifest(dir)
    if (!manifest.draft) return (await this.readRelease(dir))!
    const target = this.publishedDir(manifest.tagName)
    await this.updateManifest(dir, (m) => {
      m.draft = false
    })
    try {
      await rename(dir, target)
    } catch (error) {
      await this.updateManifest(dir, (m) => {
        m.draft = true
      })
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        throw new RegistryConflictError(
          `release '${manifest.tagName}' already exists in ${this.storeDir}; a draft for the same tag cannot be published over it`,
        )
      }
      throw error
    }
    return (await this.readRelease(target))!
  }

  async deleteRelease(id: string): Promise<void> {
    const dir = await this.locate(id).catch(() => undefined)
    if (dir) await rm(dir, { recursive: true, force: true })
  }

  async uploadAsset(releaseId: string, name: string, file: string): Promise<UploadResult> {
    const dir = await this.locate(releaseId)
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
    const dir = await this.locate(releaseId)
    await rm(join(dir, assetId), { force: true })
    await this.updateManifest(dir, (m) => {
      delete m.assets[assetId]
    })
  }

  async openAsset(release: ReleaseRecord, asset: AssetRecord): Promise<Readable> {
    const dir = release.draft ? join(this.storeDir, DRAFTS, release.id) : this.publishedDir(release.tagName)
    return createReadStream(join(dir, asset.name))
  }

  async permissionOf(): Promise<ActorPermission> {
    return { permission: 'trusted' }
  }

  /** The folder a published release of `tagName` lives in (whether or not it exists). */
  publishedDir(tagName: string): string {
    // Tag names may hold '/', never '%': encode so each release is one folder, never a nested one.
    return join(this.storeDir, tagName.replaceAll('/', '%2F'))
  }

  private async locate(id: string): Promise<string> {
    const draft = join(this.storeDir, DRAFTS, id)
    if (await this.readManifest(draft).catch(() => undefined)) return draft
    for (const entry of await readdir(this.storeDir).catch(() => [] as string[])) {
      if (entry === DRAFTS) continue
      const dir = join(this.storeDir, entry)
      const manifest = await this.readManifest(dir).catch(() => undefined)
      if (manifest?.id === id) return dir
    }
    throw new RegistryNotFoundError(`release ${id} was not found in ${this.storeDir}; it was deleted or never created`)
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
    }
  }
}
