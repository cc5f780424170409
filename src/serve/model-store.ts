/**
 * The serving core: the model versions loaded in this process, their traffic shares and their
 * sessions. The deploy reconciler drives it while the server runs: `load` a version beside the one
 * serving, `setWeights` to move traffic, `unload` the old one, which waits for its in-flight runs, so
 * a swap fails no request.
 */
import { createHash } from 'node:crypto'
import ort from 'onnxruntime-node'
import { ModelError } from '../errors.js'
import { loadModel, type OnnxModel, type TensorInfo } from '../onnx/model.js'
import { Batcher, type BatchingOptions, type RunTiming } from './batcher.js'
import type { DecodedTensor } from './datatypes.js'
import { RequestError } from './errors.js'

/** Options of one loaded version. */
export interface LoadVersionOptions {
  /** Traffic share; default 1 when no version of the model takes traffic yet, else 0 (reachable by pin only). */
  weight?: number
  /** Sessions of this version, run side by side; default 1. */
  sessions?: number
  /** onnxruntime intra-op threads per session; default 1 on up to 4 cores, else half the cores. */
  intraOpThreads?: number
  /** Dynamic batching; on by default when every input and output has a variable first dimension. */
  batching?: Partial<BatchingOptions> & { enabled?: boolean }
  /** Let NaN and ±Infinity through to the model (tree models that handle missing values); default false. */
  allowNonFinite?: boolean
  /** Where it came from, for the repository index (a path or a registry reference). */
  source?: string
  /**
   * The spec's `data.features`, in order, when the source came with a spec: they name the columns of
   * a 2-D input (metadata, MLflow frames by column name, prediction logs).
   */
  features?: readonly string[]
}

/** Outputs of one run, by name. */
export type RunOutputs = Record<string, ort.Tensor>

/** One session.run of a version: the rows it held, how many requests they came from, its seconds. */
export interface SessionRunInfo {
  model: string
  version: string
  rows: number
  requests: number
  computeSeconds: number
  /** False when onnxruntime refused the feeds. */
  ok: boolean
}

/** Called after every session.run of every version of a store (metrics: the batch size histogram). */
export type SessionRunListener = (info: SessionRunInfo) => void

/** One loaded version of a model. */
export class LoadedVersion {
  private next = 0
  private inFlight = 0
  private idle: Array<() => void> = []
  private readonly batcher: Batcher | undefined
  /** Traffic share. */
  weight: number

  constructor(
    readonly name: string,
    readonly version: string,
    private readonly models: readonly OnnxModel[],
    readonly options: LoadVersionOptions,
    /** Told of each session.run; the store passes its listeners. */
    private readonly onSessionRun: SessionRunListener = () => undefined,
  ) {
    this.weight = options.weight ?? 0
    const batchable = batchDimension(this.inputs) && batchDimension(this.outputs.filter((o) => o.type !== undefined))
    const batching = options.batching ?? {}
    if ((batching.enabled ?? true) && batchable) {
      this.batcher = new Batcher((feeds, fetches, requests) => this.runSession(feeds, fetches, requests), {
        maxBatchSize: batching.maxBatchSize ?? 64,
        maxQueueDelayMicros: batching.maxQueueDelayMicros ?? 500,
      }, models.length)
    }
  }

  get inputs(): readonly TensorInfo[] {
    return this.models[0]!.inputs
  }

  get outputs(): readonly TensorInfo[] {
    return this.models[0]!.outputs
  }

  /** Whether requests to this version are gathered into batches. */
  get batching(): boolean {
    return this.batcher !== undefined
  }

  /** In-flight runs of this version (queued or computing). */
  get running(): number {
    return this.inFlight
  }

  /**
   * Runs the model on `feeds` (all its inputs) for `fetches` (output names); batched when batching is
   * on. `timing`, when given, is filled with the queue wait and compute seconds of this request.
   */
  async run(feeds: Record<string, DecodedTensor>, fetches: readonly string[], timing?: RunTiming): Promise<RunOutputs> {
    this.inFlight++
    try {
      if (this.batcher) return await this.batcher.run(feeds, fetches, timing)
      const started = process.hrtime.bigint()
      try {
        return await this.runSession(feeds, fetches, 1)
      } finally {
        if (timing) {
          timing.queueSeconds = 0
          timing.computeSeconds = Number(process.hrtime.bigint() - started) / 1e9
          timing.batchRows = Object.values(feeds)[0]?.dims[0] ?? 0
        }
      }
    } finally {
      this.inFlight--
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve()
    }
  }

  private async runSession(feeds: Record<string, DecodedTensor>, fetches: readonly string[], requests: number): Promise<RunOutputs> {
    const model = this.models[this.next++ % this.models.length]!
    const tensors: Record<string, ort.Tensor> = {}
    for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor(t.type, t.data as ort.Tensor.DataType, t.dims)
    const rows = Object.values(feeds)[0]?.dims[0] ?? 0
    const started = process.hrtime.bigint()
    const tell = (ok: boolean) => this.onSessionRun({ model: this.name, version: this.version, rows, requests, computeSeconds: Number(process.hrtime.bigint() - started) / 1e9, ok })
    try {
      const outputs = (await model.session.run(tensors, [...fetches])) as RunOutputs
      tell(true)
      return outputs
    } catch (error) {
      tell(false)
      // onnxruntime refuses values the graph cannot take (an unknown category, a shape the ops reject).
      throw new RequestError(400, `model '${this.name}' version ${this.version} refused the request: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  /** Waits for in-flight runs, then releases the sessions. */
  async release(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve))
    await Promise.all(this.models.map((m) => m.release()))
  }
}

function batchDimension(infos: readonly TensorInfo[]): boolean {
  return infos.length > 0 && infos.every((i) => i.shape.length >= 1 && typeof i.shape[0] === 'string')
}

/** Default intra-op threads: one per session on small runners (requests run side by side), more on big hosts. */
export function defaultIntraOpThreads(cores: number): number {
  return cores <= 4 ? 1 : Math.floor(cores / 2)
}

/** State of a version for the repository index. */
export interface VersionStatus {
  name: string
  version: string
  state: 'READY' | 'UNAVAILABLE'
  weight: number
  source?: string
  reason?: string
}

/** The loaded versions of every model, with traffic shares. */
export class ModelStore {
  private readonly models = new Map<string, Map<string, LoadedVersion>>()
  /** Last load failure per model, kept for the repository index. */
  private readonly failures = new Map<string, { version: string; reason: string }>()
  private readonly sessionRunListeners = new Set<SessionRunListener>()

  constructor(private readonly defaults: { intraOpThreads: number; sessions: number }) {}

  /**
   * Loads `path` as `name` version `version` beside what is loaded. A file that fails to load leaves
   * the store as it was (ModelError). Loading a version that is already loaded replaces it after the
   * new sessions are up.
   */
  async load(name: string, version: string, path: string, options: LoadVersionOptions = {}): Promise<LoadedVersion> {
    const sessions = options.sessions ?? this.defaults.sessions
    const intraOpThreads = options.intraOpThreads ?? this.defaults.intraOpThreads
    const loaded: OnnxModel[] = []
    try {
      for (let i = 0; i < sessions; i++) loaded.push(await loadModel(path, { intraOpThreads }))
    } catch (error) {
      await Promise.all(loaded.map((m) => m.release()))
      const reason = error instanceof Error ? error.message : String(error)
      this.failures.set(name, { version, reason })
      throw error instanceof ModelError ? error : new ModelError(reason, { cause: error })
    }
    const versions = this.models.get(name) ?? new Map<string, LoadedVersion>()
    const serving = [...versions.values()].some((v) => v.weight > 0 && v.version !== version)
    const entry = new LoadedVersion(name, version, loaded, { ...options, weight: options.weight ?? (serving ? 0 : 1) }, (info) => {
      // A listener that throws must not fail the request whose run it was told of.
      for (const listener of this.sessionRunListeners) {
        try {
          listener(info)
        } catch {
          /* best effort, as telemetry is */
        }
      }
    })
    const previous = versions.get(version)
    versions.set(version, entry)
    this.models.set(name, versions)
    this.failures.delete(name)
    if (previous) await previous.release()
    return entry
  }

  /** Unloads one version, or every version of the model; in-flight requests finish first. False when nothing was loaded. */
  async unload(name: string, version?: string): Promise<boolean> {
    const versions = this.models.get(name)
    if (!versions) return false
    const targets = version === undefined ? [...versions.values()] : [versions.get(version)].filter((v) => v !== undefined)
    if (targets.length === 0) return false
    // Out of the routing table first, so no new request reaches what is being released.
    for (const v of targets) versions.delete(v.version)
    if (versions.size === 0) this.models.delete(name)
    await Promise.all(targets.map((v) => v.release()))
    return true
  }

  /** Sets traffic shares of a model's versions (relative weights ≥ 0); versions not named keep theirs. */
  setWeights(name: string, weights: Readonly<Record<string, number>>): void {
    const versions = this.models.get(name)
    if (!versions) throw new ModelError(`model '${name}' is not loaded; loaded: ${this.names().join(', ') || 'none'}`)
    for (const [version, weight] of Object.entries(weights)) {
      if (!versions.has(version)) throw new ModelError(`model '${name}' has no loaded version '${version}'; loaded: ${[...versions.keys()].join(', ')}`)
      if (!Number.isFinite(weight) || weight < 0) throw new ModelError(`weight ${weight} for ${name} version ${version} is not a number ≥ 0`)
    }
    for (const [version, weight] of Object.entries(weights)) versions.get(version)!.weight = weight
  }

  /** Loads `path` as a new version and moves all traffic to it, then unloads the others: a hot swap. */
  async swap(name: string, version: string, path: string, options: LoadVersionOptions = {}): Promise<LoadedVersion> {
    const entry = await this.load(name, version, path, { ...options, weight: 0 })
    const others = [...(this.models.get(name)?.values() ?? [])].filter((v) => v !== entry)
    entry.weight = options.weight ?? 1
    for (const v of others) v.weight = 0
    await Promise.all(others.map((v) => this.unload(name, v.version)))
    return entry
  }

  /** Calls `listener` after every session.run of every version; returns a function that stops it. */
  onSessionRun(listener: SessionRunListener): () => void {
    this.sessionRunListeners.add(listener)
    return () => this.sessionRunListeners.delete(listener)
  }

  /** Names of loaded models, sorted. */
  names(): string[] {
    return [...this.models.keys()].sort()
  }

  /** Whether `name` is loaded (with `version`, when given): a per-request check that allocates nothing. */
  has(name: string, version?: string): boolean {
    const versions = this.models.get(name)
    return versions !== undefined && (version === undefined || versions.has(version))
  }

  /** Loaded versions of `name` (empty when none). */
  versions(name: string): LoadedVersion[] {
    return [...(this.models.get(name)?.values() ?? [])]
  }

  /** Every version with its state, plus models whose last load failed. */
  status(): VersionStatus[] {
    const out: VersionStatus[] = []
    for (const name of this.names()) {
      for (const v of this.versions(name)) out.push({ name, version: v.version, state: 'READY', weight: v.weight, ...(v.options.source ? { source: v.options.source } : {}) })
    }
    for (const [name, failure] of this.failures) out.push({ name, version: failure.version, state: 'UNAVAILABLE', weight: 0, reason: failure.reason })
    return out
  }

  /**
   * The version a request goes to: `version` when pinned, else one drawn by traffic share, the same
   * for the same `requestId`. RequestError 404 for an unknown model or version.
   */
  pick(name: string, version?: string, requestId?: string): LoadedVersion {
    const versions = this.models.get(name)
    if (!versions) throw new RequestError(404, `model '${name}' is not loaded; loaded models: ${this.names().join(', ') || 'none'}`)
    if (version !== undefined) {
      const pinned = versions.get(version)
      if (!pinned) throw new RequestError(404, `model '${name}' has no loaded version '${version}'; loaded versions: ${[...versions.keys()].join(', ')}`)
      return pinned
    }
    const candidates = [...versions.values()].filter((v) => v.weight > 0)
    if (candidates.length === 0) throw new RequestError(503, `model '${name}' has no version taking traffic (all weights 0); pin one with /versions/{v} or set a weight`)
    if (candidates.length === 1) return candidates[0]!
    const total = candidates.reduce((sum, v) => sum + v.weight, 0)
    let point = (requestId !== undefined ? unitHash(requestId) : Math.random()) * total
    for (const v of candidates) {
      point -= v.weight
      if (point < 0) return v
    }
    return candidates[candidates.length - 1]!
  }

  /** Releases everything (shutdown). */
  async close(): Promise<void> {
    await Promise.all(this.names().map((name) => this.unload(name)))
  }
}

/** A request id mapped to [0, 1), uniform and stable across processes (sha256, not a process-seeded hash). */
export function unitHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32
}
