/**
 * The GitHub registry: tags through the git database API (annotated tag object, then the ref —
 * creating the ref is the atomic step), releases and assets through the releases API, roles
 * through the collaborator permission endpoint. Every call goes through the shared Octokit factory.
 *
 * Listing tags, two ways:
 * - with `checkout` (a clone of the repository, as actions/checkout leaves): one `git fetch` of the
 *   remote's tags into a private namespace (`refs/modelship/tags/*`, pruned, so the clone's own tags
 *   are left alone), then one `git for-each-ref` — tagger dates and messages included, no API calls;
 * - without: one `git/matching-refs/tags/<model>` call, then one `git/tags/{sha}` call per annotated
 *   tag (for the commit it points at, its tagger date and message), 8 at a time, cached for the
 *   life of the backend (tag objects never change). Fine for tens of tags; use a checkout for more.
 *
 * Drafts cannot be looked up by tag on GitHub, so `listDrafts` reads the newest 300 releases (the
 * drafts a failed run leaves are recent).
 */
import { readFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { RegistryConflictError, RegistryNotFoundError } from '../errors.js'
import { hasStatus, isAlreadyExists, isNotFound } from '../github/errors.js'
import type { GitHubClient } from '../github/octokit.js'
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
import { readGitTags, reportUnreadable } from './git-tags.js'
import { parseRegistryTag } from './tags.js'

const NAMESPACE = 'refs/modelship/tags/'
const DRAFT_SCAN_PAGES = 3
const TAG_READ_CONCURRENCY = 8

/** Options of `GitHubRegistryBackend`. */
export interface GitHubRegistryOptions {
  /**
   * A client from `createOctokit`, or a function that makes one when the first API call needs it
   * (openRegistry passes one, so a step that only reads tags from its checkout never loads Octokit).
   */
  octokit: GitHubClient | (() => Promise<GitHubClient>)
  owner: string
  repo: string
  /** A local clone of the repository: lists tags with one git fetch instead of API calls. */
  checkout?: string
  /** Remote of `checkout` to fetch tags from (a name or URL); default `origin`. */
  remote?: string
}

interface TagObject {
  commit: string
  tagger: { name: string; email: string; date: Date } | undefined
  message: string
}

type ReleaseJson = {
  id: number
  tag_name: string
  name: string | null
  body?: string | null
  draft: boolean
  target_commitish: string
  upload_url: string
  created_at?: string
  assets: Array<{ id: number; name: string; size: number; state: string; digest?: string | null }>
}

/** Releases, assets and tags of one GitHub repository. */
export class GitHubRegistryBackend implements RegistryBackend {
  readonly description: string
  private readonly tagObjects = new Map<string, Promise<TagObject>>()
  private readonly uploadUrls = new Map<string, string>()
  // Set once a fetch into the checkout failed (no remote, no credentials): the API is used instead.
  private checkoutUnusable = false

  constructor(private readonly options: GitHubRegistryOptions) {
    this.description = `GitHub ${options.owner}/${options.repo}`
  }

  private client?: Promise<GitHubClient>

  /** The client, made once on first use when the options gave a factory. */
  private octokit(): Promise<GitHubClient> {
    const { octokit } = this.options
    this.client ??= typeof octokit === 'function' ? octokit() : Promise.resolve(octokit)
    return this.client
  }

  private get repoParams(): { owner: string; repo: string } {
    return { owner: this.options.owner, repo: this.options.repo }
  }

  async resolveCommit(ref: string): Promise<string> {
    try {
      const { data } = await (await this.octokit()).rest.repos.getCommit({ ...this.repoParams, ref, per_page: 1 })
      return data.sha
    } catch (error) {
      if (isNotFound(error) || hasStatus(error, 422)) {
        throw new RegistryNotFoundError(
          `commit '${ref}' was not found in ${this.description}: pass a commit SHA, branch or tag that exists there (push it first)`,
          { cause: error },
        )
      }
      throw error
    }
  }

  async listTags(options: ListTagsOptions = {}): Promise<TagRecord[]> {
    if (this.options.checkout && !this.checkoutUnusable) {
      try {
        await this.fetchTags()
        return await readGitTags(this.options.checkout, options, NAMESPACE)
      } catch (error) {
        if (!(error instanceof GitCommandError)) throw error
        this.checkoutUnusable = true
      }
    }
    const prefix = `tags/${options.model?.tagPart ?? ''}`
    const { data: refs } = await (await this.octokit()).rest.git.listMatchingRefs({ ...this.repoParams, ref: prefix })
    const records: TagRecord[] = []
    const annotated: Array<{ record: TagRecord; sha: string }> = []
    for (const ref of refs) {
      const name = ref.ref.slice('refs/tags/'.length)
      const tag = parseRegistryTag(name)
      if (!tag) reportUnreadable(name, options.onUnreadable)
      if (!tag || (options.model && !tag.model.equals(options.model))) continue
      const isTag = ref.object.type === 'tag'
      const record: TagRecord = { name, tag, commit: ref.object.sha, annotated: isTag }
      records.push(record)
      if (isTag) annotated.push({ record, sha: ref.object.sha })
    }
    for (let i = 0; i < annotated.length; i += TAG_READ_CONCURRENCY) {
      await Promise.all(
        annotated.slice(i, i + TAG_READ_CONCURRENCY).map(async ({ record, sha }) => {
          const object = await this.readTagObject(sha)
          record.commit = object.commit
          if (object.tagger) record.tagger = object.tagger
          if (options.details) record.message = object.message
        }),
      )
    }
    return records
  }

  /** One fetch of the remote's tags into the private namespace; pruned so deleted tags go too. */
  private async fetchTags(): Promise<void> {
    const cwd = this.options.checkout!
    const shallow = (await git(['rev-parse', '--is-shallow-repository'], { cwd })).trim() === 'true'
    // In a shallow clone (actions/checkout's default) fetch only the tagged commits, not their history.
    const depth = shallow ? ['--depth=1'] : []
    await git(['fetch', '--quiet', '--no-tags', '--prune', ...depth, this.options.remote ?? 'origin', `+refs/tags/*:${NAMESPACE}*`], { cwd })
  }

  private readTagObject(sha: string): Promise<TagObject> {
    let pending = this.tagObjects.get(sha)
    if (!pending) {
      pending = this.octokit()
        .then((octokit) => octokit.rest.git.getTag({ ...this.repoParams, tag_sha: sha }))
        .then(({ data }) => ({
        commit: data.object.sha,
        tagger: data.tagger ? { name: data.tagger.name, email: data.tagger.email, date: new Date(data.tagger.date) } : undefined,
        message: data.message,
      }))
      pending.catch(() => this.tagObjects.delete(sha))
      this.tagObjects.set(sha, pending)
    }
    return pending
  }

  async readTagMessage(name: string): Promise<string | undefined> {
    if (this.options.checkout && !this.checkoutUnusable) {
      const out = await git(['for-each-ref', '--format=%(objecttype)%00%(contents)', `${NAMESPACE}${name}`], { cwd: this.options.checkout })
      const [type, message] = out.split('\0')
      return type === 'tag' ? message : undefined
    }
    const ref = await this.getTagRef(name)
    if (!ref || ref.type !== 'tag') return undefined
    return (await this.readTagObject(ref.sha)).message
  }

  private async getTagRef(name: string): Promise<{ type: string; sha: string } | undefined> {
    try {
      const { data } = await (await this.octokit()).rest.git.getRef({ ...this.repoParams, ref: `tags/${name}` })
      return data.object
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  async createTag(input: { name: string; commit: string; message: string; tagger?: { name: string; email: string } }): Promise<CreateTagResult> {
    const octokit = await this.octokit()
    const { data: object } = await octokit.rest.git.createTag({
      ...this.repoParams,
      tag: input.name,
      message: input.message,
      object: input.commit,
      type: 'commit',
      ...(input.tagger ? { tagger: { ...input.tagger, date: new Date().toISOString() } } : {}),
    })
    try {
      await octokit.rest.git.createRef({ ...this.repoParams, ref: `refs/tags/${input.name}`, sha: object.sha })
      return { created: true }
    } catch (error) {
      if (!isAlreadyExists(error)) throw error
      // The tag object just written stays unreferenced; GitHub collects it.
      const ref = await this.getTagRef(input.name)
      if (!ref) throw new RegistryConflictError(`tag ${input.name} was reported to exist in ${this.description} but cannot be read; run again`, { cause: error })
      return { created: false, commit: ref.type === 'tag' ? (await this.readTagObject(ref.sha)).commit : ref.sha }
    }
  }

  async deleteTag(name: string): Promise<void> {
    try {
      await (await this.octokit()).rest.git.deleteRef({ ...this.repoParams, ref: `tags/${name}` })
    } catch (error) {
      if (!hasStatus(error, 422) && !isNotFound(error)) throw error
    }
  }

  async getRelease(tagName: string): Promise<ReleaseRecord | undefined> {
    try {
      const { data } = await (await this.octokit()).rest.repos.getReleaseByTag({ ...this.repoParams, tag: tagName })
      return this.toRelease(data)
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  async getReleaseById(id: string): Promise<ReleaseRecord | undefined> {
    try {
      const { data } = await (await this.octokit()).rest.repos.getRelease({ ...this.repoParams, release_id: Number(id) })
      return this.toRelease(data)
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  async listDrafts(): Promise<ReleaseRecord[]> {
    const drafts: ReleaseRecord[] = []
    let page = 0
    const octokit = await this.octokit()
    for await (const { data } of octokit.paginate.iterator(octokit.rest.repos.listReleases, { ...this.repoParams, per_page: 100 })) {
      for (const release of data) if (release.draft) drafts.push(this.toRelease(release))
      if (++page >= DRAFT_SCAN_PAGES) break
    }
    return drafts
  }

  async createDraft(input: DraftInput): Promise<ReleaseRecord> {
    const { data } = await (await this.octokit()).rest.repos.createRelease({
      ...this.repoParams,
      tag_name: input.tagName,
      target_commitish: input.commit,
      name: input.name,
      body: input.body,
      draft: true,
    })
    return this.toRelease(data)
  }

  async retagDraft(id: string, input: { tagName: string; name: string; body: string }): Promise<ReleaseRecord> {
    const { data } = await (await this.octokit()).rest.repos.updateRelease({
      ...this.repoParams,
      release_id: Number(id),
      tag_name: input.tagName,
      name: input.name,
      body: input.body,
    })
    return this.toRelease(data)
  }

  async publish(id: string): Promise<ReleaseRecord> {
    try {
      const { data } = await (await this.octokit()).rest.repos.updateRelease({ ...this.repoParams, release_id: Number(id), draft: false })
      return this.toRelease(data)
    } catch (error) {
      if (isAlreadyExists(error)) {
        throw new RegistryConflictError(`another published release already holds this tag in ${this.description}; a draft cannot be published over it`, { cause: error })
      }
      throw error
    }
  }

  async deleteRelease(id: string): Promise<void> {
    try {
      await (await this.octokit()).rest.repos.deleteRelease({ ...this.repoParams, release_id: Number(id) })
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }

  async uploadAsset(releaseId: string, name: string, file: string): Promise<UploadResult> {
    let template = this.uploadUrls.get(releaseId)
    if (!template) {
      const release = await this.getReleaseById(releaseId)
      if (!release) throw new RegistryNotFoundError(`release ${releaseId} was not found in ${this.description}; it was deleted meanwhile: run again`)
      template = this.uploadUrls.get(releaseId)!
    }
    const data = await readFile(file)
    try {
      const { data: asset } = await (await this.octokit()).request({
        method: 'POST',
        url: `${template.replace(/\{[^}]*\}$/, '')}?name=${encodeURIComponent(name)}`,
        headers: { 'content-type': 'application/octet-stream', 'content-length': data.length },
        data,
      })
      return { uploaded: toAsset(asset as ReleaseJson['assets'][number]) }
    } catch (error) {
      if (isAlreadyExists(error)) return { exists: true }
      throw error
    }
  }

  async deleteAsset(_releaseId: string, assetId: string): Promise<void> {
    try {
      await (await this.octokit()).rest.repos.deleteReleaseAsset({ ...this.repoParams, asset_id: Number(assetId) })
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }

  async openAsset(_release: ReleaseRecord, asset: AssetRecord): Promise<Readable> {
    const response = await (await this.octokit()).request('GET /repos/{owner}/{repo}/releases/assets/{asset_id}', {
      ...this.repoParams,
      asset_id: Number(asset.id),
      headers: { accept: 'application/octet-stream' },
      request: { parseSuccessResponseBody: false },
    })
    return Readable.fromWeb(response.data as unknown as WebReadableStream<Uint8Array>)
  }

  async permissionOf(actor: string): Promise<ActorPermission> {
    if (actor === '') return { permission: 'none' }
    try {
      const { data } = await (await this.octokit()).rest.repos.getCollaboratorPermissionLevel({ ...this.repoParams, username: actor })
      const permission = (['admin', 'write', 'read'] as const).find((p) => p === data.permission) ?? 'none'
      return data.role_name ? { permission, role: data.role_name } : { permission }
    } catch (error) {
      // GitHub answers 404 for someone who is not a collaborator at all.
      if (isNotFound(error)) return { permission: 'none' }
      throw error
    }
  }

  private toRelease(data: ReleaseJson): ReleaseRecord {
    const id = String(data.id)
    this.uploadUrls.set(id, data.upload_url)
    return {
      id,
      tagName: data.tag_name,
      name: data.name ?? data.tag_name,
      body: data.body ?? '',
      draft: data.draft,
      commit: data.target_commitish,
      assets: data.assets.map(toAsset).sort((a, b) => (a.name < b.name ? -1 : 1)),
      ...(data.created_at ? { createdAt: new Date(data.created_at) } : {}),
    }
  }
}

function toAsset(asset: ReleaseJson['assets'][number]): AssetRecord {
  const record: AssetRecord = {
    id: String(asset.id),
    name: asset.name,
    size: asset.size,
    state: asset.state === 'uploaded' && asset.size > 0 ? 'uploaded' : 'broken',
  }
  if (asset.digest?.startsWith('sha256:')) record.sha256 = asset.digest.slice('sha256:'.length).toLowerCase()
  return record
}
