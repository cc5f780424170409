/**
 * Moving a stage: a new annotated stage tag `churn#production#N` on the version's commit, N one
 * above the model's highest counter (and at least its tag count + 1). The newest stage tag wins, so
 * promoting an older version is also how a stage rolls back. Promoting to where the stage already
 * points is a logged no-op. Protected stages need a repository role (GitHub's collaborator
 * permission); the local backend trusts the local user.
 */
import { PermissionDeniedError, RegistryConflictError, RegistryNotFoundError, UsageError } from '../errors.js'
import type { RegistryBackend } from './backend.js'
import { renderStageMessage, type RunLink } from './lineage.js'
import { stderrLog, type RegistryLog } from './log.js'
import { resolveVersion } from './lookup.js'
import type { SemVer } from './semver.js'
import { buildModelState, type ModelState } from './state.js'
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
  /** Where the policy came from, for messages, e.g. `models/churn/model.yaml`. */
  source?: string
}

/** Options of `promote`. */
export interface PromoteOptions {
  /** What to promote: `churn@v1.2.3`, `churn@latest`, or `churn#staging` (the version in staging). */
  ref: string
  /** The stage to move, e.g. `production`. */
  stage: string
  backend: RegistryBackend
  /** GitHub login (or local user) doing it; required for protected stages on GitHub. */
  actor?: string
  tagger?: { name: string; email: string }
  run?: RunLink
  policy?: StagePolicy
  log?: RegistryLog
  /** Counters tried when racing promotions take the next one; default 10. */
  maxAttempts?: number
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
  await checkPermission(backend, options.actor, model, stage, policy)

  let state: ModelState = resolved.state
  const version = resolved.version
  const previous = state.stages.get(stage)?.version.version
  const maxAttempts = options.maxAttempts ?? 10
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const current = state.stages.get(stage)
    const inStage = current?.version.version.equals(version.version) ?? false
    if (action === 'assign' ? inStage : !version.stages.includes(stage)) {
      log.info(
        action === 'assign'
          ? `${model} ${stage} already points at ${version.version} (${current!.tag.name}); nothing to do`
          : `${model} ${version.version} is not in ${stage}; nothing to do`,
      )
      return { status: 'unchanged', model, version: version.version, stage, tag: undefined, previous }
    }
    const tag = new StageTag(model, stage, state.nextCounter, action === 'unassign').toString()
    const message = renderStageMessage({
      schema: 'modelship/promotion@1',
      model: model.toString(),
      version: version.version.toString(),
      stage,
      action,
      ...(options.actor ? { actor: options.actor } : {}),
      ...(options.run ? { run: options.run } : {}),
    })
    const result = await backend.createTag({ name: tag, commit: version.commit, message, tagger: options.tagger })
    if (result.created) {
      log.info(
        action === 'assign'
          ? `${model} ${stage}: ${previous ?? 'nothing'} → ${version.version} (${tag})`
          : `${model} ${version.version} taken out of ${stage} (${tag})`,
      )
      return { status: 'promoted', model, version: version.version, stage, tag, previous }
    }
    log.info(`${tag} was taken by a concurrent change; reading the stages again`)
    state = buildModelState(model, await backend.listTags({ model }))
    const again = state.versions.find((v) => v.version.equals(version.version))
    if (again) version.stages = again.stages
  }
  throw new RegistryConflictError(
    `could not move ${model} ${stage}: concurrent changes took the next tag counter ${maxAttempts} times in a row; run again`,
  )
}

async function checkPermission(backend: RegistryBackend, actor: string | undefined, model: ModelName, stage: string, policy: StagePolicy): Promise<void> {
  if (!policy.protectedStages?.includes(stage)) return
  const roles = policy.promoteRoles && policy.promoteRoles.length > 0 ? policy.promoteRoles : (['write'] as const)
  const needed = Math.min(...roles.map((r) => ROLE_RANK[r]!))
  const neededText = roles.join(' or ')
  const where = policy.source ? ` (register.promote-roles in ${policy.source})` : ''
  if (!actor) {
    const probe = await backend.permissionOf('')
    if (probe.permission === 'trusted') return
    throw new PermissionDeniedError(
      `promoting ${model} to protected stage '${stage}' needs to know who promotes: pass the actor (GITHUB_ACTOR in workflows); the stage needs the role ${neededText}${where}`,
    )
  }
  const held = await backend.permissionOf(actor)
  if (held.permission === 'trusted') return
  const rank = (held.role !== undefined ? ROLE_RANK[held.role] : undefined) ?? ROLE_RANK[held.permission] ?? 0
  if (rank < needed) {
    const has = held.role ?? held.permission
    throw new PermissionDeniedError(
      `${actor} has the repository role '${has}' on ${backend.description}, but promoting ${model} to protected stage '${stage}' needs ${neededText}${where}; ask someone with that role to promote, or grant it`,
    )
  }
}
