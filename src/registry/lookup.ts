/** Read-only questions to the registry: resolve a reference, list models, show a version, history. */
import { RegistryNotFoundError } from '../errors.js'
import type { AssetRecord, ListTagsOptions, RegistryBackend, Tagger } from './backend.js'
import { parseTagMessage, type TagJson } from './lineage.js'
import type { SemVer } from './semver.js'
import { buildModelState, buildRegistryState, latestVersion, type ModelState, type RegistryEvent, type VersionState } from './state.js'
import { ModelName, ModelRef, parseRegistryTag } from './tags.js'

/** A reference resolved to a registered version. */
export interface ResolvedVersion {
  ref: ModelRef
  state: ModelState
  version: VersionState
}

/** What the read-only questions take: `warn` hears of tags the registry skips (default: nobody). */
export interface LookupOptions {
  warn?: (message: string) => void
}

/** `onUnreadable` for a listing: one warning a skipped tag. */
function unreadableWarner(warn: LookupOptions['warn']): ListTagsOptions['onUnreadable'] {
  if (!warn) return undefined
  const told = new Set<string>()
  return (name, reason) => {
    if (told.has(name)) return
    told.add(name)
    warn(`skipped tag '${name}': ${reason}`)
  }
}

/** The model's state; RegistryNotFoundError when it has no tags at all. */
export async function loadModelState(backend: RegistryBackend, model: ModelName, options: { details?: boolean } & LookupOptions = {}): Promise<ModelState> {
  const tags = await backend.listTags({ model, details: options.details, onUnreadable: unreadableWarner(options.warn) })
  const state = buildModelState(model, tags)
  if (state.events.length === 0) {
    const known = [...buildRegistryState(await backend.listTags()).keys()].sort()
    throw new RegistryNotFoundError(
      `model '${model}' has no versions in ${backend.description}; ${known.length > 0 ? `registered models: ${known.join(', ')}` : 'no model is registered yet: run modelship registry register first'}`,
    )
  }
  return state
}

/**
 * Resolves `churn#production`, `churn@latest`, `churn@v1.2.3` or `churn` (= latest) to an active
 * version; RegistryNotFoundError says what exists instead.
 */
export async function resolveVersion(backend: RegistryBackend, ref: string | ModelRef, state?: ModelState): Promise<ResolvedVersion> {
  const parsed = typeof ref === 'string' ? ModelRef.parse(ref) : ref
  const modelState = state ?? (await loadModelState(backend, parsed.model))
  return { ref: parsed, state: modelState, version: pickVersion(parsed, modelState) }
}

/** Why a stage that once held a version holds none now; undefined when it never held one. */
function emptiedStage(state: ModelState, stage: string): string | undefined {
  const assigned = new Set<string>()
  for (const e of state.events) if (e.type === 'assigned' && e.stage === stage && e.version) assigned.add(e.version.toString())
  if (assigned.size === 0) {
    // GTO can assign a stage to a bare commit (`gto assign --sr`); Modelship stages only versions.
    const bare = state.events.findLast((e) => e.type === 'assigned' && e.stage === stage)
    if (!bare) return undefined
    return `it was assigned only to commits with no registered version (newest: ${bare.tag.name} on commit ${bare.tag.commit.slice(0, 7)}, as gto assign --sr does), and Modelship stages only registered versions; register that commit first`
  }
  const active = new Set(state.versions.filter((v) => v.active).map((v) => v.version.toString()))
  const withdrawn = [...assigned].filter((version) => !active.has(version))
  if (withdrawn.length === 0) return 'it was emptied (demote took its version out)'
  const one = withdrawn.length === 1
  const alsoDemoted = withdrawn.length < assigned.size ? ' or taken out' : ''
  return `it was emptied: the ${one ? 'version' : 'versions'} assigned there ${one ? 'was' : 'were'} withdrawn (${withdrawn.join(', ')})${alsoDemoted}`
}

function pickVersion(ref: ModelRef, state: ModelState): VersionState {
  const s = ref.selector
  if (s.kind === 'stage') {
    const stage = state.stages.get(s.stage)
    if (stage) return stage.version
    const stages = [...state.stages.keys()]
    throw new RegistryNotFoundError(
      `${state.model} has no version in stage '${s.stage}'; ${emptiedStage(state, s.stage) ?? (stages.length > 0 ? `its stages: ${stages.join(', ')}` : 'no stage is assigned yet')} (promote one with modelship registry promote ${state.model}@<version> ${s.stage})`,
    )
  }
  if (s.kind === 'version') {
    const found = state.versions.find((v) => v.version.equals(s.version))
    if (found?.active) return found
    if (found) throw new RegistryNotFoundError(`${found.tag.name} was withdrawn (${found.tag.name}!); pick another version of ${state.model}: ${activeList(state)}`)
    throw unknownVersion(state, s.version)
  }
  const latest = latestVersion(state)
  if (!latest) throw new RegistryNotFoundError(`${state.model} has no active version: every version was withdrawn`)
  return latest
}

/** RegistryNotFoundError for a version the model never had, listing its active versions. */
export function unknownVersion(state: ModelState, version: SemVer): RegistryNotFoundError {
  return new RegistryNotFoundError(`${state.model} has no version ${version}; its versions: ${activeList(state)}`)
}

function activeList(state: ModelState): string {
  const active = state.versions.filter((v) => v.active).map((v) => v.version.toString())
  if (active.length === 0) return 'none active'
  return active.length > 8 ? `${active.slice(0, 8).join(', ')} and ${active.length - 8} older` : active.join(', ')
}

/** One line of `list`. */
export interface ModelSummary {
  model: string
  /** Highest active version, if any. */
  latest: string | undefined
  /** Number of active versions. */
  versions: number
  /** Stage → version. */
  stages: Record<string, string>
  deprecated: boolean
}

/** Every model of the registry, sorted by name, from one tag listing. */
export async function listModels(backend: RegistryBackend, options: LookupOptions = {}): Promise<ModelSummary[]> {
  const states = buildRegistryState(await backend.listTags({ onUnreadable: unreadableWarner(options.warn) }))
  return [...states.values()]
    .filter((s) => s.events.length > 0)
    .sort((a, b) => (a.model.toString() < b.model.toString() ? -1 : 1))
    .map((s) => ({
      model: s.model.toString(),
      latest: latestVersion(s)?.version.toString(),
      versions: s.versions.filter((v) => v.active).length,
      stages: Object.fromEntries([...s.stages].map(([stage, st]) => [stage, st.version.version.toString()])),
      deprecated: s.deprecated,
    }))
}

/** What `show` tells about one version. */
export interface VersionDetails {
  model: string
  version: string
  tag: string
  commit: string
  /** Stages pointing at this version now. */
  stages: string[]
  /** Who tagged it, and when. */
  registered: Tagger | undefined
  /** The lineage JSON of the tag, when it has one (GTO-made tags do not). */
  lineage: TagJson | undefined
  /** Release assets; empty when the release is missing (an unfinished registration). */
  assets: AssetRecord[]
  /** False while the release is a draft or missing. */
  published: boolean
  /** When the release is missing (not a draft): where the backend looked and how to get it, if it says. */
  releaseHelp?: string
  deprecated: boolean
}

/** Details of the version a reference resolves to: one tag listing (with messages) and one release read. */
export async function showVersion(backend: RegistryBackend, ref: string | ModelRef, options: LookupOptions = {}): Promise<VersionDetails> {
  const parsed = typeof ref === 'string' ? ModelRef.parse(ref) : ref
  // Messages come with the one listing (the tag objects are read for their dates anyway).
  const { state, version } = await resolveVersion(backend, parsed, await loadModelState(backend, parsed.model, { details: true, ...options }))
  const message = version.tag.message ?? (await backend.readTagMessage(version.tag.name))
  const release = await backend.getRelease(version.tag.name)
  return {
    model: state.model.toString(),
    version: version.version.toString(),
    tag: version.tag.name,
    commit: version.commit,
    stages: version.stages,
    registered: version.tag.tagger,
    lineage: parseTagMessage(message),
    assets: release?.assets ?? [],
    published: release !== undefined && !release.draft,
    ...(release === undefined && backend.missingReleaseHelp ? { releaseHelp: backend.missingReleaseHelp(version.tag.name) } : {}),
    deprecated: state.deprecated,
  }
}

/** One line of `history`. */
export interface HistoryEntry {
  type: RegistryEvent['type']
  tag: string
  version: string | undefined
  stage: string | undefined
  /** Tagger name and email; undefined for lightweight tags. */
  by: { name: string; email: string } | undefined
  at: Date | undefined
  /** The actor recorded in the tag's JSON (a GitHub login), when present. */
  actor: string | undefined
  /** Workflow run link from the tag's JSON, when present. */
  runUrl: string | undefined
  /** Why, for a deregistration or deprecation: the first line of its `--message`, when one was given. */
  note: string | undefined
}

/** A model's versions and stage moves, oldest first, with who, when and which workflow run. */
export async function modelHistory(backend: RegistryBackend, model: string | ModelName, options: LookupOptions = {}): Promise<HistoryEntry[]> {
  const name = typeof model === 'string' ? ModelName.parse(model) : model
  const state = await loadModelState(backend, name, { details: true, ...options })
  return state.events.map((event) => {
    const json = parseTagMessage(event.tag.message)
    const tagger = event.tag.tagger
    return {
      type: event.type,
      tag: event.tag.name,
      version: versionText(event.version),
      stage: event.stage,
      by: tagger && { name: tagger.name, email: tagger.email },
      at: tagger?.date,
      actor: typeof json?.actor === 'string' ? json.actor : undefined,
      runUrl: typeof json?.run?.url === 'string' ? json.run.url : undefined,
      note: typeof json?.message === 'string' ? json.message.trim().split('\n')[0]!.trim() || undefined : undefined,
    }
  })
}

/** One row of a model's version table (`show <model>`, as `gto show <model>`). */
export interface VersionRow {
  version: string
  /** False once withdrawn. */
  active: boolean
  /** Stages resolving to it now. */
  stages: string[]
  commit: string
  registered: Tagger | undefined
}

/** Every version of a model, highest first, withdrawn ones included and marked. */
export async function listVersions(backend: RegistryBackend, model: string | ModelName, options: LookupOptions = {}): Promise<VersionRow[]> {
  const name = typeof model === 'string' ? ModelName.parse(model) : model
  const state = await loadModelState(backend, name, options)
  return state.versions.map((v) => ({ version: v.version.toString(), active: v.active, stages: v.stages, commit: v.commit, registered: v.tag.tagger }))
}

/** What one registry tag records (`check-ref`, as `gto check-ref`): for CI jobs started by a pushed tag. */
export interface TagFacts {
  tag: string
  model: string
  event: RegistryEvent['type']
  /** The version the tag concerns; for a stage tag, the version registered on its commit (if any). */
  version: string | undefined
  stage: string | undefined
  commit: string
}

/**
 * The facts of one tag (`churn#production#7` or `refs/tags/churn#production#7`); undefined for a tag
 * that is not a registry tag (a CI job started by any tag may ask). RegistryNotFoundError when the
 * tag is not in the registry as an annotated tag.
 */
export async function checkRef(backend: RegistryBackend, ref: string, options: LookupOptions = {}): Promise<TagFacts | undefined> {
  const name = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : ref
  const tag = parseRegistryTag(name)
  if (!tag) return undefined
  const state = buildModelState(tag.model, await backend.listTags({ model: tag.model, onUnreadable: unreadableWarner(options.warn) }))
  const event = state.events.find((e) => e.tag.name === name)
  if (!event) {
    throw new RegistryNotFoundError(`tag ${name} is not in ${backend.description} as an annotated tag (it is missing, or lightweight, which the registry ignores as GTO does); fetch tags (git fetch --tags) and check the name`)
  }
  return { tag: name, model: state.model.toString(), event: event.type, version: versionText(event.version), stage: event.stage, commit: event.tag.commit }
}

function versionText(version: SemVer | undefined): string | undefined {
  return version?.toString()
}
