/**
 * `modelship rollback --environment NAME [--model M] [--to vX.Y.Z]`: a new commit that gives the
 * model back the traffic it had before its last change, found in the git history of
 * `deploy/<environment>.yaml`, or all of it to a named registered version. Nothing is rewritten:
 * the rollback is one more entry in the audit trail, with its reason.
 */
import { git } from '../git/command.js'
import type { RegistryBackend } from '../registry/backend.js'
import { resolveVersion } from '../registry/lookup.js'
import { assertRegistrationFinished } from '../registry/promote.js'
import { ModelName, ModelRef } from '../registry/tags.js'
import { SemVer } from '../registry/semver.js'
import { UsageError } from '../errors.js'
import { desiredStatePath, formatTraffic, modelTraffic, planRollback, type Environment, type ModelTraffic, type StatePlan } from './desired-state.js'
import { DeployRefusedError } from './errors.js'
import { renderChangeMessage } from './message.js'
import { applyStateChange, readDesiredStateAt, type PushOptions, type PushResult } from './push.js'

/** Most commits of the file's history read to find the previous state. */
const MAX_HISTORY = 500

/** What `rollback` is asked. */
export interface RollbackOptions extends PushOptions {
  environment: string
  /** The model to roll back; default the one the environment serves, or the one its last change was about. */
  model?: string
  /** A registered version to give all the model's traffic to, instead of the previous state. */
  to?: string
  reason?: string
  backend: RegistryBackend
}

/** How a rollback ended. */
export type RollbackResult = PushResult & {
  model: string
  environment: string
  plan?: StatePlan
  /** The commit whose state of the model was restored (undefined with `to`). */
  restored?: string
}

function same(a: readonly ModelTraffic[], b: readonly ModelTraffic[]): boolean {
  return a.length === b.length && a.every((entry, index) => entry.version === b[index]!.version && entry.share === b[index]!.share)
}

/** The model a rollback without --model is about: the only one served, else the one the last change named. */
async function defaultModel(root: string, base: string, state: Environment): Promise<string> {
  const models = [...new Set(state.models.map((entry) => entry.model))]
  if (models.length === 1) return models[0]!
  const last = (await git(['log', '-1', '--format=%(trailers:key=Modelship-Model,valueonly,separator=%x2C)', base, '--', desiredStatePath(state.name)], { cwd: root })).trim()
  if (last && !last.includes(',')) return last
  throw new DeployRefusedError(
    models.length === 0
      ? `environment '${state.name}' serves no model; name the model to roll back (--model) and the version (--to vX.Y.Z)`
      : `environment '${state.name}' serves ${models.join(', ')}; name the model to roll back with --model`,
  )
}

/**
 * The model's entries before its current ones: the newest state in the file's history (from
 * `base` back) whose entries for the model differ from those at `base`.
 */
async function previousEntries(
  root: string,
  base: string,
  environment: string,
  model: string,
  current: readonly ModelTraffic[],
  log: (line: string) => void,
): Promise<{ changedBy: string; subject: string; from: string; entries: ModelTraffic[] }> {
  const file = desiredStatePath(environment)
  const history = (await git(['log', `--max-count=${MAX_HISTORY}`, '--format=%H %s', base, '--', file], { cwd: root })).trim().split('\n').filter(Boolean)
  for (const line of history) {
    const [commit] = line.split(' ', 1)
    const subject = line.slice(commit!.length + 1)
    // The state just before this commit changed the file.
    const parent = (await git(['rev-list', '--max-count=1', '--parents', commit!], { cwd: root })).trim().split(' ')[1]
    if (parent === undefined) continue
    let entries: ModelTraffic[]
    try {
      entries = modelTraffic((await readDesiredStateAt(root, parent, environment)).state, model)
    } catch (error) {
      // A state someone committed by hand that never validated cannot be restored; older ones may.
      log(`warning: skipped the state of ${file} at ${parent.slice(0, 12)}: ${(error as Error).message.split('\n')[0]}`)
      continue
    }
    if (!same(entries, current)) return { changedBy: commit!, subject, from: parent, entries }
  }
  const shallow = (await git(['rev-parse', '--is-shallow-repository'], { cwd: root })).trim() === 'true'
  throw new DeployRefusedError(
    `${file} has no earlier state of ${model} to roll back to (it has served ${formatTraffic(current)} throughout its ${shallow ? 'fetched ' : ''}history); ` +
      (shallow ? 'this clone is shallow, so older states are not here: fetch the history (git fetch --unshallow, or actions/checkout with fetch-depth: 0), or ' : '') +
      'name a version with --to vX.Y.Z',
  )
}

/** Every version restored must still be an active, fully registered version. */
async function assertRegistered(backend: RegistryBackend, model: string, entries: readonly ModelTraffic[]): Promise<void> {
  for (const entry of entries) {
    const ref = ModelRef.parse(`${model}@${entry.version}`)
    const resolved = await resolveVersion(backend, ref)
    await assertRegistrationFinished(backend, ref.model, resolved.version)
  }
}

/** Rolls a model in an environment back to its previous state, or to a named version. */
export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  const { environment, backend } = options
  const log = options.log ?? (() => {})
  const env = options.env ?? process.env
  if (options.model !== undefined) ModelName.parse(options.model)
  const to = options.to === undefined ? undefined : (SemVer.tryParse(options.to.startsWith('v') ? options.to : `v${options.to}`)?.toString() ?? badVersion(options.to))
  let plan: StatePlan | undefined
  let model = options.model ?? ''
  let restored: string | undefined
  const result = await applyStateChange(
    {
      environments: [environment],
      purpose: `rollback in ${environment}`,
      async plan(states, { base }) {
        const current = states.get(environment)!.state
        model = options.model ?? (await defaultModel(options.root, base, current))
        const now = modelTraffic(current, model)
        let restore: ModelTraffic[]
        let origin: string
        if (to !== undefined) {
          restore = [{ model, version: to, share: 100 }]
          origin = `Restores ${model} ${to} as asked (--to).`
          restored = undefined
        } else {
          const previous = await previousEntries(options.root, base, environment, model, now, log)
          restore = previous.entries
          origin = `Restores ${model} as it was before ${previous.changedBy.slice(0, 12)} (${previous.subject}).`
          restored = previous.from
        }
        await assertRegistered(backend, model, restore)
        plan = planRollback(current, { model, restore })
        if (!plan.changed) return { states: [], message: '' }
        const versions = plan.after.map((entry) => entry.version).join(', ')
        const message = renderChangeMessage(
          {
            subject: plan.after.length === 0 ? `roll back ${model} in ${environment}: take it out` : `roll back ${model} in ${environment} to ${formatTraffic(plan.after)}`,
            details: [`${environment}: ${plan.after.length === 0 ? `${model} none` : plan.summary} (was ${formatTraffic(plan.before)})`, origin],
            ...(options.reason !== undefined ? { reason: options.reason } : {}),
            trailers: { Action: 'rollback', Environment: environment, Model: model, Version: versions || 'none', ...(restored ? { Restores: restored } : {}) },
          },
          env,
        )
        return { states: [plan.state], message }
      },
    },
    options,
  )
  return { ...result, model, environment, ...(plan ? { plan } : {}), ...(restored ? { restored } : {}) }
}

function badVersion(text: string): never {
  throw new UsageError(`--to '${text}' is not a version; expected vMAJOR.MINOR.PATCH, e.g. --to v1.2.0`)
}
