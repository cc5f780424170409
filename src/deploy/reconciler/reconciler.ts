/**
 * The pull reconciler behind `modelship serve --environment NAME`: it follows `deploy/<env>.yaml` at
 * the remote branch head (fetching every poll interval, or when poked) and makes the server in this
 * process serve it. A new version is downloaded and checked against the sha256s its version tag
 * recorded, loaded beside the old one, sent a smoke request built from its signature and health
 * checked; then it takes the canary share while its error rate and p99 are watched for the spec's
 * window, and is promoted to 100 % or reverted. A revert moves traffic back in the same tick as the
 * request that breached the limit; git is told afterwards (a commit restoring what is live), so git
 * stays the truth without the server waiting for it.
 *
 * Each step that changes what serves is preceded by an atomic write of the state folder, so a process
 * killed anywhere restarts serving the last live versions and starts the interrupted rollout again
 * (at most `maxAttempts` times; then it is reverted in git like a breached canary).
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ModelshipError } from '../../errors.js'
import { createStagingDir, promoteDir } from '../../fs/atomic-file.js'
import { download, type RegistryBackend } from '../../registry/index.js'
import { fromJsonValues, type DecodedTensor } from '../../serve/datatypes.js'
import type { LoadedVersion, ModelStore } from '../../serve/model-store.js'
import type { ServeObserver } from '../../serve/server.js'
import { parseDurationMs } from '../../spec/duration.js'
import type { ModelSpec } from '../../spec/model-schema.js'
import { formatTraffic, type ModelTraffic } from '../desired-state.js'
import { renderChangeMessage } from '../message.js'
import { formatRate, judgeCanary, OutcomeWindow, type CanaryLimits, type CanaryVerdict, type WindowFigures } from './canary.js'
import type { DeploymentReporter, RolloutOutcome } from './github-status.js'
import type { DesiredSnapshot, ReconcilerRepository } from './repository.js'
import { readState, writeState, type LiveVersion, type ReconcilerState } from './state-file.js'

/** Points of a rollout a test (or a debugger) can stop at; the process may be killed there. */
export type ReconcilerPoint = 'downloading' | 'downloaded' | 'loaded' | 'canary' | 'promoting' | 'reverted'

/** Options of `Reconciler`. */
export interface ReconcilerOptions {
  environment: string
  repository: ReconcilerRepository
  /** Where the state file and the verified model files live. */
  stateDir: string
  /** Resolves and downloads versions (the local backend reads the clone's tags and refs/modelship). */
  registry: () => RegistryBackend
  log: (line: string) => void
  /** Called at each point of a rollout and awaited; default none. */
  checkpoint?: (point: ReconcilerPoint, detail: { model: string; version: string }) => Promise<void> | void
  /** Starts of one rollout before it is given up as failed (a process killed during each); default 2. */
  maxAttempts?: number
  /** Requests to the canary before its limits are judged; default 10. */
  minRequests?: number
  /** Sets the GitHub deployment statuses of the changes it sees through; default none (not reported). */
  deployments?: DeploymentReporter
}

/** One version as the status route reports it. */
export interface VersionReport {
  version: string
  /** Percent of the model's traffic. */
  share: number
  role: 'serving' | 'canary' | 'standby'
  health: 'ready' | 'unavailable'
  /** Over its last 1000 inference requests (the canary: since its canary began). */
  requests: number
  errorRate: number
  p99Ms: number | null
}

/** What `GET /v2/deploy/status` answers. */
export interface ReconcilerReport {
  environment: string
  repository: string
  branch: string
  /** The desired-state commit last read; null before the first fetch succeeded. */
  desiredCommit: string | null
  /** `idle`, `reconciling`, or `canary` while a canary is watched. */
  phase: 'idle' | 'reconciling' | 'canary'
  /** The last problem of a pass (fetch failed, invalid state, failed rollout); null when the last pass was clean. */
  lastError: string | null
  models: Array<{
    model: string
    desired: ModelTraffic[]
    versions: VersionReport[]
    rollout: { version: string; phase: string; share: number; attempt: number } | null
    failures: Array<{ version: string; reason: string; at: string }>
  }>
}

interface ActiveCanary {
  model: string
  version: string
  stable: string[]
  limits: CanaryLimits
  window: OutcomeWindow
  baseline: OutcomeWindow
  revertWeights: Record<string, number>
  settle: (verdict: CanaryVerdict) => void
  settled: boolean
}

const STATUS_WINDOW = 1000

type HealthCheck = ModelSpec['deploy'][number]['healthCheck']
/** The spec's defaults, for a model whose spec names no deploy entry for this environment. */
const DEFAULT_HEALTH_CHECK: HealthCheck = { path: '/v2/health/ready', timeoutSeconds: 5, retries: 3, periodSeconds: 10 }

/** Raised for a rollout that must be reverted (smoke request, health check, checksum, load). */
class RolloutFailed extends ModelshipError {}

/** The reconciler of one environment over one server's model store. */
export class Reconciler {
  private state!: ReconcilerState
  private store: ModelStore | undefined
  private serverUrl = ''
  private desired: DesiredSnapshot | undefined
  private lastError: string | null = null
  private running: Promise<void> | undefined
  private again = false
  private timer: NodeJS.Timeout | undefined
  private canary: ActiveCanary | undefined
  private stopped = false
  private readonly windows = new Map<string, OutcomeWindow>()
  private readonly listeners = new Set<(event: string) => void>()
  /** GitHub reports in order, off the pass: a slow or unreachable API never holds a revert or git. */
  private github: Promise<void> = Promise.resolve()
  /** `commit model` pairs already reported, so a pass in sync does not report again. */
  private readonly reported = new Set<string>()

  constructor(private readonly options: ReconcilerOptions) {}

  /**
   * Reads the state folder and answers the versions to load before the server starts (the last live
   * ones, their files checked again against their sha256s); a file that changed is left out.
   */
  async restore(): Promise<Array<{ model: string; version: string; path: string; share: number }>> {
    this.state = await readState(this.options.stateDir, this.options.environment)
    await this.removeStaging()
    if (this.state.rollout) {
      const r = this.state.rollout
      this.options.log(`reconciler: restarted during the rollout of ${r.model} ${r.version} (${r.phase}, attempt ${r.attempt}); serving the last live versions: ${this.describeLive()}`)
    }
    const out: Array<{ model: string; version: string; path: string; share: number }> = []
    for (const [model, versions] of Object.entries(this.state.live)) {
      const kept: LiveVersion[] = []
      for (const v of versions) {
        const actual = await fileSha256(v.path).catch(() => undefined)
        if (actual !== v.sha256) {
          this.options.log(`reconciler: ${model} ${v.version}'s file ${v.path} ${actual === undefined ? 'cannot be read' : 'no longer matches its sha256'}; it is downloaded again`)
          continue
        }
        kept.push(v)
        out.push({ model, version: v.version, path: v.path, share: v.share })
      }
      this.state.live[model] = kept
    }
    await this.persist()
    return out
  }

  /** Hooks the store and the server's URL (for the health check) in; call after `restore` and the server start. */
  attach(store: ModelStore, serverUrl: string): void {
    this.store = store
    this.serverUrl = serverUrl
  }

  /** The observer that feeds the canary and the status figures; combine it with the server's own. */
  get observer(): Required<Pick<ServeObserver, 'request'>> {
    return { request: (info) => this.recordRequest(info) }
  }

  /** Reconciles now, then every `pollSeconds`. */
  start(pollSeconds: number): void {
    const tick = () => {
      if (this.stopped) return
      this.poke()
      this.timer = setTimeout(tick, pollSeconds * 1000)
      this.timer.unref()
    }
    tick()
  }

  /** Asks for a pass soon: one starts now, or right after the one running. Answers when that pass ends. */
  poke(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running.then(() => this.running ?? Promise.resolve())
    }
    this.running = (async () => {
      try {
        do {
          this.again = false
          await this.pass()
        } while (this.again && !this.stopped)
      } finally {
        this.running = undefined
      }
    })()
    return this.running
  }

  /** Stops polling; a canary under way is reverted (the old versions keep serving). */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    if (this.canary) this.breach(this.canary, { breached: true, limit: 'stopped', reason: 'the server is stopping' })
    await this.running
    await this.github
  }

  /** Queues the GitHub deployment status of an outcome (once per commit and model); failures are logged, never thrown. */
  private tellGitHub(outcome: RolloutOutcome): void {
    const reporter = this.options.deployments
    const key = `${outcome.commit} ${outcome.model}`
    if (!reporter || this.reported.has(key)) return
    this.reported.add(key)
    const what = `${outcome.model} ${outcome.version} at ${outcome.commit.slice(0, 7)}`
    this.github = this.github.then(async () => {
      try {
        const result = await reporter.report(outcome)
        if (result.outcome === 'set') this.emit(`GitHub deployment ${result.id} of ${what}: ${result.state}`)
        else if (result.outcome === 'finished') this.emit(`GitHub deployment ${result.id} of ${what} is already ${result.state}; left as it is`)
        else this.emit(`no GitHub deployment in ${reporter.repository} records ${what}; no status to set`)
      } catch (error) {
        // Forgotten, so the next pass in sync tries again.
        this.reported.delete(key)
        this.emit(`could not set the GitHub deployment status of ${what} in ${reporter.repository}: ${message(error)}`)
      }
    })
  }

  /** Subscribes to one-line events (`promoted churn v0.0.2`, `reverted ...`); for logs and tests. */
  onEvent(listener: (event: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(event: string): void {
    this.options.log(`reconciler: ${event}`)
    for (const listener of this.listeners) listener(event)
  }

  /** One pass: tell git what is pending, fetch, and reconcile every model. A failure is reported and the pass ends; serving goes on. */
  private async pass(): Promise<void> {
    try {
      const unsent = await this.flushPending()
      const head = await this.options.repository.fetch()
      const snapshot = await this.options.repository.desiredState(head)
      this.desired = snapshot
      // A failure is remembered only while git still names the version.
      this.state.failures = this.state.failures.filter((f) => snapshot.state.models.some((m) => m.model === f.model && m.version === f.version))
      const models = [...new Set([...snapshot.state.models.map((m) => m.model), ...Object.keys(this.state.live)])].sort()
      let problem: string | null = null
      for (const model of models) {
        if (this.stopped) break
        try {
          await this.reconcileModel(model, snapshot)
        } catch (error) {
          problem = `${model}: ${message(error)}`
          this.emit(`could not reconcile ${problem}`)
        }
      }
      problem = (await this.flushPending()) ?? problem ?? unsent ?? null
      this.lastError = problem
      // A stopped pass, or one a model failed in, is not in sync with git; the log says only what is.
      if (this.stopped) this.emit(`stopped; serving ${this.describeLive()}`)
      else if (problem) this.emit(`not in sync with ${snapshot.commit.slice(0, 7)} (${problem}); serving ${this.describeLive()}`)
      else this.emit(`in sync with ${snapshot.commit.slice(0, 7)}: ${this.describeLive()}`)
    } catch (error) {
      this.lastError = message(error)
      this.emit(`pass failed: ${this.lastError}; still serving ${this.describeLive()}`)
    }
  }

  private async reconcileModel(model: string, snapshot: DesiredSnapshot): Promise<void> {
    const store = this.requireStore()
    const desired = snapshot.state.models.filter((m) => m.model === model)
    const live = this.state.live[model] ?? []
    if (desired.length === 0) {
      if (live.length === 0) return
      await store.unload(model)
      delete this.state.live[model]
      await this.persist()
      this.emit(`${model} is no longer in deploy/${this.options.environment}.yaml; unloaded ${live.map((v) => v.version).join(', ')}`)
      return
    }
    const fresh = desired.filter((d) => !live.some((v) => v.version === d.version))
    if (fresh.length === 0) {
      if (this.state.rollout?.model === model) this.state.rollout = null
      await this.applyShares(model, desired)
      // A manual rollback or a share change: live as git says once the shares are set.
      const largest = [...desired].sort((a, b) => b.share - a.share)[0]!
      this.tellGitHub({ commit: snapshot.commit, model, version: largest.version, ok: true, description: `${model} serving ${formatTraffic(desired)}`, live: desired })
      return
    }
    const serving = live.filter((v) => v.share > 0)
    // Read before anything changes: a model without a spec is an error to fix in git, with the old version serving.
    const spec = await this.options.repository.modelSpec(snapshot.commit, model)
    if (!spec) {
      const still = serving.length > 0 ? `still serving ${formatTraffic(serving.map((v) => ({ model, version: v.version, share: v.share })))}` : 'nothing of it is served'
      throw new ModelshipError(`deploy/${this.options.environment}.yaml names model '${model}', which has no models/${model.split(':').join('/')}/model.yaml at ${snapshot.commit.slice(0, 7)}; ${still}`)
    }
    if (serving.length === 0) {
      // Nothing serves to compare with or to fall back to: load what git says, as it says.
      for (const entry of fresh) await this.prepare(model, entry.version, snapshot)
      await this.applyShares(model, desired)
      this.state.rollout = null
      await this.persist()
      this.emit(`${model} serving ${formatTraffic(desired)}`)
      this.tellGitHub({ commit: snapshot.commit, model, version: fresh[0]!.version, ok: true, description: `${model} serving ${formatTraffic(desired)}`, live: desired })
      return
    }
    if (fresh.length > 1) {
      throw new ModelshipError(`deploy/${this.options.environment}.yaml adds ${fresh.map((f) => f.version).join(' and ')} of ${model} at once; the reconciler rolls out one new version at a time (deploy them one after the other)`)
    }
    const candidate = fresh[0]!
    const failed = this.state.failures.find((f) => f.model === model && f.version === candidate.version && f.commit === snapshot.commit)
    if (failed) {
      // Not tried again at the same commit: it would fail the same way. A new commit tries it again.
      throw new ModelshipError(`${candidate.version} failed its rollout at ${snapshot.commit.slice(0, 7)} (${failed.reason}) and git still names it; not tried again until deploy/${this.options.environment}.yaml changes`)
    }
    await this.rollout(model, candidate, desired, serving, snapshot, spec)
  }

  private async rollout(model: string, candidate: ModelTraffic, desired: ModelTraffic[], serving: LiveVersion[], snapshot: DesiredSnapshot, spec: Pick<ModelSpec, 'deploy'>): Promise<void> {
    const store = this.requireStore()
    const previous = this.state.rollout
    const attempt = previous && previous.model === model && previous.version === candidate.version ? previous.attempt + 1 : 1
    const maxAttempts = this.options.maxAttempts ?? 2
    if (attempt > maxAttempts) {
      await this.fail(model, candidate.version, serving, snapshot, `the server stopped ${attempt - 1} times during its rollout (last while ${previous!.phase}); it is not tried again`)
      return
    }
    this.state.rollout = { model, version: candidate.version, commit: snapshot.commit, phase: 'downloading', attempt }
    await this.persist()
    const target = spec.deploy.find((d) => d.environment === this.options.environment)
    this.emit(`rolling out ${model} ${candidate.version} (attempt ${attempt}); serving ${formatTraffic(serving.map((v) => ({ model, version: v.version, share: v.share })))}`)
    let loaded: LoadedVersion
    try {
      await this.prepare(model, candidate.version, snapshot)
      loaded = store.versions(model).find((v) => v.version === candidate.version)!
      await smokeRequest(loaded)
      await this.healthCheck(target?.healthCheck)
    } catch (error) {
      await this.fail(model, candidate.version, serving, snapshot, message(error))
      return
    }
    const canarySpec = target?.canary
    if (!canarySpec) {
      // No canary in the spec: the version takes what git says once its smoke request passed.
      await this.finish(model, candidate.version, desired, snapshot, undefined)
      return
    }
    const share = candidate.share < 100 ? candidate.share : canarySpec.traffic
    const stableTotal = serving.reduce((sum, v) => sum + v.share, 0)
    const weights: Record<string, number> = { [candidate.version]: share }
    for (const v of serving) weights[v.version] = ((100 - share) * v.share) / stableTotal
    const revertWeights: Record<string, number> = { [candidate.version]: 0 }
    for (const v of serving) revertWeights[v.version] = v.share
    const limits: CanaryLimits = { maxErrorRate: canarySpec.maxErrorRate, maxP99Ms: canarySpec.maxP99Ms, minRequests: this.options.minRequests ?? 10 }
    const durationMs = parseDurationMs(canarySpec.duration) ?? 600_000
    this.state.rollout = { ...this.state.rollout!, phase: 'canary' }
    await this.persist()
    let settle!: (verdict: CanaryVerdict) => void
    const verdict = new Promise<CanaryVerdict>((resolve) => (settle = resolve))
    const canary: ActiveCanary = { model, version: candidate.version, stable: serving.map((v) => v.version), limits, window: new OutcomeWindow(), baseline: new OutcomeWindow(), revertWeights, settle, settled: false }
    this.canary = canary
    store.setWeights(model, weights)
    this.emit(`canary ${model} ${candidate.version} at ${round(share)}% for ${canarySpec.duration} (max-error-rate ${formatRate(limits.maxErrorRate)}, max-p99-ms ${limits.maxP99Ms})`)
    await this.options.checkpoint?.('canary', { model, version: candidate.version })
    const check = target?.healthCheck ?? DEFAULT_HEALTH_CHECK
    let probing = false
    // The version is probed through its window too: a version that stops answering is reverted
    // as soon as its probe fails, whether or not traffic has shown it yet.
    const probes = setInterval(() => {
      if (probing || canary.settled) return
      probing = true
      void this.probeCanary(canary, check, loaded)
        .then((problem) => {
          if (problem !== undefined) this.breach(canary, { breached: true, limit: 'health-check', reason: problem })
        })
        .finally(() => (probing = false))
    }, check.periodSeconds * 1000)
    const timer = setTimeout(() => {
      // At the end of the window what was seen is judged, however few requests it was.
      const end = judgeCanary(canary.window.figures(canary.baseline), { ...limits, minRequests: 1 })
      if (end.breached) this.breach(canary, end)
      else this.settleCanary(canary, end)
    }, durationMs)
    const outcome = await verdict
    clearTimeout(timer)
    clearInterval(probes)
    this.canary = undefined
    if (this.stopped) {
      // A graceful stop is not the version's fault: traffic is back on the old versions (breach), and
      // the restart starts this rollout afresh.
      await store.unload(model, candidate.version)
      this.state.rollout = null
      await this.persist()
      return
    }
    const figures = canary.window.figures(canary.baseline)
    if (outcome.breached) {
      const how = outcome.limit === 'health-check' ? 'failed its health check' : 'breached'
      await this.fail(model, candidate.version, serving, snapshot, `canary at ${round(share)}% ${how}: ${outcome.reason}`)
      return
    }
    await this.finish(model, candidate.version, desired, snapshot, figures)
  }

  /** The new version takes its final share (100 % after a canary); the one it replaces stays loaded as the standby. */
  private async finish(model: string, version: string, desired: ModelTraffic[], snapshot: DesiredSnapshot, figures: WindowFigures | undefined): Promise<void> {
    this.state.rollout = { ...this.state.rollout!, phase: 'promoting' }
    await this.persist()
    await this.options.checkpoint?.('promoting', { model, version })
    const final = figures ? [{ model, version, share: 100 }] : desired
    await this.applyShares(model, final)
    this.state.rollout = null
    if (figures && desired.some((d) => d.version === version && d.share < 100)) {
      // git said a split (the canary share); it now says what serves.
      this.state.pending.push({
        model,
        restore: final,
        basedOn: snapshot.commit,
        message: renderChangeMessage(
          {
            subject: `promote ${model} ${version} to 100% in ${this.options.environment}`,
            details: [`Now serving: ${model} ${formatTraffic(final)}.`],
            reason: `the canary of ${model} ${version} passed: ${describeFigures(figures)}`,
            trailers: { Action: 'promote', Environment: this.options.environment, Model: model, Version: version, By: 'reconciler' },
          },
          {},
        ),
      })
    }
    await this.persist()
    const promoted = `promoted ${model} ${version}${figures ? ` after its canary (${describeFigures(figures)})` : ''}; serving ${formatTraffic(final)}`
    this.emit(promoted)
    this.tellGitHub({ commit: snapshot.commit, model, version, ok: true, description: promoted, live: final })
  }

  /**
   * A rollout that failed: its traffic (if any) is back on the versions that served, it is unloaded,
   * remembered, and git is told (a commit restoring the model's live entries, with the reason).
   */
  private async fail(model: string, version: string, serving: LiveVersion[], snapshot: DesiredSnapshot, reason: string): Promise<void> {
    const store = this.requireStore()
    const restore = serving.map((v) => ({ model, version: v.version, share: v.share }))
    if (store.versions(model).some((v) => v.version === version)) {
      store.setWeights(model, Object.fromEntries([[version, 0], ...serving.map((v) => [v.version, v.share] as const)]))
      await store.unload(model, version)
    }
    this.state.rollout = null
    this.state.failures.push({ model, version, reason, commit: snapshot.commit, at: new Date().toISOString() })
    this.state.pending.push({
      model,
      restore,
      basedOn: snapshot.commit,
      message: renderChangeMessage(
        {
          subject: `rollback ${model} ${version} in ${this.options.environment}`,
          details: [`The reconciler reverted ${model} ${version}.`, `Restored: ${model} ${formatTraffic(restore)}.`],
          reason,
          trailers: { Action: 'rollback', Environment: this.options.environment, Model: model, Version: restore[0]?.version ?? 'none', Reverted: version, By: 'reconciler' },
        },
        {},
      ),
    })
    await this.persist()
    this.emit(`reverted ${model} ${version}: ${reason}; serving ${formatTraffic(restore)}`)
    this.tellGitHub({ commit: snapshot.commit, model, version, ok: false, description: `reverted: ${reason}`, live: restore })
    await this.options.checkpoint?.('reverted', { model, version })
  }

  /**
   * Pushes the commits git has not had yet, in order. One that cannot be pushed now (git unreachable)
   * stays for the next pass and the pass goes on; one the branch refuses by policy is dropped and
   * said (git keeps naming the reverted version, which is not tried again at that commit). Answers
   * the problem, if any, for the status route.
   */
  private async flushPending(): Promise<string | undefined> {
    while (this.state.pending.length > 0) {
      const next = this.state.pending[0]!
      const subject = next.message.split('\n')[0]!
      let result
      try {
        result = await this.options.repository.commitState(next)
      } catch (error) {
        const problem = `could not tell git "${subject}": ${message(error)}; it is tried again at the next pass`
        this.emit(problem)
        return problem
      }
      this.state.pending.shift()
      await this.persist()
      if (result.outcome === 'pushed') this.emit(`committed ${result.commit.slice(0, 7)}: ${subject}`)
      else if (result.outcome === 'superseded') this.emit(`not committing "${subject}": the desired state of ${next.model} changed since (${result.commit.slice(0, 7)})`)
      else if (result.outcome === 'protected') {
        const problem = `the branch refused "${subject}" by policy (${result.reason}), so git still names what the server reverted; let the reconciler's credentials push to ${this.options.repository.branch}, or commit the same change through a pull request (modelship rollback --environment ${this.options.environment} --model ${next.model})`
        this.emit(problem)
        return problem
      }
    }
    return undefined
  }

  /**
   * Sets the model's loaded versions to `shares` (versions not named go to 0). The version that
   * served most before and is no longer named stays loaded as the standby a rollback returns to
   * at once; any other unnamed version is unloaded.
   */
  private async applyShares(model: string, shares: readonly ModelTraffic[]): Promise<void> {
    const store = this.requireStore()
    const live = this.state.live[model] ?? []
    const named = new Set(shares.map((s) => s.version))
    const standby = live.filter((v) => !named.has(v.version)).sort((a, b) => b.share - a.share)[0]
    const same = live.length === shares.length + (standby ? 1 : 0) && shares.every((s) => live.some((v) => v.version === s.version && v.share === s.share)) && (!standby || standby.share === 0)
    if (same) return
    const weights: Record<string, number> = {}
    for (const v of store.versions(model)) weights[v.version] = 0
    for (const s of shares) weights[s.version] = s.share
    store.setWeights(model, weights)
    const next: LiveVersion[] = []
    for (const s of shares) {
      const known = live.find((v) => v.version === s.version) ?? this.prepared.get(`${model}@${s.version}`)
      if (!known) throw new ModelshipError(`${model} ${s.version} is not loaded`)
      next.push({ ...known, share: s.share })
    }
    if (standby) next.push({ ...standby, share: 0 })
    this.state.live[model] = next
    await this.persist()
    for (const v of store.versions(model)) {
      if (!next.some((n) => n.version === v.version)) await store.unload(model, v.version)
    }
    this.emit(`${model} shares: ${formatTraffic(shares)}${standby ? ` (standby ${standby.version})` : ''}`)
  }

  private readonly prepared = new Map<string, LiveVersion>()

  /** Downloads (checked against the version tag's sha256s) and loads a version at weight 0. */
  private async prepare(model: string, version: string, snapshot: DesiredSnapshot): Promise<void> {
    const store = this.requireStore()
    const final = join(this.options.stateDir, 'versions', safeName(model), version)
    await this.options.checkpoint?.('downloading', { model, version })
    const staging = await createStagingDir(final, 'download')
    let file: { path: string; sha256: string }
    try {
      const result = await download({ backend: this.options.registry(), ref: `${model}@${version}`, assets: ['model.onnx'], dir: staging, log: { info: () => undefined, warn: (m) => this.options.log(`warning: ${m}`) } })
      const got = result.files.find((f) => f.name === 'model.onnx')
      if (!got) throw new RolloutFailed(`${result.tag} has no model.onnx`)
      await this.options.checkpoint?.('downloaded', { model, version })
      await promoteDir(staging, final)
      file = { path: join(final, 'model.onnx'), sha256: got.sha256 }
    } catch (error) {
      await rm(staging, { recursive: true, force: true })
      throw new RolloutFailed(`could not get ${model}@${version} from the registry (desired at ${snapshot.commit.slice(0, 7)}): ${message(error)}`, { cause: error })
    }
    if (this.state.rollout) {
      this.state.rollout.phase = 'loading'
      await this.persist()
    }
    await store.load(model, version, file.path, { weight: 0, source: `${model}@${version}` })
    this.prepared.set(`${model}@${version}`, { version, share: 0, path: file.path, sha256: file.sha256 })
    await this.options.checkpoint?.('loaded', { model, version })
  }

  /**
   * One probe of a canary: the server's health path, the version still loaded (its own readiness)
   * and the smoke request, tried `retries` more times 200 ms apart as a readiness probe is. Answers
   * the problem, or undefined when healthy (or the canary settled meanwhile).
   */
  private async probeCanary(canary: ActiveCanary, check: HealthCheck, version: LoadedVersion): Promise<string | undefined> {
    let last = ''
    for (let attempt = 0; attempt <= check.retries; attempt++) {
      if (canary.settled) return undefined
      try {
        const response = await fetch(`${this.serverUrl}${check.path}`, { signal: AbortSignal.timeout(check.timeoutSeconds * 1000) })
        await response.arrayBuffer()
        if (!response.ok) throw new Error(`GET ${check.path} answered ${response.status}`)
        if (!this.requireStore().versions(canary.model).includes(version)) throw new Error(`${canary.model} ${canary.version} is no longer loaded`)
        await smokeRequest(version)
        return undefined
      } catch (error) {
        last = message(error)
      }
      if (attempt < check.retries) await new Promise((resolve) => setTimeout(resolve, 200))
    }
    return `probe failed ${check.retries + 1} times during the window (${last})`
  }

  private async healthCheck(spec: HealthCheck | undefined): Promise<void> {
    const check = spec ?? DEFAULT_HEALTH_CHECK
    let last = ''
    for (let attempt = 0; attempt <= check.retries; attempt++) {
      try {
        const response = await fetch(`${this.serverUrl}${check.path}`, { signal: AbortSignal.timeout(check.timeoutSeconds * 1000) })
        await response.arrayBuffer()
        if (response.ok) return
        last = `answered ${response.status}`
      } catch (error) {
        last = message(error)
      }
      // A probe that failed is tried again shortly, as a readiness probe is.
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    throw new RolloutFailed(`health check GET ${check.path} failed ${check.retries + 1} times (${last})`)
  }

  /**
   * The server's retry hook (`ServerOptions.retryTarget`): a request the canary failed, by the rule
   * its judgement uses (5xx, 408, or 400: a 400 the stable version also gives is the client's and
   * is answered as such), is tried once on the stable version, so the client gets the stable answer
   * while the failed try still counts against the canary. Only the canary's own requests, only while
   * its rollout runs (a breached canary's requests still in flight included), only onto a stable
   * version that is loaded: the one with the largest share, the version most traffic already gets.
   */
  retryTarget(failed: { model: string; version: string; status: number }): string | undefined {
    const canary = this.canary
    if (!canary || canary.model !== failed.model || canary.version !== failed.version || !this.store) return undefined
    if (!(failed.status >= 500 || failed.status === 408 || failed.status === 400)) return undefined
    const stable = this.store.versions(canary.model).filter((v) => canary.stable.includes(v.version))
    return stable.sort((a, b) => b.weight - a.weight)[0]?.version
  }

  private recordRequest(info: { route: string; status: number; model: string; version: string; seconds: number; retryOf?: string }): void {
    if (info.version === '' || !(info.route.endsWith('/infer') || info.route === '/invocations')) return
    const key = `${info.model}@${info.version}`
    let window = this.windows.get(key)
    if (!window) this.windows.set(key, (window = new OutcomeWindow(STATUS_WINDOW)))
    window.add(info.status, info.seconds * 1000)
    const canary = this.canary
    if (!canary || canary.settled || canary.model !== info.model) return
    if (info.version === canary.version) canary.window.add(info.status, info.seconds * 1000)
    // A retried request's stable answer stays out of the baseline: the baseline is the stable share of
    // the traffic, and adding the canary's retries would over-count their 400s and hide its refusals.
    else if (canary.stable.includes(info.version) && info.retryOf === undefined) canary.baseline.add(info.status, info.seconds * 1000)
    else return
    const verdict = judgeCanary(canary.window.figures(canary.baseline), canary.limits)
    if (verdict.breached) this.breach(canary, verdict)
  }

  /** Moves the canary's traffic back at once (the next request already goes to the old versions). */
  private breach(canary: ActiveCanary, verdict: CanaryVerdict): void {
    if (canary.settled) return
    const store = this.requireStore()
    // A canary unloaded under it (its failed readiness) has no weight left to take back.
    const loaded = new Set(store.versions(canary.model).map((v) => v.version))
    store.setWeights(canary.model, Object.fromEntries(Object.entries(canary.revertWeights).filter(([version]) => loaded.has(version))))
    this.settleCanary(canary, verdict)
  }

  private settleCanary(canary: ActiveCanary, verdict: CanaryVerdict): void {
    if (canary.settled) return
    canary.settled = true
    canary.settle(verdict)
  }

  /** What the status route answers. */
  report(): ReconcilerReport {
    const store = this.store
    const models = [...new Set([...Object.keys(this.state.live), ...(this.desired?.state.models.map((m) => m.model) ?? [])])].sort()
    return {
      environment: this.options.environment,
      repository: this.options.repository.dir,
      branch: this.options.repository.branch,
      desiredCommit: this.desired?.commit ?? null,
      phase: this.canary ? 'canary' : this.running ? 'reconciling' : 'idle',
      lastError: this.lastError,
      models: models.map((model) => {
        const loaded = store?.versions(model) ?? []
        const versions: VersionReport[] = loaded.map((v) => {
          const isCanary = this.canary?.model === model && this.canary.version === v.version
          const window = isCanary ? this.canary!.window : this.windows.get(`${model}@${v.version}`)
          const figures = window?.figures(isCanary ? this.canary!.baseline : undefined)
          return {
            version: v.version,
            share: round(v.weight),
            role: isCanary ? 'canary' : v.weight > 0 ? 'serving' : 'standby',
            health: 'ready',
            requests: figures?.requests ?? 0,
            errorRate: figures?.errorRate ?? 0,
            p99Ms: figures?.p99Ms ?? null,
          }
        })
        const rollout = this.state.rollout?.model === model ? this.state.rollout : null
        return {
          model,
          desired: this.desired?.state.models.filter((m) => m.model === model) ?? [],
          versions,
          rollout: rollout ? { version: rollout.version, phase: rollout.phase, share: round(loaded.find((v) => v.version === rollout.version)?.weight ?? 0), attempt: rollout.attempt } : null,
          failures: this.state.failures.filter((f) => f.model === model).map(({ version, reason, at }) => ({ version, reason, at })),
        }
      }),
    }
  }

  private describeLive(): string {
    const parts = Object.entries(this.state.live)
      .filter(([, versions]) => versions.some((v) => v.share > 0))
      .map(([model, versions]) => `${model} ${formatTraffic(versions.filter((v) => v.share > 0).map((v) => ({ model, version: v.version, share: v.share })))}`)
    return parts.length > 0 ? parts.join('; ') : 'nothing'
  }

  private async persist(): Promise<void> {
    await writeState(this.options.stateDir, this.state)
  }

  /** Folders a download killed half-way left beside their target. */
  private async removeStaging(): Promise<void> {
    const root = join(this.options.stateDir, 'versions')
    const models = await readdir(root).catch(() => [] as string[])
    for (const model of models) {
      for (const entry of await readdir(join(root, model)).catch(() => [] as string[])) {
        if (entry.startsWith('.')) await rm(join(root, model, entry), { recursive: true, force: true })
      }
    }
  }

  private requireStore(): ModelStore {
    if (!this.store) throw new Error('Reconciler.attach was not called')
    return this.store
  }
}

/**
 * Runs the version once on a request built from its signature (one row; zeros, empty strings, false),
 * pinned to it and outside the traffic: a file that loads but cannot answer fails here.
 */
export async function smokeRequest(version: LoadedVersion): Promise<void> {
  const feeds: Record<string, DecodedTensor> = {}
  for (const input of version.inputs) {
    if (input.type === undefined) throw new RolloutFailed(`smoke request: input '${input.name}' of ${version.name} ${version.version} is not a tensor`)
    const dims = input.shape.length === 0 ? [1] : input.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1))
    const count = dims.reduce((a, b) => a * b, 1)
    const blank = input.type === 'string' ? '' : input.type === 'bool' ? false : 0
    feeds[input.name] = { type: input.type, dims, data: fromJsonValues(new Array<unknown>(count).fill(blank), input.type, `smoke input '${input.name}'`) }
  }
  const fetches = version.outputs.filter((o) => o.type !== undefined).map((o) => o.name)
  let outputs
  try {
    outputs = await version.run(feeds, fetches)
  } catch (error) {
    throw new RolloutFailed(`smoke request to ${version.name} ${version.version} failed: ${message(error)}`)
  }
  const missing = fetches.filter((name) => outputs[name] === undefined)
  if (missing.length > 0) throw new RolloutFailed(`smoke request to ${version.name} ${version.version} answered without ${missing.join(', ')}`)
}

function describeFigures(f: WindowFigures): string {
  if (f.requests === 0) return 'no request reached it during the window'
  return `${f.requests} requests, error rate ${formatRate(f.errorRate)}, p99 ${f.p99Ms === null ? 'n/a' : `${f.p99Ms.toFixed(1)} ms`}`
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000
}

function safeName(model: string): string {
  return model.split(':').join('__')
}

/** An error's message on one line (a spec error lists its problems on lines of their own): logs and status fields are one line each. */
function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ')
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
