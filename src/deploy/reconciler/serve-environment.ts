/**
 * `modelship serve --environment NAME`: the inference server with the reconciler driving its store.
 * The last live versions (from the state folder) are loaded before the port opens, so a restarted
 * server answers with the old versions at once; then the reconciler follows the repository.
 */
import { join, resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { LocalRegistryBackend, type RegistryBackend } from '../../registry/index.js'
import { serve, type ServeConfigFile, type ServeHandle, type ServeObserver, type ServerRoute } from '../../serve/index.js'
import { deploymentReporterFromEnv } from './github-status.js'
import { Reconciler, type ReconcilerOptions } from './reconciler.js'
import { ReconcilerRepository } from './repository.js'

/** Options of `serveEnvironment`. */
export interface ServeEnvironmentOptions {
  environment: string
  /** A clone of the repository the reconciler owns (it fetches into it; its work tree is never touched). */
  repoDir: string
  remote?: string
  /** The branch whose `deploy/<environment>.yaml` is the desired state; default `main`. */
  branch?: string
  /** Seconds between fetches; default 30. */
  pollSeconds?: number
  /** Default `<repoDir>/.modelship/reconciler/<environment>`. */
  stateDir?: string
  /** Server settings (port, tokens, limits); its `models` must be empty: git says what serves. */
  config: ServeConfigFile
  env: NodeJS.ProcessEnv
  log: (line: string) => void
  /** Default the local registry of `repoDir`. */
  registry?: () => RegistryBackend
  observer?: ServeObserver
  version?: string
  checkpoint?: ReconcilerOptions['checkpoint']
  minRequests?: number
  maxAttempts?: number
}

/** A running environment server. */
export interface EnvironmentServer {
  handle: ServeHandle
  reconciler: Reconciler
  /** Stops following git (a canary under way is reverted), then drains the server. */
  drain(): Promise<void>
}

/** The routes the reconciler adds: its status (open, like /metrics) and a poke (admin). */
export function reconcilerRoutes(reconciler: Reconciler): ServerRoute[] {
  return [
    { method: 'GET', path: '/v2/deploy/status', admin: false, handle: async () => ({ status: 200, body: reconciler.report() }) },
    {
      method: 'POST',
      path: '/v2/repository/reconcile',
      admin: true,
      handle: async () => {
        // The pass may watch a canary for minutes: answer at once; GET /v2/deploy/status shows its progress.
        void reconciler.poke()
        return { status: 202, body: { accepted: true } }
      },
    },
  ]
}

/** Starts the server and the reconciler of one environment. */
export async function serveEnvironment(options: ServeEnvironmentOptions): Promise<EnvironmentServer> {
  if (options.config.models.length > 0) {
    throw new UsageError(`--environment ${options.environment} serves what deploy/${options.environment}.yaml says; leave out --model and the configuration's models:`)
  }
  const repoDir = resolve(options.repoDir)
  const stateDir = resolve(options.stateDir ?? join(repoDir, '.modelship', 'reconciler', options.environment))
  const repository = new ReconcilerRepository({ dir: repoDir, environment: options.environment, ...(options.remote ? { remote: options.remote } : {}), ...(options.branch ? { branch: options.branch } : {}) })
  // Read before anything starts: a token without a repository is a usage error, not a silent no-op.
  const deployments = deploymentReporterFromEnv({ environment: options.environment, env: options.env, warn: (m) => options.log(`reconciler: GitHub: ${m}`) })
  if (deployments) options.log(`reconciler: reporting GitHub deployment statuses of ${options.environment} to ${deployments.repository}`)
  else options.log(`reconciler: GitHub deployment statuses are not reported (no MODELSHIP_GITHUB_TOKEN or GITHUB_TOKEN); deployments made by actions/deploy stay in_progress`)
  let backend: RegistryBackend | undefined
  const registry = () => (backend ??= options.registry?.() ?? new LocalRegistryBackend({ repoDir }))
  const reconciler = new Reconciler({
    environment: options.environment,
    repository,
    stateDir,
    registry,
    log: options.log,
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    ...(options.minRequests !== undefined ? { minRequests: options.minRequests } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(deployments ? { deployments } : {}),
  })
  const restored = await reconciler.restore()
  const config: ServeConfigFile = {
    ...options.config,
    models: restored.map((v) => ({ name: v.model, version: v.version, source: v.path, weight: v.share })),
  }
  const handle = await serve({
    config,
    cwd: repoDir,
    env: options.env,
    registry,
    log: options.log,
    observer: combineObservers(options.observer, reconciler.observer),
    routes: reconcilerRoutes(reconciler),
    // While a canary runs, what it fails is answered by the stable version (the failure still judged).
    retryTarget: (failed) => reconciler.retryTarget(failed),
    ...(options.version ? { version: options.version } : {}),
  })
  reconciler.attach(handle.store, handle.url)
  reconciler.start(options.pollSeconds ?? 30)
  return {
    handle,
    reconciler,
    async drain() {
      await reconciler.stop()
      await handle.drain()
    },
  }
}

/** One observer calling each given one in turn (the server's metrics, then the reconciler's figures). */
export function combineObservers(...observers: Array<ServeObserver | undefined>): ServeObserver {
  const present = observers.filter((o): o is ServeObserver => o !== undefined)
  return {
    request: (info) => present.forEach((o) => o.request?.(info)),
    inference: (info) => present.forEach((o) => o.inference?.(info)),
    queueDepth: (depth) => present.forEach((o) => o.queueDepth?.(depth)),
    ...(present.some((o) => o.prediction) ? { prediction: (record) => present.forEach((o) => o.prediction?.(record)) } : {}),
    ...(present.some((o) => o.sessionRun) ? { sessionRun: (info) => present.forEach((o) => o.sessionRun?.(info)) } : {}),
    // /metrics has one body: the first observer that has one answers it.
    ...(present.find((o) => o.metrics) ? { metrics: () => present.find((o) => o.metrics)!.metrics!() } : {}),
  }
}
