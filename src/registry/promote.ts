/**
 * Moving a stage: a new annotated stage tag `churn#production#N` on the version's commit, N one
 * above the model's highest counter (and at least its tag count + 1). The newest stage tag wins, so
 * promoting an older version is also how a stage rolls back. Promoting to where the stage already
 * points is a logged no-op. Protected stages need a repository role (GitHub's collaborator
 * permission); the local backend trusts the local user.
 */
import { PermissionDeniedError, RegistryConflictError, RegistryNotFoundError, UsageError } from '../errors.js'
import type { RegistryBackend } from './backend.js'
import { parseTagMessage, renderStageMessage, type RunLink } from './lineage.js'
import { stderrLog, type RegistryLog } from './log.js'
import { resolveVersion } from './lookup.js'
import type { SemVer } from './semver.js'
import { buildModelState, type ModelState, type VersionState } from './state.js'
import { assertStageName, ModelName, StageTag } from './tags.js'

/** Repository roles from least to most; GitHub's `permission` field uses read/write/admin. */
const ROLE_RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }

/** A repository role a spec may name in `register.promote-roles`. */
export type RepositoryRole = 'read' | 'triage' | 'write' | 'maintain' | 'admin'

/** Who may move which stage; from the spec's `register` and `deploy` sections. */
export interface StagePolicy {
  /** Every stage the spec knows; a stage outside it is refused. Default: any well-formed name. */
  stages?: readonly string[]
  /** Stages only `promoteRoles` may move (spec `register.protected-stages`); default none. */
  protectedStages?: readonly string[]
  /** Least roles allowed on protected stages (spec `register.promote-roles`); default `['write']`. Higher roles always qualify. */
  promoteRoles?: readonly RepositoryRole[]
  /**
   * Stage → the stage a version must have been in first (spec `deploy[].requires`): a version is
   * admitted when it is in that stage now, or was until another version replaced it there (a
   * rollback to an earlier staged version passes; one taken out with demote does not).
   */
  requires?: Readonly<Record<string, string>>
  /** Where the policy came from, for messages, e.g. `models/churn/model.yaml`. */
  source?: string
}

/** What every command that writes a registry tag (promote, demote, deregister, deprecate) takes. */
export interface TagWriteOptions {
  backend: RegistryBackend
  /** GitHub login (or local user) doing it; required on GitHub when a protected stage is touched. */
  actor?: string
  tagger?: { name: string; email: string }
  run?: RunLink
  /** Protected stages and the roles they need (the spec's `register`); default none protected. */
  policy?: StagePolicy
  log?: RegistryLog
  /** Plans tried when racing writers take the tag first; default 10. */
  maxAttempts?: number
}

/** Options of `promote`. */
export interface PromoteOptions extends TagWriteOptions {
  /** What to promote: `churn@v1.2.3`, `churn@latest`, or `churn#staging` (the version in staging). */
  ref: string
  /** The stage to move, e.g. `production`. */
  stage: string
  /** Promote even though the version was never in the stage `policy.requires` names; the tag message records it. */
  skipRequires?: boolean
}

/** What `promote` did. */
export interface PromoteResult {
  status: 'promoted' | 'unchanged'
  model: ModelName
  version: SemVer
  stage: string
  /** The new stage tag (undefined when unchanged). */
  tag: string | undefined
  /** The version the stage pointed at before, if any. */
  previous: SemVer | undefined
}

/** Puts the referenced version into `stage`; see the module comment. */
export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  return moveStage(options, 'assign')
}

/** Options of `demote`: the stage to empty, as `churn#staging`. */
export interface DemoteOptions extends Omit<PromoteOptions, 'ref' | 'stage'> {
  /** `churn#staging`: the stage and the model. */
  ref: string
}

/** Takes the version out of a stage with an unassignment tag `churn#staging!#N` (GTO's unassign). */
export async function demote(options: DemoteOptions): Promise<PromoteResult> {
  const stage = /#([^#@]+)$/.exec(options.ref)?.[1]
  if (!stage) throw new UsageError(`'${options.ref}' names no stage: expected <model>#<stage>, e.g. churn#staging`)
  return moveStage({ ...options, stage }, 'unassign')
}

async function moveStage(options: PromoteOptions, action: 'assign' | 'unassign'): Promise<PromoteResult> {
  const { backend } = options
  const log = options.log ?? stderrLog
  const stage = assertStageName(options.stage)
  const policy = options.policy ?? {}
  const resolved = await resolveVersion(backend, options.ref)
  const model = resolved.state.model
  if (policy.stages && !policy.stages.includes(stage)) {
    throw new RegistryNotFoundError(
      `stage '${stage}' is not a stage of ${model}${policy.source ? ` in ${policy.source}` : ''}; its stages: ${policy.stages.join(', ') || 'none'} (add it under deploy or register.protected-stages)`,
    )
  }
  await checkStageRoles({
    backend,
    actor: options.actor,
    policy,
    stages: [stage],
    doing: (stages) => `promoting ${model} to ${stages}`,
    verb: 'promote',
  })

  const version = resolved.version
  let skipped: string | undefined
  if (action === 'assign') {
    await assertRegistrationFinished(backend, model, version)
    skipped = checkRequiredStage(resolved.state, version, stage, policy, options.skipRequires === true)
    if (skipped) log.warn(`${model} ${version.version} was never in ${skipped}, which ${stage} requires; promoting anyway (--skip-requires), and the tag message says so`)
  }
  const previous = resolved.state.stages.get(stage)?.version.version
  const written = await writeRegistryTag({
    backend,
    model,
    state: resolved.state,
    tagger: options.tagger,
    log,
    maxAttempts: options.maxAttempts,
    goal: `move ${model} ${stage}`,
    plan(state) {
      const current = state.stages.get(stage)
      const inStage = current?.version.version.equals(version.version) ?? false
      const stages = state.versions.find((v) => v.version.equals(version.version))?.stages ?? version.stages
      if (action === 'assign' ? inStage : !stages.includes(stage)) {
        log.info(
          action === 'assign'
            ? `${model} ${stage} already points at ${version.version} (${current!.tag.name}); nothing to do`
            : `${model} ${version.version} is not in ${stage}; nothing to do`,
        )
        return undefined
      }
      const message = renderStageMessage({
        schema: 'modelship/promotion@1',
        model: model.toString(),
        version: version.version.toString(),
        stage,
        action,
        ...(skipped ? { skippedRequires: skipped } : {}),
        ...(options.actor ? { actor: options.actor } : {}),
        ...(options.run ? { run: options.run } : {}),
      })
      return { tag: new StageTag(model, stage, state.nextCounter, action === 'unassign').toString(), commit: version.commit, message }
    },
  })
  if (written.tag === undefined) return { status: 'unchanged', model, version: version.version, stage, tag: undefined, previous }
  log.info(
    action === 'assign'
      ? `${model} ${stage}: ${previous ?? 'nothing'} → ${version.version} (${written.tag})`
      : `${model} ${version.version} taken out of ${stage} (${written.tag})`,
  )
  return { status: 'promoted', model, version: version.version, stage, tag: written.tag, previous }
}

/**
 * Refuses a version whose registration stopped before its release was published (register writes
 * the tag before it publishes): its assets may be missing, so nothing may deploy it. A version GTO
 * or a person tagged (no lineage JSON) never had a release to finish and passes.
 */
export async function assertRegistrationFinished(backend: RegistryBackend, model: ModelName, version: VersionState): Promise<void> {
  const message = version.tag.message ?? (await backend.readTagMessage(version.tag.name))
  if (parseTagMessage(message)?.schema !== 'modelship/lineage@1') return
  const release = await backend.getRelease(version.tag.name)
  if (release && !release.draft) return
  throw new RegistryConflictError(
    `${version.tag.name} is not fully registered: its release ${release ? 'is still a draft' : 'is missing'} in ${backend.description}, so its assets may be incomplete; ` +
      `finish it with modelship registry register ${model} --commit ${version.commit.slice(0, 12)}, then promote it`,
  )
}

/**
 * The stage `policy.requires` names for `stage` when the version was never in it and `skip` allows
 * that (the caller records it); undefined when nothing is required or the requirement holds.
 * RegistryConflictError otherwise.
 */
function checkRequiredStage(state: ModelState, version: VersionState, stage: string, policy: StagePolicy, skip: boolean): string | undefined {
  const required = policy.requires?.[stage]
  if (required === undefined || required === stage) return undefined
  // The version's newest event in the required stage: an assignment means it was there until
  // replaced (or still is); an unassignment means it was taken out on purpose.
  const last = state.events.findLast((e) => e.stage === required && e.version?.equals(version.version) === true)
  if (last?.type === 'assigned') return undefined
  if (skip) return required
  const why = last ? `was taken out of ${required} (${last.tag.name})` : `has never been in ${required}`
  throw new RegistryConflictError(
    `${state.model} ${version.version} ${why}, and ${stage} requires ${required}${policy.source ? ` (deploy in ${policy.source})` : ''}; ` +
      `promote it to ${required} first (modelship registry promote ${state.model}@${version.version} ${required}), or pass --skip-requires to promote it anyway (the tag message records that)`,
  )
}

/** One annotated tag a registry write wants, computed from the model's current state. */
export interface PlannedTag {
  tag: string
  commit: string
  message: string
}

/** Options of `writeRegistryTag`. */
export interface WriteRegistryTagOptions {
  backend: RegistryBackend
  model: ModelName
  /** The state the first plan is made from. */
  state: ModelState
  /** The tag to write given the state, or undefined when the state already says what the write wants (a no-op). */
  plan(state: ModelState): PlannedTag | undefined
  /** What the write does, for the conflict message: `move churn production`. */
  goal: string
  tagger?: { name: string; email: string }
  log: RegistryLog
  /** Plans tried when racing writers take the tag first; default 10. */
  maxAttempts?: number
}

/**
 * The one way the registry writes a tag after a version exists (stages, deregistration,
 * deprecation): plan from the state, create atomically, and when a racing writer took the name,
 * read the tags again and plan anew. Answers the tag written and the state it was planned from,
 * or `tag: undefined` when the plan found nothing to do.
 */
export async function writeRegistryTag(options: WriteRegistryTagOptions): Promise<{ tag: string | undefined; state: ModelState }> {
  const { backend, model, log } = options
  const maxAttempts = options.maxAttempts ?? 10
  let state = options.state
  let refused: string | undefined
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const planned = options.plan(state)
    if (!planned) return { tag: undefined, state }
    if (planned.tag === refused) {
      // The name is taken, yet the tags read back do not show it: a lightweight tag, which the
      // registry ignores (as GTO does); planning again would only fail the same way.
      throw new RegistryConflictError(
        `tag ${planned.tag} already exists in ${backend.description} but is not an annotated registry tag, so the registry ignores it; delete it (git tag -d '${planned.tag}', and git push --delete origin '${planned.tag}' where it was pushed) and run again`,
      )
    }
    await waitForNextTagSecond(state)
    const result = await backend.createTag({ name: planned.tag, commit: planned.commit, message: planned.message, tagger: options.tagger })
    if (result.created) return { tag: planned.tag, state }
    log.info(`${planned.tag} was taken by a concurrent change; reading the registry again`)
    refused = planned.tag
    state = buildModelState(model, await backend.listTags({ model }))
  }
  throw new RegistryConflictError(
    `could not ${options.goal}: concurrent changes took the next tag counter ${maxAttempts} times in a row; run again`,
  )
}

/** The most a write waits for its own second; a newer tag than that means a skewed clock, not a tie. */
const MAX_TIE_WAIT_MS = 2_000

/**
 * Waits until the clock has left the second of the model's newest dated tag. Git keeps whole
 * seconds, and GTO orders tags of one second by a stable sort of whatever order it listed them in
 * (it ignores the counter), so two writes in one second could be read in either order. With each
 * write in a later second than the one before it, Modelship and GTO read the same order.
 */
async function waitForNextTagSecond(state: ModelState): Promise<void> {
  let newest = Number.NEGATIVE_INFINITY
  for (const { tag } of state.events) if (tag.tagger) newest = Math.max(newest, tag.tagger.date.getTime())
  const wait = newest + 1000 - Date.now()
  // The wait ends on a clock reading, not after a guessed interval: setTimeout may fire early.
  if (wait > 0 && wait <= MAX_TIE_WAIT_MS) {
    while (Date.now() < newest + 1000) await new Promise((done) => setTimeout(done, newest + 1000 - Date.now()))
  }
}

/** Options of `checkStageRoles`. */
export interface StageRolesCheck {
  backend: RegistryBackend
  actor: string | undefined
  policy: StagePolicy
  /** The stages the write touches; only the protected ones among them need a role. */
  stages: readonly string[]
  /** The write as a phrase, given `protected stage 'production'`: `promoting churn to protected stage 'production'`. */
  doing(stages: string): string
  /** The verb for "ask someone with that role to …": `promote`. */
  verb: string
}

/**
 * Refuses a write that touches a protected stage unless the actor holds one of the policy's roles
 * (GitHub's collaborator permission); the local backend trusts the local user. PermissionDeniedError.
 */
export async function checkStageRoles(check: StageRolesCheck): Promise<void> {
  const { backend, actor, policy } = check
  const touched = check.stages.filter((s) => policy.protectedStages?.includes(s))
  if (touched.length === 0) return
  const roles = policy.promoteRoles && policy.promoteRoles.length > 0 ? policy.promoteRoles : (['write'] as const)
  const needed = Math.min(...roles.map((r) => ROLE_RANK[r]!))
  const neededText = roles.join(' or ')
  const where = policy.source ? ` (register.promote-roles in ${policy.source})` : ''
  const doing = check.doing(`protected stage${touched.length > 1 ? 's' : ''} ${touched.map((s) => `'${s}'`).join(', ')}`)
  if (!actor) {
    const probe = await backend.permissionOf('')
    if (probe.permission === 'trusted') return
    throw new PermissionDeniedError(
      `${doing} needs to know who ${check.verb}s: pass the actor (GITHUB_ACTOR in workflows); ${touched.length > 1 ? 'the stages need' : 'the stage needs'} the role ${neededText}${where}`,
    )
  }
  const held = await backend.permissionOf(actor)
  if (held.permission === 'trusted') return
  const rank = (held.role !== undefined ? ROLE_RANK[held.role] : undefined) ?? ROLE_RANK[held.permission] ?? 0
  if (rank < needed) {
    const has = held.role ?? held.permission
    throw new PermissionDeniedError(
      `${actor} has the repository role '${has}' on ${backend.description}, but ${doing} needs ${neededText}${where}; ask someone with that role to ${check.verb}, or grant it`,
    )
  }
}
