/**
 * Prometheus metrics of `modelship serve` through prom-client, on a registry of its own (two servers
 * in one process, as in tests, never share counters). Names follow Prometheus conventions (seconds,
 * `_total` counters):
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `modelship_serve_requests_total` | counter | route, status, model, version |
 * | `modelship_serve_request_duration_seconds` | histogram: admission to answer | route, model, version |
 * | `modelship_serve_queue_duration_seconds` | histogram: waiting for a batch | model, version |
 * | `modelship_serve_compute_duration_seconds` | histogram: the session.run of a request | model, version |
 * | `modelship_serve_batch_size` | histogram: rows per session.run | model, version |
 * | `modelship_serve_batch_requests` | histogram: requests per session.run | model, version |
 * | `modelship_serve_queue_depth` | gauge: inference requests admitted, not yet answered | |
 * | `modelship_serve_loaded_versions` | gauge | model |
 * | `modelship_serve_version_weight` | gauge: traffic share | model, version |
 * | `modelship_serve_prediction_log_rows_total` | counter: rows written | model, version |
 * | `modelship_serve_prediction_log_dropped_total` | counter: rows dropped (buffer full, write failed) | model, version, reason |
 * | `process_*`, `nodejs_*` | prom-client's default process metrics | |
 *
 * Label values come from the store, never from the URL alone: a request for a model that is not
 * loaded is counted with `model=""`, so no client can grow the label sets without bound.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ModelStore, SessionRunInfo } from './model-store.js'
import type { ServeObserver } from './server.js'

// Latency buckets from 0.1 ms to 10 s: a one-row ONNX run is well under a millisecond.
const SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const ROWS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096]

/** The server's Prometheus metrics; an observer for `startServer`. */
export class ServeMetrics implements ServeObserver {
  /** The prom-client registry (for tests and for adding metrics of one's own). */
  readonly registry = new Registry()
  private readonly requests: Counter<'route' | 'status' | 'model' | 'version'>
  private readonly total: Histogram<'route' | 'model' | 'version'>
  private readonly queue: Histogram<'model' | 'version'>
  private readonly compute: Histogram<'model' | 'version'>
  private readonly batchRows: Histogram<'model' | 'version'>
  private readonly batchRequests: Histogram<'model' | 'version'>
  private readonly depth: Gauge
  private readonly logRows: Counter<'model' | 'version'>
  private readonly logDropped: Counter<'model' | 'version' | 'reason'>
  private depthNow = 0
  private readonly requestChildren = new Map<string, { count: Counter.Internal; total: Histogram.Internal<'route' | 'model' | 'version'> }>()
  private readonly byVersion = new Map<string, { queue: Histogram.Internal<'model' | 'version'>; compute: Histogram.Internal<'model' | 'version'>; batchRows: Histogram.Internal<'model' | 'version'>; batchRequests: Histogram.Internal<'model' | 'version'> }>()

  constructor(
    private readonly store: ModelStore,
    options: { processMetrics?: boolean } = {},
  ) {
    const registers = [this.registry]
    this.requests = new Counter({ name: 'modelship_serve_requests_total', help: 'Requests answered, by route, status, model and version', labelNames: ['route', 'status', 'model', 'version'], registers })
    this.total = new Histogram({ name: 'modelship_serve_request_duration_seconds', help: 'Time from admission to answer', labelNames: ['route', 'model', 'version'], buckets: SECONDS, registers })
    this.queue = new Histogram({ name: 'modelship_serve_queue_duration_seconds', help: 'Time an inference waited to be batched', labelNames: ['model', 'version'], buckets: SECONDS, registers })
    this.compute = new Histogram({ name: 'modelship_serve_compute_duration_seconds', help: 'Time of the session.run that served an inference', labelNames: ['model', 'version'], buckets: SECONDS, registers })
    this.batchRows = new Histogram({ name: 'modelship_serve_batch_size', help: 'Rows in one session.run', labelNames: ['model', 'version'], buckets: ROWS, registers })
    this.batchRequests = new Histogram({ name: 'modelship_serve_batch_requests', help: 'Requests gathered into one session.run', labelNames: ['model', 'version'], buckets: ROWS, registers })
    const metrics = this
    this.depth = new Gauge({
      name: 'modelship_serve_queue_depth',
      help: 'Inference requests admitted and not yet answered',
      registers,
      collect() {
        this.set(metrics.depthNow)
      },
    })
    this.logRows = new Counter({ name: 'modelship_serve_prediction_log_rows_total', help: 'Prediction rows written to the prediction log', labelNames: ['model', 'version'], registers })
    this.logDropped = new Counter({
      name: 'modelship_serve_prediction_log_dropped_total',
      help: 'Prediction rows the log dropped (buffer full or write failed)',
      labelNames: ['model', 'version', 'reason'],
      registers,
    })
    // Read from the store at scrape time, so they are never stale after a load, swap or unload.
    const loadedStore = this.store
    new Gauge({
      name: 'modelship_serve_loaded_versions',
      help: 'Loaded versions per model',
      labelNames: ['model'],
      registers,
      collect() {
        this.reset()
        for (const name of loadedStore.names()) this.set({ model: name }, loadedStore.versions(name).length)
      },
    })
    new Gauge({
      name: 'modelship_serve_version_weight',
      help: 'Traffic share (relative weight) of each loaded version',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset()
        for (const name of loadedStore.names()) for (const v of loadedStore.versions(name)) this.set({ model: name, version: v.version }, v.weight)
      },
    })
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry })
  }

  /** Labels as the store knows them: '' for a model or version that is not loaded. */
  private labels(model: string, version: string): { model: string; version: string } {
    if (model === '' || !this.store.has(model)) return { model: '', version: '' }
    return { model, version: version !== '' && this.store.has(model, version) ? version : '' }
  }

  /**
   * The child metrics of one label set, made once: prom-client hashes the label object on every
   * observe, which was a visible share of a one-row request's CPU. The keys are bounded as the label
   * values are (route templates, statuses, loaded models and versions).
   */
  private child<T>(cache: Map<string, T>, key: string, make: () => T): T {
    let found = cache.get(key)
    if (found === undefined) {
      found = make()
      cache.set(key, found)
    }
    return found
  }

  request(info: { route: string; status: number; model: string; version: string; seconds: number }): void {
    const { model, version } = this.labels(info.model, info.version)
    const key = `${info.route}\0${info.status}\0${model}\0${version}`
    const children = this.child(this.requestChildren, key, () => ({
      count: this.requests.labels({ route: info.route, status: String(info.status), model, version }),
      total: this.total.labels({ route: info.route, model, version }),
    }))
    children.count.inc()
    children.total.observe(info.seconds)
  }

  inference(info: { model: string; version: string; queueSeconds: number; computeSeconds: number }): void {
    const children = this.versionChildren(info.model, info.version)
    children.queue.observe(info.queueSeconds)
    children.compute.observe(info.computeSeconds)
  }

  sessionRun(info: SessionRunInfo): void {
    const children = this.versionChildren(info.model, info.version)
    children.batchRows.observe(info.rows)
    children.batchRequests.observe(info.requests)
  }

  private versionChildren(model: string, version: string) {
    return this.child(this.byVersion, `${model}\0${version}`, () => {
      const labels = { model, version }
      return { queue: this.queue.labels(labels), compute: this.compute.labels(labels), batchRows: this.batchRows.labels(labels), batchRequests: this.batchRequests.labels(labels) }
    })
  }

  /** Read at scrape time (the gauge's collect): a request only stores a number. */
  queueDepth(depth: number): void {
    this.depthNow = depth
  }

  /** Counts rows the prediction log wrote. */
  predictionLogged(model: string, version: string, rows: number): void {
    this.logRows.inc({ model, version }, rows)
  }

  /** Counts rows the prediction log dropped and why (`buffer-full`, `write-failed`). */
  predictionDropped(model: string, version: string, rows: number, reason: string): void {
    this.logDropped.inc({ model, version, reason }, rows)
  }

  async metrics(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}
