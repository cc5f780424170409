/**
 * Registering a version: draft release → upload assets → annotated version tag → publish.
 *
 * - Idempotent: a commit that already has a version of the model is a logged no-op (or, when its
 *   release is still a draft, the rerun finishes it). One commit and model never get two versions.
 * - Self-healing: a rerun on a published version uploads again the assets its release lost or holds
 *   broken, once each file matches the sha256 the version tag's lineage recorded; it never changes
 *   a healthy asset nor adds a new one.
 * - Resumable: a rerun after a failure at any step adopts the draft left behind, keeps identical
 *   assets, replaces broken ones, and deletes duplicate drafts of the same commit, and the drafts a
 *   killed run left once the commit's version is published.
 * - Race-safe: creating the tag is the atomic step. When another commit took the version first,
 *   the draft moves to the next version and the tag is tried again (bounded).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { RegistryConflictError, RegistryNotFoundError } from '../errors.js'
import { sha256 } from '../fs/sha256.js'
import { collectAssets, restoreAssets, syncAssets, type AssetFile, type AssetRepair } from './assets.js'
import type { AssetRecord, RegistryBackend, ReleaseRecord } from './backend.js'
import { CHECKSUMS_ASSET, lineageChecksums, renderChecksums } from './checksums.js'
import { renderVersionMessage, type Lineage, type RunLink } from './lineage.js'
import { stderrLog, type RegistryLog } from './log.js'
import { SemVer, type VersionBump } from './semver.js'
import { buildModelState, type ModelState, type VersionState } from './state.js'
import { ModelName, ModelTag, parseRegistryTag } from './tags.js'

/** Options of `register`. */
export interface RegisterOptions {
  /** Model name, `churn` or `dir:churn`. */
  model: string | ModelName
  /** Commit-ish the version is made from (a SHA, branch or tag). */
  commit: string
  /** Folder with the asset files; every regular non-hidden file in it is uploaded. */
  assetsDir?: string
  /** Asset name → file path; adds to or overrides `assetsDir`. */
  assets?: Record<string, string>
  /** Part of the version raised (spec `register.bump`, or a PR label); default `patch`. */
  bump?: VersionBump
  /** An explicit version such as `v2.0.0` instead of the next one. */
  version?: string
  backend: RegistryBackend
  /** Who registers (GitHub login or local user), kept in the lineage. */
  actor?: string
  /** Tag author; default the backend's (git config locally, the token's user on GitHub). */
  tagger?: { name: string; email: string }
  /** The workflow run registering, kept in the lineage. */
  run?: RunLink
  /** Progress and no-op notices; default stderr. */
  log?: RegistryLog
  /** Versions tried when racing registrations keep taking the next one; default 10. */
  maxAttempts?: number
  /** Clock for the lineage; default now. */
  now?: () => Date
  /** The sweep this version won, kept in the lineage (from `assembleAssets`). */
  sweep?: import('./lineage.js').SweepLineage
}

/** What `register` did. */
export interface RegisterResult {
  /**
   * `registered`: new version; `completed`: a half-done registration finished, or a published
   * release's missing or broken assets uploaded again (see `repaired`); `unchanged`: nothing to do.
   */
  status: 'registered' | 'completed' | 'unchanged'
  /** Assets of a published release uploaded again by this rerun, by name; empty otherwise. */
  repaired: string[]
  model: ModelName
  version: SemVer
  /** The version tag, e.g. `churn@v1.3.0`. */
  tag: string
  commit: string
  /** The release, published (undefined when `unchanged` because another run is still finishing it). */
  release: ReleaseRecord | undefined
}

/** The version after the highest ever tagged (withdrawn and lightweight ones included, so none is reused); v0.0.1 first. */
export function nextVersion(state: ModelState, bump: VersionBump = 'patch'): SemVer {
  const highest = state.highestTaken
  return highest ? highest.bump(bump) : SemVer.FIRST
}

/** Registers the assets at `commit` as the model's next version; see the module comment. */
export async function register(options: RegisterOptions): Promise<RegisterResult> {
  const { backend } = options
  const log = options.log ?? stderrLog
  const model = typeof options.model === 'string' ? ModelName.parse(options.model) : options.model
  const explicit = options.version === undefined ? undefined : SemVer.parse(options.version)
  const workDir = await mkdtemp(join(tmpdir(), 'modelship-register-'))
  try {
    const files = await collectAssets(options, workDir)
    const commit = await backend.resolveCommit(options.commit)
    const trainingRunUrl = await readTrainingRunUrl(files)
    let state = buildModelState(model, await backend.listTags({ model }))
    const existing = versionOnCommit(state, commit, model)
    if (existing) return await finishExisting(options, log, model, existing, state, files, explicit, workDir)
    if (explicit) assertVersionFree(state, explicit, commit)

    const drafts = await ownDrafts(backend, model, commit)
    let draft = drafts[0]
    for (const extra of drafts.slice(1)) {
      log.info(`deleting duplicate draft release ${extra.tagName} (${extra.id}) left by an earlier run for ${model} at ${short(commit)}`)
      await backend.deleteRelease(extra.id)
    }
    const maxAttempts = options.maxAttempts ?? 10
    let synced = false
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const version = explicit ?? nextVersion(state, options.bump)
      const tag = new ModelTag(model, version).toString()
      const text = releaseText(model, version, commit, options)
      if (!draft) {
        log.info(`creating draft release ${tag} for ${model} at ${short(commit)}`)
        draft = await backend.createDraft({ tagName: tag, commit, ...text })
      } else if (draft.tagName !== tag) {
        log.info(`moving draft release ${draft.tagName} to ${tag}`)
        draft = await backend.retagDraft(draft.id, { tagName: tag, ...text })
      } else {
        log.info(`resuming draft release ${tag} left by an earlier run`)
      }
      if (!synced) {
        draft = await syncAssets(backend, draft, files, log)
        synced = true
      }
      const lineage = buildLineage(options, model, version, commit, files, trainingRunUrl)
      const result = await backend.createTag({ name: tag, commit, message: renderVersionMessage(lineage), tagger: options.tagger })
      if (result.created) {
        log.info(`tagged ${tag} at ${short(commit)}; publishing`)
        const release = await backend.publish(draft.id)
        log.info(`registered ${tag}`)
        await deleteOrphanDrafts(backend, model, state, log, options.now?.() ?? new Date())
        return { status: 'registered', model, version, tag, commit, release, repaired: [] }
      }
      if (result.commit === commit) {
        // Another run registered this very commit meanwhile; it finishes its own release.
        log.info(`${tag} was just registered at ${short(commit)} by another run; nothing to do`)
        await backend.deleteRelease(draft.id)
        return { status: 'unchanged', model, version, tag, commit, release: undefined, repaired: [] }
      }
      if (explicit) throw tagOnOtherCommit(tag, result.commit, commit)
      log.info(`${tag} was taken by ${short(result.commit)} meanwhile; trying the next version`)
      state = buildModelState(model, await backend.listTags({ model }))
      const now = versionOnCommit(state, commit, model)
      if (now) {
        await backend.deleteRelease(draft.id)
        return { status: 'unchanged', model, version: now.version, tag: now.tag.name, commit, release: undefined, repaired: [] }
      }
    }
    throw new RegistryConflictError(
      `could not register ${model} at ${short(commit)}: other registrations took the next version ${maxAttempts} times in a row; run again when they are done`,
    )
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

async function finishExisting(
  options: RegisterOptions,
  log: RegistryLog,
  model: ModelName,
  existing: VersionState,
  state: ModelState,
  files: AssetFile[],
  explicit: SemVer | undefined,
  workDir: string,
): Promise<RegisterResult> {
  const { backend } = options
  const { commit, version } = existing
  const tag = existing.tag.name
  if (!existing.active) {
    throw new RegistryConflictError(
      `${model} at ${short(commit)} was registered as ${tag} and then withdrawn (${tag}!); one commit gets one version: commit the change again to register it anew`,
    )
  }
  if (explicit && !explicit.equals(version)) {
    throw new RegistryConflictError(
      `${model} at ${short(commit)} is already registered as ${tag}, so it cannot also be ${explicit}; one commit gets one version`,
    )
  }
  const published = await backend.getRelease(tag)
  if (published && !published.draft) {
    await deleteOrphanDrafts(backend, model, state, log, options.now?.() ?? new Date())
    const repairs = await planRepairs(backend, published, commit, files, log, workDir)
    if (repairs.length === 0) {
      log.info(`${model} at ${short(commit)} is already registered as ${tag}; nothing to do`)
      return { status: 'unchanged', model, version, tag, commit, release: published, repaired: [] }
    }
    const release = await restoreAssets(backend, published, repairs, log)
    const repaired = repairs.map((r) => r.file.name)
    log.info(`repaired ${tag}: ${repaired.join(', ')} uploaded again`)
    return { status: 'completed', model, version, tag, commit, release, repaired }
  }
  // The tag is written: its release may only ever hold the files its lineage recorded.
  const recorded = lineageChecksums(existing.tag.message ?? (await backend.readTagMessage(tag)))
  const differing = recorded ? files.filter((f) => recorded.has(f.name) && recorded.get(f.name) !== f.sha256) : []
  if (differing.length > 0) {
    throw new RegistryConflictError(
      `cannot finish the release of ${tag}: ${differing.map((f) => `local ${f.name} has sha256 ${f.sha256}, but its version tag recorded ${recorded!.get(f.name)}`).join('; ')}; pass the files of the run that was registered (rebuild them from commit ${short(commit)}), or commit the change and register it as a new version`,
    )
  }
  const drafts = await ownDrafts(backend, model, commit)
  let draft = drafts.find((d) => d.tagName === tag) ?? drafts[0]
  for (const extra of drafts) {
    if (extra !== draft) {
      log.info(`deleting duplicate draft release ${extra.tagName} (${extra.id}) for ${model} at ${short(commit)}`)
      await backend.deleteRelease(extra.id)
    }
  }
  const text = releaseText(model, version, commit, options)
  if (!draft) {
    log.info(`${tag} exists but has no release; creating it`)
    draft = await backend.createDraft({ tagName: tag, commit, ...text })
  } else if (draft.tagName !== tag) {
    draft = await backend.retagDraft(draft.id, { tagName: tag, ...text })
  } else {
    log.info(`finishing the release of ${tag} left as a draft by an earlier run`)
  }
  draft = await syncAssets(backend, draft, files, log)
  const release = await backend.publish(draft.id)
  log.info(`registered ${tag}`)
  return { status: 'completed', model, version, tag, commit, release, repaired: [] }
}

/**
 * What a rerun on the published `release` brings back: each asset the version tag's lineage
 * recorded that the release lacks or holds broken, from the local file when its sha256 is the
 * recorded one (SHA256SUMS is rewritten from the lineage). Checks every asset before anything is
 * uploaded: a local file that differs is a RegistryConflictError, one not given a
 * RegistryNotFoundError.
 */
async function planRepairs(
  backend: RegistryBackend,
  release: ReleaseRecord,
  commit: string,
  files: readonly AssetFile[],
  log: RegistryLog,
  workDir: string,
): Promise<AssetRepair[]> {
  const tag = release.tagName
  const recorded = lineageChecksums(await backend.readTagMessage(tag))
  const isBroken = (a: AssetRecord) => a.state === 'broken' || a.size === 0
  if (!recorded) {
    const broken = release.assets.filter(isBroken).map((a) => a.name)
    if (broken.length > 0) {
      log.warn(`${tag} holds broken uploads (${broken.join(', ')}), but its version tag records no asset checksums to check local files against, so they are left as they are; check and upload them by hand, or register a new version`)
    }
    return []
  }
  for (const file of files) {
    if (file.name !== CHECKSUMS_ASSET && !recorded.has(file.name)) {
      log.info(`local asset ${file.name} is not part of ${tag} (its version tag records no such asset) and is not added: a published version's assets never change`)
    }
  }
  for (const asset of release.assets) {
    if (isBroken(asset) && asset.name !== CHECKSUMS_ASSET && !recorded.has(asset.name)) {
      log.warn(`asset ${asset.name} of ${tag} is a broken upload that its version tag records no sha256 for, so it is left as it is; delete it from the release if it does not belong there`)
    }
  }
  const repairs: AssetRepair[] = []
  const differing: string[] = []
  const notGiven: string[] = []
  for (const name of [...recorded.keys(), CHECKSUMS_ASSET]) {
    const onRelease = release.assets.find((a) => a.name === name)
    if (onRelease && !isBroken(onRelease)) continue
    const broken = onRelease
    if (name === CHECKSUMS_ASSET) {
      // The lineage holds every line of the SHA256SUMS that was registered, so it is rebuilt from there.
      const text = renderChecksums(recorded)
      const path = join(workDir, 'repair', CHECKSUMS_ASSET)
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, text)
      const file = { name, path, size: Buffer.byteLength(text), sha256: sha256(text) }
      repairs.push({ file, broken, reason: `${was(broken)}; rewritten from the sha256s its version tag recorded` })
      continue
    }
    const file = files.find((f) => f.name === name)
    const want = recorded.get(name)!
    if (!file) notGiven.push(`${name} (${broken ? 'a broken upload on the release' : 'missing from the release'})`)
    else if (file.sha256 !== want) differing.push(`local ${name} has sha256 ${file.sha256}, but its version tag recorded ${want}`)
    else repairs.push({ file, broken, reason: `${was(broken)}; the local file matches the sha256 its version tag recorded` })
  }
  const fix = `pass the files of the run that was registered (rebuild them from commit ${short(commit)})`
  if (differing.length > 0) {
    throw new RegistryConflictError(
      `cannot repair the assets of ${tag}: ${differing.join('; ')}; a published version's files never change: ${fix}, or commit the change and register it as a new version`,
    )
  }
  if (notGiven.length > 0) {
    throw new RegistryNotFoundError(`cannot repair the assets of ${tag}: no local file for ${notGiven.join(', ')}; ${fix}`)
  }
  return repairs
}

function was(broken: AssetRecord | undefined): string {
  return broken ? 'it was a broken upload' : 'it was missing'
}

function versionOnCommit(state: ModelState, commit: string, model: ModelName): VersionState | undefined {
  return state.versions.find((v) => v.commit === commit && v.model.equals(model))
}

function assertVersionFree(state: ModelState, version: SemVer, commit: string): void {
  const taken = state.versions.find((v) => v.version.equals(version))
  if (taken) throw tagOnOtherCommit(taken.tag.name, taken.commit, commit)
}

function tagOnOtherCommit(tag: string, other: string, commit: string): RegistryConflictError {
  return new RegistryConflictError(
    `tag ${tag} already exists on commit ${short(other)}, not on ${short(commit)}; a version is never moved: register ${short(commit)} without --version to get the next free version`,
  )
}

/** A draft of an unversioned commit this old is abandoned: a registration job runs for 6 hours at most on GitHub. */
const ABANDONED_DRAFT_MS = 24 * 60 * 60 * 1000

/**
 * Deletes the drafts of `model` that killed or raced runs left for a commit whose version is
 * published, and those of a commit with no version created over a day before `now`: nothing will
 * ever finish them. A younger draft of an unversioned commit, or one whose version is still
 * unpublished, may be a registration under way and stays. Best effort: a failure warns.
 */
async function deleteOrphanDrafts(backend: RegistryBackend, model: ModelName, state: ModelState, log: RegistryLog, now: Date): Promise<void> {
  try {
    const published = new Map<string, boolean>()
    for (const draft of await backend.listDrafts()) {
      const tag = parseRegistryTag(draft.tagName)
      if (!draft.draft || tag?.kind !== 'version' || !tag.model.equals(model) || !draft.commit) continue
      const version = versionOnCommit(state, draft.commit, model)
      if (!version) {
        if (draft.createdAt && now.getTime() - draft.createdAt.getTime() > ABANDONED_DRAFT_MS) {
          log.info(`deleting draft release ${draft.tagName} (${draft.id}) of commit ${short(draft.commit)}: abandoned, created ${draft.createdAt.toISOString()} and never finished`)
          await backend.deleteRelease(draft.id)
        }
        continue
      }
      const name = version.tag.name
      if (!published.has(name)) {
        const release = await backend.getRelease(name)
        published.set(name, release !== undefined && !release.draft)
      }
      if (!published.get(name)) continue
      log.info(`deleting draft release ${draft.tagName} (${draft.id}) left by an earlier run: ${name} of commit ${short(draft.commit)} is published`)
      await backend.deleteRelease(draft.id)
    }
  } catch (error) {
    log.warn(`could not clean up drafts that earlier runs of ${model} left: ${(error as Error).message}`)
  }
}

/** Drafts an earlier run left for this model and commit, the furthest along (most assets) first. */
async function ownDrafts(backend: RegistryBackend, model: ModelName, commit: string): Promise<ReleaseRecord[]> {
  const drafts = (await backend.listDrafts()).filter((d) => isDraftOf(d, model, commit))
  return drafts.sort((a, b) => b.assets.length - a.assets.length)
}

function isDraftOf(release: ReleaseRecord, model: ModelName, commit: string): boolean {
  const tag = parseRegistryTag(release.tagName)
  return release.draft && release.commit === commit && tag?.kind === 'version' && tag.model.equals(model)
}

function releaseText(model: ModelName, version: SemVer, commit: string, options: RegisterOptions): { name: string; body: string } {
  const tag = new ModelTag(model, version).toString()
  const lines = [`Model \`${model}\` version ${version}, from commit ${commit}.`, '']
  if (options.actor) lines.push(`Registered by @${options.actor}${options.run?.url ? ` in ${options.run.url}` : ''}.`, '')
  lines.push('Verify downloaded assets with `sha256sum -c SHA256SUMS`.')
  return { name: tag, body: lines.join('\n') }
}

function buildLineage(options: RegisterOptions, model: ModelName, version: SemVer, commit: string, files: AssetFile[], trainingRunUrl: string | undefined): Lineage {
  const lineage: Lineage = {
    schema: 'modelship/lineage@1',
    model: model.toString(),
    version: version.toString(),
    commit,
    registeredAt: (options.now?.() ?? new Date()).toISOString(),
    assets: Object.fromEntries(files.filter((f) => f.name !== 'SHA256SUMS').map((f) => [f.name, f.sha256])),
  }
  if (options.actor) lineage.actor = options.actor
  if (options.run) lineage.run = options.run
  if (trainingRunUrl) lineage.trainingRun = { url: trainingRunUrl }
  if (options.sweep) lineage.sweep = options.sweep
  return lineage
}

/** `workflowRunUrl` of run.json, when it is readable and has one (a local run has none). */
async function readTrainingRunUrl(files: AssetFile[]): Promise<string | undefined> {
  const run = files.find((f) => f.name === 'run.json')
  if (!run) return undefined
  try {
    const url = (JSON.parse(await readFile(run.path, 'utf8')) as { workflowRunUrl?: unknown }).workflowRunUrl
    return typeof url === 'string' && url !== '' ? url : undefined
  } catch {
    return undefined
  }
}

function short(commit: string): string {
  return commit.slice(0, 7)
}
