/**
 * The port every registry backend implements: git tags on one side, releases with assets on the
 * other. The core (register, promote, lookups) speaks only this contract; `LocalRegistryBackend`
 * and `GitHubRegistryBackend` implement it, and one contract test suite runs against both.
 */
import type { Readable } from 'node:stream'
import type { ModelName, RegistryTag } from './tags.js'

/** Who made an annotated tag, and when (git keeps whole seconds). */
export interface Tagger {
  name: string
  email: string
  date: Date
}

/** One registry tag as the backend sees it. */
export interface TagRecord {
  /** The tag name, e.g. `churn@v1.3.0`. */
  name: string
  tag: RegistryTag
  /** Full SHA of the commit the tag points at (peeled through the tag object). */
  commit: string
  /** False for lightweight tags, which GTO ignores and so do we. */
  annotated: boolean
  /** Present when the backend had it cheaply or `details` was asked for. */
  tagger?: Tagger
  /** The annotation message; present only when `details` was asked for. */
  message?: string
}

/** Options of `listTags`. */
export interface ListTagsOptions {
  /** Only this model's tags (default: every model's). */
  model?: ModelName
  /** Also load tagger and message of each tag (may cost a request per tag on GitHub without a checkout). */
  details?: boolean
  /** Told about each tag shaped like a registry tag that is not one (the listing skips it): the name and why. */
  onUnreadable?: (name: string, reason: string) => void
}

/** An asset of a release. `broken` covers GitHub's `starter`/`open` state and local half-copied files. */
export interface AssetRecord {
  id: string
  name: string
  /** Bytes. */
  size: number
  state: 'uploaded' | 'broken'
  /** Lowercase hex SHA-256 of the content when the backend knows it without downloading. */
  sha256?: string
}

/** A release: a draft while a registration is under way, published when the version is complete. */
export interface ReleaseRecord {
  id: string
  tagName: string
  name: string
  body: string
  draft: boolean
  /** The commit the release targets (drafts carry it so a rerun can find its own draft). */
  commit: string | undefined
  assets: AssetRecord[]
  /** When the release (or draft) was created, where the backend says. */
  createdAt?: Date
}

/** What a draft release starts with. */
export interface DraftInput {
  tagName: string
  name: string
  body: string
  commit: string
}

/** What `createTag` found: the tag is ours now, or it already existed on `commit`. */
export type CreateTagResult = { created: true } | { created: false; commit: string }

/** What `uploadAsset` found: the asset is up, or one of that name already existed (GitHub answers 422). */
export type UploadResult = { uploaded: AssetRecord } | { exists: true }

/** The repository permission an actor holds, as GitHub's collaborator permission endpoint reports it. */
export interface ActorPermission {
  /** `trusted` is the local backend: it trusts the local user. */
  permission: 'admin' | 'write' | 'read' | 'none' | 'trusted'
  /** GitHub's finer role name (`maintain`, `triage`, a custom role), when known. */
  role?: string
}

/** The registry's storage. Every method either completes or throws a ModelshipError subclass. */
export interface RegistryBackend {
  /** Where the registry lives, for messages: `local repository /path` or `GitHub owner/repo`. */
  readonly description: string
  /** The full SHA of a commit-ish; RegistryNotFoundError when there is none. */
  resolveCommit(ref: string): Promise<string>
  /** Registry tags (annotated or not), unordered. */
  listTags(options?: ListTagsOptions): Promise<TagRecord[]>
  /** The annotation message of one tag, or undefined when the tag is missing or lightweight. */
  readTagMessage(name: string): Promise<string | undefined>
  /** Creates an annotated tag; atomic: exactly one of two racing callers gets `created: true`. */
  createTag(input: { name: string; commit: string; message: string; tagger?: { name: string; email: string } }): Promise<CreateTagResult>
  /** Deletes a tag; no error when it is already gone. */
  deleteTag(name: string): Promise<void>
  /** The published release of a tag, or undefined. */
  getRelease(tagName: string): Promise<ReleaseRecord | undefined>
  /** A release (draft or published) by id, or undefined. */
  getReleaseById(id: string): Promise<ReleaseRecord | undefined>
  /** Every draft release (drafts are not findable by tag on GitHub). */
  listDrafts(): Promise<ReleaseRecord[]>
  createDraft(input: DraftInput): Promise<ReleaseRecord>
  /** Points a draft at another tag name (a raced registration moving to the next version). */
  retagDraft(id: string, input: { tagName: string; name: string; body: string }): Promise<ReleaseRecord>
  /** Publishes a draft whose tag exists. */
  publish(id: string): Promise<ReleaseRecord>
  /** Deletes a release and its assets; no error when it is already gone. */
  deleteRelease(id: string): Promise<void>
  /** Uploads a file as a release asset. */
  uploadAsset(releaseId: string, name: string, file: string): Promise<UploadResult>
  /** Deletes one asset; no error when it is already gone. */
  deleteAsset(releaseId: string, assetId: string): Promise<void>
  /** The asset's bytes. */
  openAsset(release: ReleaseRecord, asset: AssetRecord): Promise<Readable>
  /** The actor's permission on the repository (for protected stages). */
  permissionOf(actor: string): Promise<ActorPermission>
  /**
   * For a version whose tag exists but whose published release was not found: where it was looked
   * for and how to get it (the local backend: which git ref to fetch). Optional; a generic text otherwise.
   */
  missingReleaseHelp?(tagName: string): string
}
