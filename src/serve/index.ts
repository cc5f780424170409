/**
 * The inference server (`modelship serve`), one door for the CLI and the deploy reconciler:
 *
 * - `ModelStore`: load, unload, `swap` and weigh versions while the server runs;
 * - `startServer`: the V2 (KServe Open Inference Protocol) and MLflow scoring routes over a store;
 * - `serve`: both, from a configuration (file or flags), with model sources resolved and verified.
 */
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import type { RegistryBackend } from '../registry/index.js'
import { readTokens } from './auth.js'
import type { ServeConfigFile, ServeModelEntry } from './config.js'
import { defaultIntraOpThreads, ModelStore, type LoadedVersion } from './model-store.js'
import { ServeMetrics } from './metrics.js'
import { ObserverSet } from './observers.js'
import { PredictionLog } from './prediction-log.js'
import { resolveSource } from './sources.js'
import { startServer, type RunningServer, type ServeObserver, type ServerOptions, type ServerRoute } from './server.js'
import { VersionStats } from './version-stats.js'
import { parseDurationMs } from '../spec/duration.js'

export { TokenSet, parseTokens, readTokens } from './auth.js'
export { Batcher, type BatchingOptions } from './batcher.js'
export { readServeConfig, ServeConfigSchema, type ServeConfigFile, type ServeModelEntry } from './config.js'
export { fromHalf, toHalf, v2Datatype, type V2Datatype } from './datatypes.js'
export { RequestError } from './errors.js'
export { type RunTiming } from './batcher.js'
export {
  defaultIntraOpThreads,
  LoadedVersion,
  ModelStore,
  unitHash,
  type LoadVersionOptions,
  type SessionRunInfo,
  type SessionRunListener,
  type VersionStatus,
} from './model-store.js'
export { ServeMetrics } from './metrics.js'
export { ObserverSet } from './observers.js'
export { PredictionLog, PREDICTION_LOG_FORMAT_VERSION, PREDICTION_LOG_METADATA_KEY, type PredictionLogOptions } from './prediction-log.js'
export { isVersionError, VersionStats, type VersionOutcome } from './version-stats.js'
export { startServer, type RunningServer, type ServeObserver, type ServerOptions, type ServerRoute } from './server.js'
export { parseModelSource, resolveSource, type ModelSource, type ResolvedSource } from './sources.js'

/** Options of `serve`. */
export interface ServeOptions {
  config: ServeConfigFile
  /** Where relative paths start. */
  cwd: string
  env: NodeJS.ProcessEnv
  /** Opened only when a source is a registry reference. */
  registry: () => RegistryBackend
  /** Progress lines (loading, listening); never tokens or bodies. */
  log: (line: string) => void
  observer?: ServeObserver
  version?: string
  /** More JSON routes on the same port (the deploy reconciler's). */
  routes?: readonly ServerRoute[]
  /** Where a failed inference is tried once more (the deploy reconciler's canary → stable); see `ServerOptions.retryTarget`. */
  retryTarget?: ServerOptions['retryTarget']
}

/** A running `serve`. */
export interface ServeHandle extends RunningServer {
  store: ModelStore
  /** Per-version request outcomes and latencies (error rate, p50, p99) for canary analysis. */
  stats: VersionStats
  /** The Prometheus metrics behind GET /metrics. */
  metrics: ServeMetrics
  /** The prediction log, when configured. */
  predictionLog?: PredictionLog
  /** Every observer the server tells; `observers.add(o)` attaches one while it runs. */
  observers: ObserverSet
  /** Resolves and loads a configured entry beside what is loaded. */
  loadEntry(entry: ServeModelEntry): Promise<LoadedVersion>
}

/** Environment variables holding tokens (one per line or comma-separated, several for rotation). */
export const TOKEN_ENV = 'MODELSHIP_SERVE_TOKENS'
/** Environment variable holding admin tokens for the repository routes. */
export const ADMIN_TOKEN_ENV = 'MODELSHIP_SERVE_ADMIN_TOKENS'

/** Loads every configured model and starts the server; a model that fails to load fails the start. */
export async function serve(options: ServeOptions): Promise<ServeHandle> {
  const { config } = options
  const cores = availableParallelism()
  const store = new ModelStore({ intraOpThreads: config['intra-op-threads'] ?? defaultIntraOpThreads(cores), sessions: config.sessions ?? 1 })
  const cacheDir = config['cache-dir'] ?? join(options.cwd, '.modelship', 'serve')
  let backend: RegistryBackend | undefined
  const registry = () => (backend ??= options.registry())
  const loadEntry = async (entry: ServeModelEntry): Promise<LoadedVersion> => {
    const resolved = await resolveSource({ source: entry.source, name: entry.name, version: entry.version }, { cwd: options.cwd, registry, cacheDir })
    const batching = entry.batching
    const loaded = await store.load(resolved.name, resolved.version, resolved.path, {
      source: resolved.source,
      ...(resolved.features ? { features: resolved.features } : {}),
      ...(entry.weight !== undefined ? { weight: entry.weight } : {}),
      ...(entry.sessions !== undefined ? { sessions: entry.sessions } : {}),
      ...(entry['intra-op-threads'] !== undefined ? { intraOpThreads: entry['intra-op-threads'] } : {}),
      ...(entry['allow-non-finite'] !== undefined ? { allowNonFinite: entry['allow-non-finite'] } : {}),
      ...(batching
        ? {
            batching: {
              ...(batching.enabled !== undefined ? { enabled: batching.enabled } : {}),
              ...(batching['max-batch-size'] !== undefined ? { maxBatchSize: batching['max-batch-size'] } : {}),
              ...(batching['max-queue-delay-us'] !== undefined ? { maxQueueDelayMicros: batching['max-queue-delay-us'] } : {}),
            },
          }
        : {}),
    })
    options.log(`loaded ${loaded.name} version ${loaded.version} from ${resolved.source} (weight ${loaded.weight}, batching ${loaded.batching ? 'on' : 'off'})`)
    return loaded
  }
  const metrics = new ServeMetrics(store)
  const stats = new VersionStats()
  const observers = new ObserverSet([metrics, stats, ...(options.observer ? [options.observer] : [])])
  let predictionLog: PredictionLog | undefined
  try {
    const logConfig = config['prediction-log']
    if (logConfig) {
      const dir = resolve(options.cwd, logConfig.dir)
      predictionLog = new PredictionLog({
        dir,
        ...(logConfig.sample !== undefined ? { sample: logConfig.sample } : {}),
        ...(logConfig['max-bytes'] !== undefined ? { maxBytes: logConfig['max-bytes'] } : {}),
        ...(logConfig['max-age'] !== undefined ? { maxAgeMs: parseDurationMs(logConfig['max-age'])! } : {}),
        ...(logConfig['max-buffered-rows'] !== undefined ? { maxBufferedRows: logConfig['max-buffered-rows'] } : {}),
        onWritten: (model, version, rows) => metrics.predictionLogged(model, version, rows),
        onDropped: (model, version, rows, reason) => metrics.predictionDropped(model, version, rows, reason),
        warn: options.log,
      })
      observers.add(predictionLog)
      options.log(`prediction log: ${logConfig.sample ?? 1} of requests to ${dir}`)
    }
    for (const entry of config.models) await loadEntry(entry)
    const inferenceTokens = await readTokens(TOKEN_ENV, config['token-file'], options.env)
    const adminTokens = await readTokens(ADMIN_TOKEN_ENV, config['admin-token-file'], options.env)
    if (inferenceTokens.size === 0) options.log(`warning: inference routes are open to anyone who can reach the port; set ${TOKEN_ENV} or --token-file`)
    const running = await startServer({
      store,
      inferenceTokens,
      adminTokens,
      ...(config.host !== undefined ? { host: config.host } : {}),
      ...(config.port !== undefined ? { port: config.port } : {}),
      ...(config['request-timeout-ms'] !== undefined ? { requestTimeoutMs: config['request-timeout-ms'] } : {}),
      ...(config['max-in-flight'] !== undefined ? { maxInFlight: config['max-in-flight'] } : {}),
      ...(config['max-body-bytes'] !== undefined ? { maxBodyBytes: config['max-body-bytes'] } : {}),
      ...(config['client-timeout-ms'] !== undefined ? { clientTimeoutMs: config['client-timeout-ms'] } : {}),
      observer: observers,
      ...(config.metrics !== undefined ? { metricsAuth: config.metrics } : {}),
      ...(options.version ? { version: options.version } : {}),
      ...(options.routes ? { routes: options.routes } : {}),
      ...(options.retryTarget ? { retryTarget: options.retryTarget } : {}),
      // The repository load route re-reads the configured entry (or the given source) beside what serves.
      loadModel: async (name, parameters) => {
        const configured = config.models.find((m) => (m.name ?? '') === name || m.source.startsWith(`${name}#`) || m.source.startsWith(`${name}@`))
        const source = typeof parameters.source === 'string' ? parameters.source : configured?.source
        if (source === undefined) throw new Error(`no source is configured for model '${name}'; pass {"parameters": {"source": "<path or ${name}#stage>"}}`)
        return await loadEntry({ ...(configured ?? {}), name, source })
      },
    })
    return {
      ...running,
      store,
      stats,
      metrics,
      ...(predictionLog ? { predictionLog } : {}),
      observers,
      loadEntry,
      async drain() {
        await running.drain()
        // After the last answer, so every prediction of a finished request is in the files.
        await predictionLog?.close()
        await store.close()
      },
    }
  } catch (error) {
    await predictionLog?.close()
    await store.close()
    throw error
  }
}
