/**
 * The desired state of one environment, `deploy/<environment>.yaml`: which versions of which models
 * serve there and each version's share of its model's traffic. Deploys, rollbacks and retirements
 * only ever change this file (its git log is the audit trail), so this module reads, validates and
 * writes it, and plans each change as a pure function of the state it starts from: a change that
 * races another is planned again on the newer state, never merged as text.
 */
import { mkdir, readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { isMap, isScalar, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document } from 'yaml'
import { ModelshipError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-file.js'
import { SemVer } from '../registry/semver.js'
import { API_VERSION } from '../spec/fields.js'
import { InvalidSpecError } from '../spec/invalid-spec-error.js'
import { validateEnvironmentText } from '../spec/validate.js'
import { MAX_SPEC_BYTES } from '../spec/yaml-source.js'
import { DeployRefusedError } from './errors.js'

/** One model version in an environment and its share of that model's requests, in percent (0–100). */
export interface ModelTraffic {
  model: string
  /** Tag form with the leading 'v': `v1.3.0`. */
  version: string
  share: number
}

/** What `deploy/<environment>.yaml` says: the environment and its model versions (the shares of each model add up to 100). */
export interface Environment {
  name: string
  models: ModelTraffic[]
}

/** A desired-state file as read: the state, and its text when the file exists (kept so a rewrite keeps its comments). */
export interface DesiredStateFile {
  /** Repository-relative path, `deploy/<environment>.yaml`. */
  file: string
  state: Environment
  /** The file's text; undefined when the file does not exist yet. */
  text?: string
}

/** Options of `parseDesiredState` and `readDesiredState`. */
export interface ParseDesiredStateOptions {
  /**
   * Names of the models that have a spec in the repository; a state naming another model is invalid.
   * Leave it out to accept any model name (reading an old state from git history, where a model may
   * since have been removed).
   */
  models?: ReadonlySet<string>
}

/** A planned change of one environment's state; `changed` is false when the state already says so (a no-op). */
export interface StatePlan {
  state: Environment
  changed: boolean
  model: string
  /** The model's entries before the change. */
  before: ModelTraffic[]
  /** The model's entries after the change (empty when it was removed). */
  after: ModelTraffic[]
  /** One line a person reads in a log or commit message: `churn v1.3.0 10%, v1.2.0 90%`. */
  summary: string
}

/** What `planDeploy` is asked: a version of a model and its share in percent (100 replaces every other version). */
export interface DeployRequest {
  model: string
  version: string
  share: number
}

/** The file that holds an environment's desired state: `deploy/<environment>.yaml`. */
export function desiredStatePath(environment: string): string {
  return `deploy/${environment}.yaml`
}

/** An environment with no model deployed. */
export function emptyEnvironment(name: string): Environment {
  return { name, models: [] }
}

/** Accepts every model name: for states read from history, whose models may no longer have a spec. */
class AnyModel extends Set<string> {
  override has(): boolean {
    return true
  }
}

/**
 * Parses and validates the text of a desired-state file with the same rules as `modelship validate`
 * (shape, name matching the file, one entry per version, shares adding up to 100, known models);
 * throws InvalidSpecError listing every problem with its line and column.
 */
export function parseDesiredState(text: string, file: string, options: ParseDesiredStateOptions = {}): Environment {
  const validated = validateEnvironmentText(text, file, options.models ?? new AnyModel())
  if (!validated.spec) throw new InvalidSpecError(file, validated.problems)
  return sortEnvironment({
    name: validated.spec.name,
    models: validated.spec.models.map((entry) => ({ model: entry.model, version: entry.version, share: entry.traffic })),
  })
}

/**
 * Reads `deploy/<environment>.yaml` under `root`. A file that does not exist is an empty state (the
 * first deploy creates it); one that exists but cannot be read is an error saying why, never "empty".
 */
export async function readDesiredState(root: string, environment: string, options: ParseDesiredStateOptions = {}): Promise<DesiredStateFile> {
  const file = desiredStatePath(environment)
  const path = join(root, file)
  let text: string
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new ModelshipError(`${file} is not a file; expected the desired state of environment '${environment}'`)
    if (info.size > MAX_SPEC_BYTES) {
      throw new ModelshipError(`${file} is ${info.size} bytes; a desired-state file is at most ${MAX_SPEC_BYTES} bytes (1 MiB)`)
    }
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (error instanceof ModelshipError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { file, state: emptyEnvironment(environment) }
    throw new ModelshipError(`could not read ${file} (${code ?? (error as Error).message}); check its permissions`, { cause: error })
  }
  return { file, state: parseDesiredState(text, file, options), text }
}

/** Versions in precedence order; a version that is not semver (never written by us) sorts by text after the rest. */
function compareVersions(a: string, b: string): number {
  const left = SemVer.tryParse(a)
  const right = SemVer.tryParse(b)
  if (left && right) return left.compare(right)
  if (left || right) return left ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The canonical order, so the same state always renders the same file: by model name, then by
 * version (not by share, so shifting shares does not reorder lines).
 */
function sortEnvironment(state: Environment): Environment {
  const models = [...state.models].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : compareVersions(a.version, b.version)))
  return { name: state.name, models }
}

/** The entries of one model, in canonical order. */
export function modelTraffic(state: Environment, model: string): ModelTraffic[] {
  return sortEnvironment(state).models.filter((entry) => entry.model === model)
}

/** True when both states serve the same versions with the same shares (order aside). */
export function sameEnvironment(a: Environment, b: Environment): boolean {
  const left = sortEnvironment(a).models
  const right = sortEnvironment(b).models
  return a.name === b.name && left.length === right.length && left.every((entry, index) => sameEntry(entry, right[index]!))
}

function sameEntry(a: ModelTraffic, b: ModelTraffic): boolean {
  return a.model === b.model && a.version === b.version && a.share === b.share
}

/** `v1.3.0 10%, v1.2.0 90%`, newest first; `none` for no entries. */
export function formatTraffic(entries: readonly ModelTraffic[]): string {
  if (entries.length === 0) return 'none'
  return [...entries]
    .sort((a, b) => compareVersions(b.version, a.version))
    .map((entry) => `${entry.version} ${formatShare(entry.share)}%`)
    .join(', ')
}

function formatShare(share: number): string {
  return String(Math.round(share * 1000) / 1000)
}

/**
 * Throws DeployRefusedError unless every model's shares add up to 100 and each version appears once.
 * A plan's output always passes; this guards states built elsewhere (the reconciler, tests).
 */
export function checkShares(state: Environment): void {
  const totals = new Map<string, number>()
  const seen = new Set<string>()
  for (const entry of state.models) {
    const id = `${entry.model}@${entry.version}`
    if (seen.has(id)) throw new DeployRefusedError(`${id} is listed twice in environment '${state.name}'; keep one entry per version`)
    seen.add(id)
    if (!Number.isFinite(entry.share) || entry.share < 0 || entry.share > 100) {
      throw new DeployRefusedError(`${id} has share ${entry.share} in environment '${state.name}'; a share is a percent from 0 to 100`)
    }
    totals.set(entry.model, (totals.get(entry.model) ?? 0) + entry.share)
  }
  for (const [model, total] of totals) {
    if (Math.abs(total - 100) > 1e-9) {
      throw new DeployRefusedError(
        `traffic of ${model} in environment '${state.name}' adds up to ${formatShare(total)} (${formatTraffic(modelTraffic(state, model))}); the versions of a model share 100`,
      )
    }
  }
}

function plan(state: Environment, model: string, after: ModelTraffic[]): StatePlan {
  const before = modelTraffic(state, model)
  const next = sortEnvironment({ name: state.name, models: [...state.models.filter((entry) => entry.model !== model), ...after] })
  checkShares(next)
  const changed = !sameEnvironment(state, next)
  return { state: next, changed, model, before, after: modelTraffic(next, model), summary: `${model} ${formatTraffic(modelTraffic(next, model))}` }
}

/**
 * Plans a deploy of `version` with `share` percent of its model's traffic. The version serving the
 * most of the rest (the stable one) keeps 100 − share; any other version of the model (an earlier
 * canary) is dropped. A share of 100, or a model not yet in the environment, leaves the new version
 * alone at 100 %. Deploying what the state already says is a no-op (`changed: false`).
 */
export function planDeploy(state: Environment, request: DeployRequest): StatePlan {
  const { model, version, share } = request
  if (!SemVer.tryParse(version)) throw new DeployRefusedError(`'${version}' is not a version; expected v<major>.<minor>.<patch> such as v1.3.0`)
  if (!Number.isFinite(share) || share <= 0 || share > 100) {
    throw new DeployRefusedError(`traffic ${share} for ${model}@${version} is not a share; expected a percent above 0 and at most 100, e.g. 10`)
  }
  const others = modelTraffic(state, model).filter((entry) => entry.version !== version)
  // The stable version is the one serving most of the traffic; on a tie, the newer one.
  const stable = [...others].sort((a, b) => b.share - a.share || compareVersions(b.version, a.version))[0]
  if (share === 100 || !stable) return plan(state, model, [{ model, version, share: 100 }])
  return plan(state, model, [
    { model, version: stable.version, share: 100 - share },
    { model, version, share },
  ])
}

/** What `planRollback` restores: the entries the model had before (empty takes the model out). */
export interface RollbackRequest {
  model: string
  restore: readonly ModelTraffic[]
}

/** Plans a rollback: the model's entries become `restore` exactly (its shares must add up to 100). */
export function planRollback(state: Environment, request: RollbackRequest): StatePlan {
  const foreign = request.restore.find((entry) => entry.model !== request.model)
  if (foreign) throw new DeployRefusedError(`cannot restore ${foreign.model}@${foreign.version} as a state of ${request.model}`)
  return plan(state, request.model, request.restore.map((entry) => ({ ...entry })))
}

/** Plans taking `model` out of the environment; a no-op when it is not there. */
export function planRetire(state: Environment, model: string): StatePlan {
  return plan(state, model, [])
}

/** The header a new desired-state file starts with; an existing file keeps its own comments. */
function newDocument(name: string): Document {
  const document = parseDocument(
    [
      `# Desired state of the ${name} environment: which model versions serve, and each one's share of traffic`,
      '# (the shares of a model add up to 100). modelship deploy, rollback and retire commit changes to this',
      '# file; its git log is the audit trail.',
      `apiVersion: ${API_VERSION}`,
      'kind: Environment',
      `name: ${name}`,
      'models: []',
      '',
    ].join('\n'),
  )
  return document
}

function scalarValue(map: YAMLMap, key: string): unknown {
  const node = map.get(key, true)
  return isScalar(node) ? node.value : node
}

/** Sets `key` to a plain scalar when its value differs, keeping the comment after the old value. */
function setValue(document: Document, map: YAMLMap, key: string, value: string | number): void {
  const current = map.get(key, true)
  if (isScalar(current) && current.value === value) return
  const node = document.createNode(value)
  if (isScalar(current)) node.comment = current.comment
  map.set(key, node)
}

/**
 * The text of `state` as a desired-state file. Given the file's current text, the document is edited
 * rather than rewritten, so its comments stay, an unchanged entry keeps its own comments and an
 * entry whose share changed keeps its node; entries are in the canonical order, so the same state
 * always renders the same text.
 */
export function renderDesiredState(state: Environment, previousText?: string): string {
  const document = previousText === undefined ? newDocument(state.name) : parseDocument(previousText)
  if (previousText !== undefined && (document.errors.length > 0 || !isMap(document.contents))) {
    // A state is only written after its file was read and validated, so this is a caller's bug.
    throw new ModelshipError('the current desired-state file is not a YAML mapping; validate it before writing over it')
  }
  const existing = document.get('models', true)
  const nodes = new Map<string, YAMLMap>()
  if (isSeq(existing)) {
    for (const item of existing.items) {
      if (!isMap(item)) continue
      const version = String(scalarValue(item, 'version') ?? '')
      nodes.set(`${String(scalarValue(item, 'model'))}@${version.startsWith('v') ? version : `v${version}`}`, item)
    }
  }
  const sequence = new YAMLSeq()
  for (const entry of sortEnvironment(state).models) {
    const node = nodes.get(`${entry.model}@${entry.version}`)
    if (node) {
      setValue(document, node, 'version', entry.version)
      setValue(document, node, 'traffic', entry.share)
      sequence.items.push(node)
    } else {
      sequence.items.push(document.createNode({ model: entry.model, version: entry.version, traffic: entry.share }) as YAMLMap)
    }
  }
  // An empty list reads best as `[]`; entries as a block list, one key a line.
  sequence.flow = sequence.items.length === 0
  if (isSeq(existing)) {
    sequence.commentBefore = existing.commentBefore
    sequence.comment = existing.comment
  }
  document.set('models', sequence)
  document.set('name', state.name)
  return document.toString({ lineWidth: 0 })
}

/**
 * Writes `state` to `deploy/<environment>.yaml` under `root` atomically (a reader sees the old file or
 * the new one, never a part), keeping the comments of `previousText`. Answers the text written.
 */
export async function writeDesiredState(root: string, state: Environment, previousText?: string): Promise<string> {
  checkShares(state)
  const text = renderDesiredState(state, previousText)
  const path = join(root, desiredStatePath(state.name))
  await mkdir(dirname(path), { recursive: true })
  await writeFileAtomic(path, text)
  return text
}
