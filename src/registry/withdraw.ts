/**
 * Withdrawing, GTO's way: nothing is deleted, a tag records the decision.
 * - `deregister` withdraws one version with the annotated tag `churn@v1.3.0!` on the version's
 *   commit. `@latest` skips it from then on, and stages that pointed at it fall back to the version
 *   assigned there before (or to none): a warning names them and the commands that move them.
 *   Its release and assets stay, so history and old deployments can still be read.
 * - `deprecate` marks the whole model with `churn@deprecated#N` (N one above the model's highest
 *   counter, as stage tags get) on the commit of its newest version (withdrawn ones included, so a
 *   higher version can only come later); any later registry tag ends the deprecation (GTO).
 *   Versions, releases and stages stay.
 * Both are idempotent (a rerun says it is already done and writes nothing), race-safe (the tag is
 * created atomically through the same writer as stage tags), and guarded like promote: a write that
 * touches a protected stage needs the spec's promote roles.
 */
import { UsageError } from '../errors.js'
import type { TagRecord } from './backend.js'
import { renderWithdrawalMessage, type RunLink } from './lineage.js'
import { stderrLog } from './log.js'
import { loadModelState, unknownVersion } from './lookup.js'
import { checkStageRoles, writeRegistryTag, type TagWriteOptions } from './promote.js'
import type { SemVer } from './semver.js'
import { buildModelState, latestVersion, type ModelState } from './state.js'
import { DeprecationTag, ModelName, ModelRef, ModelTag } from './tags.js'

/** What deregister and deprecate share. */
interface WithdrawOptionsBase extends TagWriteOptions {
  /** Why, kept in the tag message (`--message`). */
  message?: string
}

/** Options of `deregister`. */
export interface DeregisterOptions extends WithdrawOptionsBase {
  /** The exact version: `churn@v1.3.0` (never `@latest` or a stage: a withdrawal names its version). */
  ref: string
}

/** Where a stage points once a version is withdrawn. */
export interface StageFallback {
  stage: string
  /** The version the stage resolves to now; undefined when the stage is empty. */
  now: SemVer | undefined
}

/** What `deregister` did. */
export interface DeregisterResult {
  status: 'deregistered' | 'unchanged'
  model: ModelName
  version: SemVer
  /** The deregistration tag, `churn@v1.3.0!` (also when it already existed). */
  tag: string
  /** The release that stays, `churn@v1.3.0`. */
  release: string
  /** Stages that pointed at the version, and where they point now; empty when unchanged. */
  stages: StageFallback[]
  /** The model's highest active version afterwards; undefined when none is left. */
  latest: SemVer | undefined
}

/** Withdraws one version with `<model>@vX.Y.Z!`; see the module comment. */
export async function deregister(options: DeregisterOptions): Promise<DeregisterResult> {
  const { backend } = options
  const log = options.log ?? stderrLog
  const ref = ModelRef.parse(options.ref)
  if (ref.selector.kind !== 'version') {
    throw new UsageError(`'${options.ref}' names no version: expected <model>@vX.Y.Z, e.g. ${ref.model}@v0.0.1 (a withdrawal names its exact version)`)
  }
  const wanted = ref.selector.version
  const model = ref.model
  const state = await loadModelState(backend, model)
  const version = state.versions.find((v) => v.version.equals(wanted))
  if (!version) throw unknownVersion(state, wanted)
  const tag = new ModelTag(model, version.version, true).toString()
  const result = { model, version: version.version, tag, release: version.tag.name }
  if (!version.active) {
    log.info(`${model} ${version.version} is already deregistered (${tag}); nothing to do`)
    return { ...result, status: 'unchanged', stages: [], latest: latestVersion(state)?.version }
  }
  await checkStageRoles({
    backend,
    actor: options.actor,
    policy: options.policy ?? {},
    stages: version.stages,
    doing: (stages) => `deregistering ${model} ${version.version}, which is in ${stages},`,
    verb: 'deregister',
  })

  const message = renderWithdrawalMessage({
    schema: 'modelship/withdrawal@1',
    model: model.toString(),
    action: 'deregister',
    version: version.version.toString(),
    ...withdrawalContext(options),
  })
  const written = await writeRegistryTag({
    backend,
    model,
    state,
    tagger: options.tagger,
    log,
    maxAttempts: options.maxAttempts,
    goal: `deregister ${model} ${version.version}`,
    plan: (now) => (now.versions.find((v) => v.version.equals(wanted))?.active === false ? undefined : { tag, commit: version.commit, message }),
  })
  if (written.tag === undefined) {
    log.info(`${model} ${version.version} was deregistered by a concurrent change (${tag}); nothing to do`)
    return { ...result, status: 'unchanged', stages: [], latest: latestVersion(written.state)?.version }
  }

  // The state with the new tag, computed rather than read back: a withdrawal only flips `active`.
  const record: TagRecord = { name: tag, tag: new ModelTag(model, version.version, true), commit: version.commit, annotated: true }
  const after = buildModelState(model, [...annotatedTags(written.state), record])
  const before = written.state.versions.find((v) => v.version.equals(wanted))?.stages ?? version.stages
  const stages = before.map((stage) => ({ stage, now: after.stages.get(stage)?.version.version }))
  log.info(`${model} ${version.version} deregistered (${tag}); its release ${version.tag.name} and assets stay`)
  if (stages.length > 0) log.warn(stageWarning(model, version.version, stages))
  return { ...result, status: 'deregistered', stages, latest: latestVersion(after)?.version }
}

/** Options of `deprecate`. */
export interface DeprecateOptions extends WithdrawOptionsBase {
  /** The model: `churn` or `dir:churn`. */
  model: string | ModelName
}

/** What `deprecate` did. */
export interface DeprecateResult {
  status: 'deprecated' | 'unchanged'
  model: ModelName
  /** The deprecation tag written, or the one in effect when unchanged. */
  tag: string
  /** The commit the tag points at. */
  commit: string
  /** The version whose commit carries the tag; undefined when the model has no version. */
  version: SemVer | undefined
  /** Stages that still point at versions (deprecation moves none): stage → version. */
  stages: Record<string, string>
}

/** Marks the whole model deprecated with `<model>@deprecated#N`; see the module comment. */
export async function deprecate(options: DeprecateOptions): Promise<DeprecateResult> {
  const { backend } = options
  const log = options.log ?? stderrLog
  const model = typeof options.model === 'string' ? ModelName.parse(options.model) : options.model
  const state = await loadModelState(backend, model)
  if (state.deprecated) {
    const tag = deprecationInEffect(state)
    log.info(`${model} is already deprecated (${tag.name}); nothing to do`)
    return { status: 'unchanged', model, tag: tag.name, commit: tag.commit, version: undefined, stages: stageMap(state) }
  }
  await checkStageRoles({
    backend,
    actor: options.actor,
    policy: options.policy ?? {},
    stages: [...state.stages.keys()],
    doing: (stages) => `deprecating ${model}, whose versions are in ${stages},`,
    verb: 'deprecate',
  })

  // The newest version's commit; a model with no version at all (only GTO-style stage tags on
  // unregistered commits) gets its newest tag's commit.
  const target = state.versions[0]
  const commit = target?.commit ?? state.events.at(-1)!.tag.commit
  const message = renderWithdrawalMessage({ schema: 'modelship/withdrawal@1', model: model.toString(), action: 'deprecate', ...withdrawalContext(options) })
  const written = await writeRegistryTag({
    backend,
    model,
    state,
    tagger: options.tagger,
    log,
    maxAttempts: options.maxAttempts,
    goal: `deprecate ${model}`,
    plan: (now) => (now.deprecated ? undefined : { tag: new DeprecationTag(model, now.nextCounter).toString(), commit, message }),
  })
  if (written.tag === undefined) {
    const tag = deprecationInEffect(written.state)
    log.info(`${model} was deprecated by a concurrent change (${tag.name}); nothing to do`)
    return { status: 'unchanged', model, tag: tag.name, commit: tag.commit, version: undefined, stages: stageMap(written.state) }
  }
  const stages = stageMap(written.state)
  log.info(`${model} deprecated (${written.tag})`)
  const first = Object.keys(stages)[0]
  if (first !== undefined) {
    log.warn(
      `${model} is deprecated but its stages still point at versions: ${Object.entries(stages).map(([s, v]) => `${s}=${v}`).join(', ')}; ` +
        `empty each one that should no longer serve it with modelship registry demote ${model}#${first}`,
    )
  }
  return { status: 'deprecated', model, tag: written.tag, commit, version: target?.version, stages }
}

function withdrawalContext(options: WithdrawOptionsBase): { message?: string; actor?: string; run?: RunLink } {
  const message = options.message?.trim()
  return { ...(message ? { message } : {}), ...(options.actor ? { actor: options.actor } : {}), ...(options.run ? { run: options.run } : {}) }
}

/** Every annotated tag the state was computed from (its events hold exactly those). */
function annotatedTags(state: ModelState): TagRecord[] {
  return state.events.map((e) => e.tag)
}

function deprecationInEffect(state: ModelState): TagRecord {
  return state.events.findLast((e) => e.type === 'deprecated')!.tag
}

function stageMap(state: ModelState): Record<string, string> {
  return Object.fromEntries([...state.stages].map(([stage, s]) => [stage, s.version.version.toString()]))
}

function stageWarning(model: ModelName, version: SemVer, stages: StageFallback[]): string {
  const names = stages.map((s) => s.stage)
  const now = stages.map((s) => `${s.stage} now points at ${s.now ?? 'no version'}`).join(', ')
  const first = names[0]!
  return (
    `${model} ${version} was in ${names.join(', ')}; with it withdrawn, ${now}. ` +
    `Promote the version each should serve (modelship registry promote ${model}@<version> ${first}) or empty it (modelship registry demote ${model}#${first})`
  )
}
