/**
 * The registry's state, computed from tags alone, with GTO's semantics:
 * - a version is active from its `@vX.Y.Z` tag until a `@vX.Y.Z!` tag withdraws it;
 * - a stage tag points at a commit, and so at the version registered on that commit;
 * - per stage, each version is in it when its newest stage event there is an assignment, and the
 *   stage resolves to the version assigned most recently (GTO's one version per stage);
 * - "most recently" is tag time (tagger date, whole seconds). GTO breaks ties by the order it happened
 *   to list the tags in, so Modelship never writes two tags of a model in one second
 *   (`writeRegistryTag` waits for the next one) and both read the same order. Ties in tags written
 *   elsewhere are broken by the counter, which every writer takes as one above the model's highest;
 *   when tagger dates are not loaded (GitHub without a checkout), the counter alone orders;
 * - `@latest` is the highest active semantic version;
 * - a model is deprecated while a `@deprecated` tag is its newest tag: any later tag, a
 *   registration, stage move or withdrawal alike, ends it (GTO's `Artifact.is_active`: the newest
 *   event is not a deprecation); see `isDeprecated`.
 */
import type { TagRecord, Tagger } from './backend.js'
import { ModelName } from './tags.js'
import type { SemVer } from './semver.js'

/** One registered version. */
export interface VersionState {
  model: ModelName
  version: SemVer
  /** The `@vX.Y.Z` tag. */
  tag: TagRecord
  commit: string
  /** False once a deregistration tag withdrew it. */
  active: boolean
  /** Stages currently resolving to this version, sorted. */
  stages: string[]
}

/** Where one stage points now. */
export interface StageState {
  stage: string
  version: VersionState
  /** The assignment tag that put it there. */
  tag: TagRecord
}

/** One line of a model's history. */
export interface RegistryEvent {
  type: 'registered' | 'deregistered' | 'assigned' | 'unassigned' | 'deprecated'
  tag: TagRecord
  version?: SemVer
  stage?: string
  tagger?: Tagger
}

/** Everything the tags say about one model. */
export interface ModelState {
  model: ModelName
  /** All versions, highest first (withdrawn ones included, marked inactive). */
  versions: VersionState[]
  /** Current stages, by name. */
  stages: Map<string, StageState>
  deprecated: boolean
  /** Events oldest first. */
  events: RegistryEvent[]
  /** The counter the next stage or deprecation tag gets. */
  nextCounter: number
  /** Highest version in any version tag of the model, lightweight and withdrawn ones included: never reused. */
  highestTaken: SemVer | undefined
}

/** Orders tags oldest first: tagger date, then counter, then name. */
export function compareTagAge(a: TagRecord, b: TagRecord): number {
  if (a.tagger && b.tagger) {
    const d = a.tagger.date.getTime() - b.tagger.date.getTime()
    if (d !== 0) return d
  }
  const ca = tieRank(a)
  const cb = tieRank(b)
  if (ca !== cb) return ca < cb ? -1 : 1
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

/**
 * Order among tags of the same second (git keeps whole seconds): the counter, and for the tags that
 * carry none, a registration first (its stage moves follow it) and a deregistration last (it
 * withdraws a version whose stage moves came before it).
 */
function tieRank({ tag }: TagRecord): number {
  if (tag.counter !== undefined) return tag.counter
  return tag.kind === 'version' && tag.deregistration ? Number.POSITIVE_INFINITY : -1
}

/** Groups tags by model and computes each model's state. Lightweight tags are ignored, as in GTO. */
export function buildRegistryState(tags: readonly TagRecord[]): Map<string, ModelState> {
  const byModel = new Map<string, TagRecord[]>()
  for (const record of tags) {
    if (!record.annotated) continue
    const key = record.tag.model.toString()
    let list = byModel.get(key)
    if (!list) byModel.set(key, (list = []))
    list.push(record)
  }
  const states = new Map<string, ModelState>()
  for (const [key, list] of byModel) states.set(key, buildModelState(list[0]!.tag.model, list))
  return states
}

/** The state of one model from its tags (tags of other models are skipped). */
export function buildModelState(model: ModelName, tags: readonly TagRecord[]): ModelState {
  // Names are taken by every tag, lightweight ones included, so counters and versions skip them all.
  const all = tags.filter((t) => t.tag.model.equals(model))
  let highestTaken: SemVer | undefined
  let maxCounter = 0
  for (const { tag } of all) {
    maxCounter = Math.max(maxCounter, tag.counter ?? 0)
    if (tag.kind === 'version' && (!highestTaken || tag.version.compare(highestTaken) > 0)) highestTaken = tag.version
  }
  const own = all.filter((t) => t.annotated).sort(compareTagAge)
  const versions = new Map<string, VersionState>()

  // First the versions and their withdrawals, so stage tags can be matched to versions below.
  for (const record of own) {
    const t = record.tag
    if (t.kind === 'version' && !t.deregistration && !versions.has(t.version.toString())) {
      versions.set(t.version.toString(), { model, version: t.version, tag: record, commit: record.commit, active: true, stages: [] })
    }
  }
  for (const record of own) {
    const t = record.tag
    if (t.kind === 'version' && t.deregistration) {
      const v = versions.get(t.version.toString())
      if (v) v.active = false
    }
  }

  // A commit with several versions (a withdrawn one registered again) stands for its highest
  // active version, else its lowest withdrawn one; compared only where commits collide.
  const versionOnCommit = new Map<string, VersionState>()
  for (const v of versions.values()) {
    const other = versionOnCommit.get(v.commit)
    if (!other || (v.active ? !other.active || v.version.compare(other.version) > 0 : !other.active && v.version.compare(other.version) < 0)) {
      versionOnCommit.set(v.commit, v)
    }
  }

  // Then every tag in age order: `own` is sorted, so the events come out oldest first unsorted.
  // Per stage and version: the newest assignment tag if the newest event there is an assignment.
  const events: RegistryEvent[] = []
  const live = new Map<string, Map<VersionState, TagRecord | undefined>>()
  for (const record of own) {
    const t = record.tag
    if (t.kind === 'version') {
      events.push({ type: t.deregistration ? 'deregistered' : 'registered', tag: record, version: t.version, tagger: record.tagger })
      continue
    }
    if (t.kind === 'deprecation') {
      events.push({ type: 'deprecated', tag: record, tagger: record.tagger })
      continue
    }
    const version = versionOnCommit.get(record.commit)
    events.push({
      type: t.unassignment ? 'unassigned' : 'assigned',
      tag: record,
      version: version?.version,
      stage: t.stage,
      tagger: record.tagger,
    })
    // GTO would treat an unregistered commit as a version; we only stage registered versions.
    if (!version) continue
    let perVersion = live.get(t.stage)
    if (!perVersion) live.set(t.stage, (perVersion = new Map()))
    perVersion.set(version, t.unassignment ? undefined : record)
  }

  const stages = new Map<string, StageState>()
  for (const [stage, perVersion] of live) {
    let best: StageState | undefined
    for (const [version, record] of perVersion) {
      if (!record || !version.active) continue
      if (!best || compareTagAge(best.tag, record) < 0) best = { stage, version, tag: record }
    }
    if (best) {
      stages.set(stage, best)
      best.version.stages.push(stage)
    }
  }
  for (const v of versions.values()) v.stages.sort()

  return {
    model,
    versions: [...versions.values()].sort((a, b) => b.version.compare(a.version)),
    stages: new Map([...stages].sort(([a], [b]) => (a < b ? -1 : 1))),
    deprecated: isDeprecated(events, versions),
    events,
    nextCounter: Math.max(maxCounter, all.length) + 1,
    highestTaken,
  }
}

/**
 * GTO: deprecated while the newest event is a `@deprecated` tag; any later event ends it. A
 * registration tagged in the same second sorts before it (version tags carry no counter), so a
 * version above the one on the deprecation's commit (the newest version when it was written) also
 * counts as later.
 */
function isDeprecated(events: readonly RegistryEvent[], versions: ReadonlyMap<string, VersionState>): boolean {
  const at = events.findLastIndex((e) => e.type === 'deprecated')
  if (at < 0 || at < events.length - 1) return false
  const commit = events[at]!.tag.commit
  let tagged: SemVer | undefined
  for (const v of versions.values()) if (v.commit === commit && (!tagged || v.version.compare(tagged) > 0)) tagged = v.version
  return !tagged || ![...versions.values()].some((v) => v.version.compare(tagged) > 0)
}

/** The highest active version, or undefined when there is none. */
export function latestVersion(state: ModelState): VersionState | undefined {
  return state.versions.find((v) => v.active)
}
