/**
 * `modelship status --environment NAME [--server URL]`: the desired state of an environment beside
 * what a running server reports (loaded versions, traffic shares, readiness, error rate, p99 from its
 * Open Inference Protocol routes and Prometheus `/metrics`), and the last changes from git log. A
 * server that cannot be reached is said to be unreachable, never taken to mean "not deployed".
 */
import { ModelshipError } from '../errors.js'
import { git, GitCommandError } from '../git/command.js'
import { desiredStatePath, readDesiredState, type DesiredStateFile, type ModelTraffic } from './desired-state.js'

/** What the server says about one loaded version. */
export interface ServedVersion {
  model: string
  version: string
  /** Percent of the model's traffic by the server's weights; undefined when it exports none. */
  share?: number
  /** Requests answered since the server started. */
  requests: number
  /** Of those, answered with a 5xx status. */
  errors: number
  /** errors / requests; undefined with no requests. */
  errorRate?: number
  /** 99th percentile of request time in milliseconds, from the histogram buckets; undefined with no requests. */
  p99Ms?: number
  /** From a reconciling server: the version's own health. */
  health?: 'ready' | 'unavailable'
  /** From a reconciling server: `serving`, `canary` or `standby` (loaded at 0 % for an instant rollback). */
  role?: 'serving' | 'canary' | 'standby'
}

/** What a reconciling server (`modelship serve --environment`) says of its rollouts, from GET /v2/deploy/status. */
export interface ReconcilerView {
  /** The environment the server follows. */
  environment: string
  phase: string
  /** The desired-state commit it last read; null before its first fetch. */
  desiredCommit: string | null
  lastError: string | null
  rollouts: Array<{ model: string; version: string; phase: string; share: number; attempt: number }>
  failures: Array<{ model: string; version: string; reason: string; at: string }>
}

/** What the server says about one model of the desired state. */
export interface ServedModel {
  model: string
  /** Versions it has loaded (from GET /v2/models/{model}); empty when it does not serve the model. */
  loaded: string[]
  ready: boolean
  /** Why `loaded` is unknown (a non-404 failure of the metadata request). */
  problem?: string
}

/** A server report: reachable with what it serves, or unreachable with why. */
export type ServerReport =
  | { url: string; reachable: true; live: boolean; models: ServedModel[]; versions: ServedVersion[]; metricsProblem?: string; reconciler?: ReconcilerView }
  | { url: string; reachable: false; reason: string }

/** One change of the desired-state file in git log. */
export interface StateChangeEntry {
  commit: string
  author: string
  /** ISO 8601 author date. */
  date: string
  subject: string
  reason?: string
  run?: string
}

/** Everything status shows. */
export interface EnvironmentStatus {
  environment: string
  desired: DesiredStateFile
  server?: ServerReport
  changes: StateChangeEntry[]
}

/** Options of `environmentStatus`. */
export interface StatusOptions {
  root: string
  environment: string
  /** Base URL of a server following this environment, e.g. http://127.0.0.1:8080. */
  server?: string
  /** Bearer token for the server, when it asks for one. */
  token?: string
  /** How many changes of git log to show; default 10. */
  changes?: number
  /** How long to wait for each server request, in ms; default 5000. */
  timeoutMs?: number
}

/** One sample of the Prometheus text format. */
interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Parses the Prometheus text exposition format (what prom-client writes); comments and bad lines are skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line)
    if (!match) continue
    const labels: Record<string, string> = {}
    const body = match[3] ?? ''
    const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g
    for (let m = pair.exec(body); m; m = pair.exec(body)) labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    const value = match[4] === '+Inf' ? Infinity : Number(match[4])
    if (!Number.isNaN(value)) samples.push({ name: match[1]!, labels, value })
  }
  return samples
}

/**
 * The q-quantile of a cumulative histogram (Prometheus' histogram_quantile: linear within the
 * bucket that holds the rank; the rank in the +Inf bucket answers the highest finite bound).
 */
export function histogramQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le)
  const total = sorted.at(-1)?.count ?? 0
  if (total === 0) return undefined
  const rank = q * total
  let previousLe = 0
  let previousCount = 0
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return previousLe
      const inBucket = bucket.count - previousCount
      return inBucket === 0 ? bucket.le : previousLe + ((bucket.le - previousLe) * (rank - previousCount)) / inBucket
    }
    previousLe = bucket.le
    previousCount = bucket.count
  }
  return previousLe
}

/** Per-version numbers from the server's /metrics (modelship serve's metric names). */
export function versionsFromMetrics(samples: readonly Sample[]): ServedVersion[] {
  const versions = new Map<string, ServedVersion & { buckets: Map<number, number>; weight?: number }>()
  const entry = (model: string, version: string) => {
    const id = `${model}@${version}`
    let found = versions.get(id)
    if (!found) versions.set(id, (found = { model, version, requests: 0, errors: 0, buckets: new Map() }))
    return found
  }
  for (const sample of samples) {
    const { model, version } = sample.labels
    if (!model || !version) continue
    if (sample.name === 'modelship_serve_requests_total') {
      const counted = entry(model, version)
      counted.requests += sample.value
      if (/^5\d\d$/.test(sample.labels.status ?? '')) counted.errors += sample.value
    } else if (sample.name === 'modelship_serve_request_duration_seconds_bucket' && sample.labels.le !== undefined) {
      // Summed over routes: a version's requests, whatever route they came by.
      const buckets = entry(model, version).buckets
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le)
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value)
    } else if (sample.name === 'modelship_serve_version_weight') {
      entry(model, version).weight = sample.value
    }
  }
  const totals = new Map<string, number>()
  for (const v of versions.values()) if (v.weight !== undefined) totals.set(v.model, (totals.get(v.model) ?? 0) + v.weight)
  return [...versions.values()].map(({ buckets, weight, ...v }) => {
    const p99 = histogramQuantile(0.99, [...buckets].map(([le, count]) => ({ le, count })))
    const total = totals.get(v.model)
    return {
      ...v,
      ...(weight !== undefined && total ? { share: (weight / total) * 100 } : {}),
      ...(v.requests > 0 ? { errorRate: v.errors / v.requests } : {}),
      ...(p99 !== undefined ? { p99Ms: p99 * 1000 } : {}),
    }
  })
}

/** Why a request did not get an answer: the error code when node gives one (ECONNREFUSED), else its message. */
function unreachableReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  if ((error as Error).name === 'TimeoutError') return 'no answer in time'
  return cause?.code ?? cause?.message ?? (error as Error).message
}

/**
 * Asks the server at `url` what it serves of `models`. Unreachable (connection refused, DNS, time
 * out) is a report of its own; a route that answers with an error is a problem on that model.
 */
export async function readServer(url: string, models: readonly string[], options: { token?: string; timeoutMs?: number } = {}): Promise<ServerReport> {
  const base = url.replace(/\/+$/, '')
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {}
  const timeoutMs = options.timeoutMs ?? 5000
  const get = (path: string) => fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) })
  let live: boolean
  try {
    live = (await get('/v2/health/live')).ok
  } catch (error) {
    return { url: base, reachable: false, reason: unreachableReason(error) }
  }
  // A reconciling server says it all in one open route; any other server is read the generic way.
  const deploy = await readDeployStatus(get)
  if (deploy) return { url: base, reachable: true, live, ...deploy }
  const served: ServedModel[] = []
  for (const model of models) {
    const path = `/v2/models/${encodeURIComponent(model)}`
    try {
      const response = await get(path)
      if (response.status === 404) {
        served.push({ model, loaded: [], ready: false })
        continue
      }
      if (!response.ok) {
        served.push({ model, loaded: [], ready: false, problem: `GET ${path} answered ${response.status}${response.status === 401 ? ' (pass the server token: MODELSHIP_SERVER_TOKEN)' : ''}` })
        continue
      }
      const metadata = (await response.json()) as { versions?: unknown }
      const loaded = Array.isArray(metadata.versions) ? metadata.versions.map(String) : []
      const ready = (await get(`${path}/ready`)).ok
      served.push({ model, loaded, ready })
    } catch (error) {
      served.push({ model, loaded: [], ready: false, problem: `GET ${path} failed: ${unreachableReason(error)}` })
    }
  }
  let versions: ServedVersion[] = []
  let metricsProblem: string | undefined
  try {
    const response = await get('/metrics')
    if (response.ok) versions = versionsFromMetrics(parsePrometheusText(await response.text()))
    else metricsProblem = `GET /metrics answered ${response.status}${response.status === 401 ? ' (pass the metrics token: MODELSHIP_SERVER_TOKEN)' : ''}`
  } catch (error) {
    metricsProblem = `GET /metrics failed: ${unreachableReason(error)}`
  }
  return { url: base, reachable: true, live, models: served, versions, ...(metricsProblem ? { metricsProblem } : {}) }
}

interface DeployStatusBody {
  environment: string
  phase: string
  desiredCommit: string | null
  lastError: string | null
  models: Array<{
    model: string
    versions: Array<{ version: string; share: number; role: 'serving' | 'canary' | 'standby'; health: 'ready' | 'unavailable'; requests: number; errorRate: number; p99Ms: number | null }>
    rollout: { version: string; phase: string; share: number; attempt: number } | null
    failures: Array<{ version: string; reason: string; at: string }>
  }>
}

/**
 * GET /v2/deploy/status, read into the report's shape; undefined when the server does not offer it
 * (404, or an answer not of that shape) or it fails, so the generic routes are asked instead.
 */
async function readDeployStatus(get: (path: string) => Promise<Response>): Promise<Pick<Extract<ServerReport, { reachable: true }>, 'models' | 'versions' | 'reconciler'> | undefined> {
  let body: unknown
  try {
    const response = await get('/v2/deploy/status')
    if (!response.ok) {
      await response.arrayBuffer()
      return undefined
    }
    body = await response.json()
  } catch {
    return undefined
  }
  if (!isDeployStatus(body)) return undefined
  const models: ServedModel[] = body.models.map((m) => ({ model: m.model, loaded: m.versions.map((v) => v.version), ready: m.versions.some((v) => v.health === 'ready' && v.share > 0) }))
  const versions: ServedVersion[] = body.models.flatMap((m) =>
    m.versions.map((v) => ({
      model: m.model,
      version: v.version,
      share: v.share,
      requests: v.requests,
      errors: Math.round(v.errorRate * v.requests),
      ...(v.requests > 0 ? { errorRate: v.errorRate } : {}),
      ...(v.p99Ms !== null ? { p99Ms: v.p99Ms } : {}),
      health: v.health,
      role: v.role,
    })),
  )
  const reconciler: ReconcilerView = {
    environment: body.environment,
    phase: body.phase,
    desiredCommit: body.desiredCommit,
    lastError: body.lastError,
    rollouts: body.models.flatMap((m) => (m.rollout ? [{ model: m.model, ...m.rollout }] : [])),
    failures: body.models.flatMap((m) => m.failures.map((f) => ({ model: m.model, ...f }))),
  }
  return { models, versions, reconciler }
}

function isDeployStatus(value: unknown): value is DeployStatusBody {
  const v = value as DeployStatusBody
  return (
    typeof v === 'object' && v !== null && typeof v.environment === 'string' && typeof v.phase === 'string' && Array.isArray(v.models) &&
    v.models.every((m) => typeof m?.model === 'string' && Array.isArray(m.versions) && Array.isArray(m.failures) && m.versions.every((x) => typeof x?.version === 'string' && typeof x.share === 'number' && typeof x.requests === 'number' && typeof x.errorRate === 'number'))
  )
}

/** The last `limit` changes of the environment's file, newest first. */
export async function lastChanges(root: string, environment: string, limit = 10): Promise<StateChangeEntry[]> {
  const format = ['%H', '%an', '%aI', '%s', '%(trailers:key=Modelship-Reason,valueonly,separator=%x20)', '%(trailers:key=Modelship-Run,valueonly,separator=%x20)'].join('%x1f')
  let out: string
  try {
    out = await git(['log', `--max-count=${limit}`, `--format=${format}%x1e`, 'HEAD', '--', desiredStatePath(environment)], { cwd: root })
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error
    if (/not a git repository/i.test(error.stderr)) throw new ModelshipError(`${root} is not a git repository; the desired state and its history live in git: run from a clone`)
    // A repository with no commit yet has no history to show.
    if (/does not have any commits|unknown revision/i.test(error.stderr)) return []
    throw error
  }
  return out
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record.trim() !== '')
    .map((record) => {
      const [commit, author, date, subject, reason, run] = record.split('\x1f').map((field) => field.trim())
      return { commit: commit!, author: author!, date: date!, subject: subject!, ...(reason ? { reason } : {}), ...(run ? { run } : {}) }
    })
}

/** Gathers the status of one environment. */
export async function environmentStatus(options: StatusOptions): Promise<EnvironmentStatus> {
  const desired = await readDesiredState(options.root, options.environment)
  const changes = await lastChanges(options.root, options.environment, options.changes)
  if (options.server === undefined) return { environment: options.environment, desired, changes }
  const models = [...new Set(desired.state.models.map((entry) => entry.model))]
  const server = await readServer(options.server, models, { ...(options.token ? { token: options.token } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) })
  return { environment: options.environment, desired, server, changes }
}

function percent(value: number | undefined): string {
  return value === undefined ? '-' : `${Math.round(value * 10) / 10}%`
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}`)
}

/** The status as text for a person. */
export function formatStatus(status: EnvironmentStatus): string {
  const lines: string[] = []
  const { desired, server } = status
  lines.push(`Environment ${status.environment} (${desired.file}${desired.text === undefined ? ', not created yet' : ''})`)
  const entries: ModelTraffic[] = desired.state.models
  if (!server || !server.reachable) {
    if (entries.length === 0) lines.push('  desired: no model')
    else lines.push(...table([['model', 'version', 'desired'], ...entries.map((entry) => [entry.model, entry.version, percent(entry.share)])]))
  } else {
    const served = new Map(server.versions.map((v) => [`${v.model}@${v.version}`, v]))
    const loaded = new Map(server.models.map((m) => [m.model, m]))
    const rows = [['model', 'version', 'desired', 'loaded', 'served', 'ready', 'requests', 'errors', 'p99']]
    const seen = new Set<string>()
    const row = (model: string, version: string, share: number | undefined) => {
      const id = `${model}@${version}`
      seen.add(id)
      const numbers = served.get(id)
      const info = loaded.get(model)
      const isLoaded = info ? info.loaded.includes(version) : numbers !== undefined
      rows.push([
        model,
        version,
        share === undefined ? '-' : percent(share),
        info?.problem ? '?' : isLoaded ? 'yes' : 'no',
        `${percent(numbers?.share)}${numbers?.role && numbers.role !== 'serving' ? ` ${numbers.role}` : ''}`,
        info?.problem ? '?' : numbers?.health !== undefined ? (numbers.health === 'ready' ? 'yes' : 'no') : isLoaded && info?.ready ? 'yes' : 'no',
        numbers ? String(numbers.requests) : '-',
        numbers?.errorRate === undefined ? '-' : `${Math.round(numbers.errorRate * 10000) / 100}%`,
        numbers?.p99Ms === undefined ? '-' : `${Math.round(numbers.p99Ms)} ms`,
      ])
    }
    for (const entry of entries) row(entry.model, entry.version, entry.share)
    // Versions the server serves that the desired state does not name: drift a person should see.
    for (const model of server.models) for (const version of model.loaded) if (!seen.has(`${model.model}@${version}`)) row(model.model, version, undefined)
    if (rows.length === 1) lines.push('  desired: no model')
    else lines.push(...table(rows))
  }
  if (!server) {
    lines.push('', 'No server given (--server URL or MODELSHIP_SERVER_URL): the desired state only, not what serves.')
  } else if (!server.reachable) {
    lines.push(
      '',
      `Server ${server.url} could not be reached (${server.reason}): what it serves is unknown. The table is what git says ${status.environment} should serve.`,
    )
  } else {
    lines.push('', `Server ${server.url}: ${server.live ? 'live' : 'not live'}`)
    for (const model of server.models) if (model.problem) lines.push(`  ${model.model}: ${model.problem}`)
    if (server.metricsProblem) lines.push(`  ${server.metricsProblem}: no shares, error rates or p99`)
    const r = server.reconciler
    if (r) {
      const at = r.desiredCommit ? `desired state read at ${r.desiredCommit.slice(0, 7)}` : 'desired state not read yet'
      lines.push(`  reconciler: ${r.phase}; ${at}${r.environment !== status.environment ? `; it follows environment ${r.environment}, not ${status.environment}` : ''}`)
      for (const rollout of r.rollouts) lines.push(`  rollout: ${rollout.model} ${rollout.version} ${rollout.phase} at ${percent(rollout.share)} (attempt ${rollout.attempt})`)
      if (r.lastError) lines.push(`  last problem: ${r.lastError}`)
      if (r.failures.length > 0) {
        lines.push('  recent failures:')
        for (const f of r.failures) lines.push(`    ${f.at.replace('T', ' ').slice(0, 19)}  ${f.model} ${f.version}: ${f.reason}`)
      }
    }
  }
  lines.push('', `Last changes of ${desired.file}:`)
  if (status.changes.length === 0) lines.push('  none in git log (the file is not committed yet)')
  for (const change of status.changes) {
    const extra = [change.reason ? `reason: ${change.reason}` : '', change.run ? `run: ${change.run}` : ''].filter(Boolean).join('; ')
    lines.push(`  ${change.date.replace('T', ' ').slice(0, 16)}  ${change.commit.slice(0, 7)}  ${change.author}  ${change.subject}${extra ? `  (${extra})` : ''}`)
  }
  return `${lines.join('\n')}\n`
}
