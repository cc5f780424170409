/**
 * The HTTP front of `modelship serve` on node:http: the Open Inference Protocol (V2) REST routes with
 * the binary tensor extension and the model repository extension, MLflow's scoring routes, health,
 * and `/metrics`. Admission happens before any work: auth, body size, a bounded number of requests in
 * flight (429), a request timeout (408); node's own timeouts cut off clients that send too slowly.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ModelError } from '../errors.js'
import type { TokenSet } from './auth.js'
import { decodeBinaryRequest, encodeBinaryResponse, wantsBinaryOutput } from './binary.js'
import type { DecodedTensor } from './datatypes.js'
import { RequestError } from './errors.js'
import { decodeMlflowJson, encodeMlflowResponse, frameToRequest, parseCsv } from './mlflow.js'
import type { RunTiming } from './batcher.js'
import type { LoadedVersion, ModelStore, SessionRunInfo } from './model-store.js'
import { decodeV2Request, encodeV2Response, modelMetadata, type V2Request } from './v2.js'

/** Hooks the server calls as it answers; metrics and prediction logging implement them. */
export interface ServeObserver {
  /**
   * A request was answered. `model`/`version` are '' for routes without one; seconds are wall time.
   * An inference tried again on another version (see `ServerOptions.retryTarget`) is told twice: the
   * failed try with `retriedOn` (the version that answered instead), then the answer with `retryOf`.
   */
  request?(info: { route: string; status: number; model: string; version: string; seconds: number; retriedOn?: string; retryOf?: string }): void
  /**
   * An inference ran: the request's queue wait (batching) and compute (its session.run) in seconds,
   * the rows it held, and the rows of the session.run that served it.
   */
  inference?(info: { model: string; version: string; queueSeconds: number; computeSeconds: number; rows: number; batchRows?: number }): void
  /** Every session.run of the store while the server runs: batch sizes. */
  sessionRun?(info: SessionRunInfo): void
  /** Requests admitted and not yet answered. */
  queueDepth?(depth: number): void
  /** A prediction worth keeping for drift (the sampler decides); `timestamp` is ms since the epoch at admission. */
  prediction?(record: { model: string; version: string; id: string; request: V2Request; outputs: Record<string, unknown>; timestamp?: number; features?: readonly string[] }): void
  /** Prometheus text for GET /metrics; absent means no /metrics route. */
  metrics?(): Promise<{ contentType: string; body: string }>
}

/** Options of `startServer`. */
export interface ServerOptions {
  store: ModelStore
  /** Address to listen on; default 127.0.0.1 (use 0.0.0.0 in a container). */
  host?: string
  /** Port; default 8080; 0 picks a free one. */
  port?: number
  /** Tokens for inference routes; empty: open. */
  inferenceTokens: TokenSet
  /** Tokens for the repository (admin) routes; empty: those routes answer 403. */
  adminTokens: TokenSet
  /** Longest an inference may take from admission to answer, in ms; default 5000 (then 408). */
  requestTimeoutMs?: number
  /** Most requests admitted at once; default 256 (then 429 with Retry-After). */
  maxInFlight?: number
  /** Largest request body in bytes; default 32 MiB (then 413). */
  maxBodyBytes?: number
  /** Longest a client may take to send a whole request, in ms; default 30000. */
  clientTimeoutMs?: number
  /** Loads a model (again) for POST /v2/repository/models/{m}/load; absent: that route answers 501. */
  loadModel?: (name: string, parameters: Record<string, unknown>) => Promise<LoadedVersion>
  /**
   * Where an inference the traffic split sent to `version`, and that failed there with `status`, is
   * tried once more before the client is answered (the deploy reconciler names a canary's stable
   * version); undefined: the failure is the answer. Never asked for a request pinned to a version
   * (the client chose it), nor once the request timed out (408) or its client went away.
   */
  retryTarget?: (failed: { model: string; version: string; status: number }) => string | undefined
  /** More JSON routes (the deploy reconciler's status and reconcile); `admin` ones need an admin token as the repository routes do. */
  routes?: readonly ServerRoute[]
  observer?: ServeObserver
  /**
   * Who may read GET /metrics: 'open' (default, as Triton and KServe serve theirs to any scraper;
   * the text holds counts, model names and versions, never bodies or tokens) or 'token' (an
   * inference token, for a port reachable from outside) or 'off' (no route).
   */
  metricsAuth?: 'open' | 'token' | 'off'
  /** Access log line per request (never bodies or tokens); default none. */
  log?: (line: string) => void
  /** Server version for GET /v2 and /version. */
  version?: string
}

/** A JSON route added to the server: `handle` gets the parsed body (POST) and answers a status and a JSON body. */
export interface ServerRoute {
  method: 'GET' | 'POST'
  path: string
  admin: boolean
  handle(body: unknown): Promise<{ status: number; body: unknown }>
}

/** A running server. */
export interface RunningServer {
  server: Server
  /** `http://host:port`. */
  url: string
  /** Stops accepting, finishes in-flight requests, then resolves. */
  drain(): Promise<void>
}

const JSON_TYPE = 'application/json'
const INFER_URL = /\/infer(\?|$)/

/** Starts the server and resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const handler = new Handler(options)
  const sessionRun = options.observer?.sessionRun?.bind(options.observer)
  const stopListening = sessionRun ? options.store.onSessionRun(sessionRun) : () => undefined
  const server = createServer({ requestTimeout: options.clientTimeoutMs ?? 30_000, headersTimeout: Math.min(options.clientTimeoutMs ?? 30_000, 10_000) }, (req, res) => {
    void handler.handle(req, res)
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    server,
    url: `http://${host}:${address.port}`,
    async drain() {
      handler.draining = true
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      await handler.idle()
      // Keep-alive sockets that stayed open are idle once no request is in flight.
      server.closeAllConnections()
      await closed
      stopListening()
    },
  }
}

class Handler {
  draining = false
  private inFlight = 0
  private waiters: Array<() => void> = []
  private readonly timeoutMs: number
  private readonly maxInFlight: number
  private readonly maxBody: number

  constructor(private readonly options: ServerOptions) {
    this.timeoutMs = options.requestTimeoutMs ?? 5_000
    this.maxInFlight = options.maxInFlight ?? 256
    this.maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024
  }

  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve))
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint()
    const admittedAt = Date.now()
    const ctx: RequestContext = { route: 'unknown', model: '', version: '' }
    let status = 500
    const admitted = this.isInference(req)
    if (admitted) this.inFlight++
    this.options.observer?.queueDepth?.(this.inFlight)
    try {
      if (admitted && this.inFlight > this.maxInFlight) throw new RequestError(429, `the server has ${this.maxInFlight} requests in flight; retry shortly`, { 'Retry-After': '1' })
      const answer = await this.route(req, ctx, admittedAt)
      status = answer.status
      this.closeIfDraining(res)
      send(res, answer)
    } catch (error) {
      const failure = toFailure(error)
      status = failure.status
      this.closeIfDraining(res)
      send(res, { status, headers: failure.headers, body: JSON.stringify({ error: failure.message }), contentType: JSON_TYPE })
      // A body we refused to read must not be drained into memory; close once the answer is out.
      if (status === 413) res.once('finish', () => req.destroy())
    } finally {
      if (admitted) {
        this.inFlight--
        this.options.observer?.queueDepth?.(this.inFlight)
        if (this.inFlight === 0) for (const resolve of this.waiters.splice(0)) resolve()
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      this.options.observer?.request?.({ route: ctx.route, status, model: ctx.model, version: ctx.version, seconds, ...(ctx.retryOf ? { retryOf: ctx.retryOf } : {}) })
      this.options.log?.(`${req.method} ${ctx.route} ${status} ${ctx.model}${ctx.version ? `@${ctx.version}` : ''} ${(seconds * 1000).toFixed(1)}ms`)
    }
  }

  /** A keep-alive client must learn, on the answer it is waiting for, that this connection ends. */
  private closeIfDraining(res: ServerResponse): void {
    if (this.draining && !res.headersSent) res.setHeader('Connection', 'close')
  }

  private isInference(req: IncomingMessage): boolean {
    return req.method === 'POST' && (req.url === '/invocations' || INFER_URL.test(req.url ?? ''))
  }

  private async route(req: IncomingMessage, ctx: RequestContext, admittedAt: number): Promise<Answer> {
    const path = pathOf(req.url ?? '/')
    const method = req.method ?? 'GET'
    const { store } = this.options
    const json = (body: unknown, status = 200): Answer => ({ status, body: JSON.stringify(body), contentType: JSON_TYPE })

    if (method === 'GET' && (path === '/v2/health/live' || path === '/ping' || path === '/health' || path === '/v2/health/ready')) {
      ctx.route = path
      const ready = !this.draining && store.names().length > 0
      if (path === '/v2/health/live') return json({ live: true })
      return ready ? json({ ready: true }) : json({ error: this.draining ? 'the server is draining' : 'no model is loaded' }, 503)
    }
    if (method === 'GET' && path === '/metrics' && this.options.observer?.metrics && this.options.metricsAuth !== 'off') {
      ctx.route = '/metrics'
      if (this.options.metricsAuth === 'token') this.authorize(req)
      const { contentType, body } = await this.options.observer.metrics()
      return { status: 200, body, contentType }
    }
    if (method === 'GET' && path === '/version') {
      ctx.route = '/version'
      return { status: 200, body: this.options.version ?? '0.0.0', contentType: 'text/plain' }
    }
    if (method === 'GET' && path === '/v2') {
      ctx.route = '/v2'
      return json({ name: 'modelship', version: this.options.version ?? '0.0.0', extensions: ['binary_tensor_data', 'model_repository'] })
    }

    const extra = this.options.routes?.find((r) => r.path === path)
    if (extra) {
      ctx.route = path
      if (extra.admin && this.options.adminTokens.size === 0) throw new RequestError(403, `${path} is off: start the server with an admin token (MODELSHIP_SERVE_ADMIN_TOKENS or --admin-token-file)`)
      if (extra.admin && !this.options.adminTokens.accepts(req.headers.authorization)) throw new RequestError(401, 'missing or wrong admin bearer token', { 'WWW-Authenticate': 'Bearer' })
      if (method !== extra.method) throw new RequestError(405, `${path} takes ${extra.method}`)
      const answer = await extra.handle(method === 'POST' ? await this.readJson(req, true) : undefined)
      return json(answer.body, answer.status)
    }
    if (path.startsWith('/v2/repository/')) {
      ctx.route = path === '/v2/repository/index' ? '/v2/repository/index' : '/v2/repository/models/{m}/{action}'
      if (this.options.adminTokens.size === 0) throw new RequestError(403, 'the repository routes are off: start the server with an admin token (MODELSHIP_SERVE_ADMIN_TOKENS or --admin-token-file)')
      if (!this.options.adminTokens.accepts(req.headers.authorization)) throw new RequestError(401, 'missing or wrong admin bearer token', { 'WWW-Authenticate': 'Bearer' })
      if (method !== 'POST') throw new RequestError(405, `${path} takes POST`)
      const body = await this.readJson(req, true)
      if (path === '/v2/repository/index') return json(store.status().map(({ name, version, state, reason }) => ({ name, version, state, ...(reason ? { reason } : {}) })))
      const match = /^\/v2\/repository\/models\/([^/]+)\/(load|unload)$/.exec(path)
      if (!match) throw new RequestError(404, `no route ${path}`)
      const name = decodeURIComponent(match[1]!)
      ctx.model = name
      const parameters = isObject(body) && isObject(body.parameters) ? body.parameters : {}
      if (match[2] === 'unload') {
        const version = typeof parameters.version === 'string' ? parameters.version : undefined
        if (!(await store.unload(name, version))) throw new RequestError(404, `model '${name}'${version ? ` version '${version}'` : ''} is not loaded`)
        return json({})
      }
      if (!this.options.loadModel) throw new RequestError(501, 'this server was started without model sources to load from')
      try {
        const loaded = await this.options.loadModel(name, parameters)
        ctx.version = loaded.version
        return json({})
      } catch (error) {
        // A model that fails to load leaves what was serving untouched; the reason is the answer.
        if (error instanceof RequestError) throw error
        throw new RequestError(400, `model '${name}' failed to load: ${error instanceof Error ? error.message : String(error)}`)
      }
    }

    const model = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(path)
    if (model) {
      const name = decodeURIComponent(model[1]!)
      const pinned = model[2] !== undefined ? decodeURIComponent(model[2]) : headerValue(req.headers['x-model-version'])
      const action = model[3]
      ctx.route = `/v2/models/{m}${model[2] !== undefined ? '/versions/{v}' : ''}${action ?? ''}`
      ctx.model = name
      if (action === '/infer') {
        if (method !== 'POST') throw new RequestError(405, `${path} takes POST`)
        this.authorize(req)
        return await this.infer(req, name, pinned, ctx, 'v2', admittedAt)
      }
      if (method !== 'GET') throw new RequestError(405, `${path} takes GET`)
      this.authorize(req)
      const v = pinned !== undefined ? store.pick(name, pinned) : (store.versions(name).find((x) => x.weight > 0) ?? store.pick(name))
      ctx.version = v.version
      if (action === '/ready') return json({ name, ready: !this.draining })
      return json(modelMetadata(v, store.versions(name).map((x) => x.version)))
    }

    if (path === '/invocations') {
      ctx.route = '/invocations'
      if (method !== 'POST') throw new RequestError(405, '/invocations takes POST')
      this.authorize(req)
      const names = store.names()
      const name = headerValue(req.headers['x-model-name']) ?? (names.length === 1 ? names[0] : undefined)
      if (name === undefined) throw new RequestError(400, `several models are loaded (${names.join(', ')}); name one in the x-model-name header`)
      ctx.model = name
      return await this.infer(req, name, headerValue(req.headers['x-model-version']), ctx, 'mlflow', admittedAt)
    }
    ctx.route = 'unknown'
    throw new RequestError(404, `no route ${method} ${path}; see GET /v2 and the V2 and MLflow routes in modelship serve --help`)
  }

  private authorize(req: IncomingMessage): void {
    const tokens = this.options.inferenceTokens
    if (tokens.size > 0 && !tokens.accepts(req.headers.authorization)) throw new RequestError(401, 'missing or wrong bearer token', { 'WWW-Authenticate': 'Bearer' })
  }

  private async infer(req: IncomingMessage, name: string, pinned: string | undefined, ctx: RequestContext, protocol: 'v2' | 'mlflow', admittedAt: number): Promise<Answer> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestError(408, `the request took longer than ${this.timeoutMs} ms; retry, send fewer rows, or raise --request-timeout-ms`)), this.timeoutMs)
    })
    // Past the deadline the client has its 408, and a client that closed its connection cancelled:
    // work still running for either must not start a retry.
    let timedOut = false
    deadline.catch(() => (timedOut = true))
    const gone = () => timedOut || req.socket.destroyed
    try {
      return await Promise.race([deadline, this.inferWork(req, name, pinned, ctx, protocol, admittedAt, gone)])
    } finally {
      // Not on req 'close': node emits that once the body is read, which would cancel every timeout.
      clearTimeout(timer)
    }
  }

  private async inferWork(req: IncomingMessage, name: string, pinned: string | undefined, ctx: RequestContext, protocol: 'v2' | 'mlflow', admittedAt: number, gone: () => boolean): Promise<Answer> {
    const raw = await this.readBody(req)
    const headerLength = headerValue(req.headers['inference-header-content-length'])
    const requestId = headerValue(req.headers['x-request-id'])
    let body: unknown
    let binaryInputs = new Map()
    let csv = false
    if (protocol === 'v2' && headerLength !== undefined) {
      const decoded = decodeBinaryRequest(raw, headerLength)
      body = decoded.header
      binaryInputs = decoded.inputs
    } else if (protocol === 'mlflow' && /^text\/csv\b/i.test(req.headers['content-type'] ?? '')) {
      csv = true
    } else {
      if (protocol === 'mlflow' && !/^application\/json\b/i.test(req.headers['content-type'] ?? JSON_TYPE)) {
        throw new RequestError(415, `content type '${req.headers['content-type']}' is not served; send application/json or text/csv`)
      }
      body = parseJson(raw)
    }
    const bodyId = isObject(body) && typeof body.id === 'string' ? body.id : undefined
    const picked = this.options.store.pick(name, pinned, requestId ?? bodyId)
    ctx.version = picked.version
    const run = (v: LoadedVersion) => this.runOn(v, protocol, body, binaryInputs, csv, raw, requestId ?? bodyId ?? '', admittedAt)
    const tried = process.hrtime.bigint()
    try {
      return await run(picked)
    } catch (error) {
      // Inference is a pure function of its inputs (the prediction log keeps only answers sent), so
      // trying another version once is safe; a pinned request asked for this version and gets its answer.
      const status = toFailure(error).status
      const target = pinned === undefined && !gone() ? this.options.retryTarget?.({ model: name, version: picked.version, status }) : undefined
      if (target === undefined || target === picked.version) throw error
      let stable: LoadedVersion
      try {
        stable = this.options.store.pick(name, target)
      } catch {
        throw error
      }
      // The failed try is told as its own request, so metrics and the canary's judgement count it.
      const seconds = Number(process.hrtime.bigint() - tried) / 1e9
      this.options.observer?.request?.({ route: ctx.route, status, model: name, version: picked.version, seconds, retriedOn: stable.version })
      ctx.version = stable.version
      ctx.retryOf = picked.version
      const answer = await run(stable)
      return { ...answer, headers: { ...answer.headers, 'Modelship-Retried-From': picked.version } }
    }
  }

  /** One version's answer to a parsed inference request. */
  private async runOn(v: LoadedVersion, protocol: 'v2' | 'mlflow', body: unknown, binaryInputs: ReadonlyMap<string, DecodedTensor>, csv: boolean, raw: Buffer, id: string, admittedAt: number): Promise<Answer> {
    const request = protocol === 'v2' ? decodeV2Request(body, v, binaryInputs) : csv ? frameToRequest(parseCsv(raw.toString('utf8')), v) : decodeMlflowJson(body, v)
    const rows = Object.values(request.feeds)[0]?.dims[0] ?? 0
    const timing: RunTiming = { queueSeconds: Number.NaN, computeSeconds: Number.NaN, batchRows: rows }
    const queued = process.hrtime.bigint()
    const outputs = await v.run(request.feeds, request.fetches, timing)
    // A run that did not fill the timing in (a wrapped run) counts as all compute.
    if (Number.isNaN(timing.computeSeconds)) Object.assign(timing, { queueSeconds: 0, computeSeconds: Number(process.hrtime.bigint() - queued) / 1e9 })
    this.options.observer?.inference?.({ model: v.name, version: v.version, queueSeconds: timing.queueSeconds, computeSeconds: timing.computeSeconds, rows, batchRows: timing.batchRows })
    if (this.options.observer?.prediction) {
      const features = v.options.features
      this.options.observer.prediction({ model: v.name, version: v.version, id, request, outputs, timestamp: admittedAt, ...(features ? { features } : {}) })
    }
    // Where the time went, as the W3C Server-Timing header (ms): batching wait, then the session.run.
    const headers = { 'Server-Timing': `queue;dur=${(timing.queueSeconds * 1000).toFixed(3)}, compute;dur=${(timing.computeSeconds * 1000).toFixed(3)}` }
    if (protocol === 'mlflow') return { status: 200, body: JSON.stringify(encodeMlflowResponse(request, outputs)), contentType: JSON_TYPE, headers }
    const response = encodeV2Response(v, request, outputs)
    const binary = wantsBinaryOutput(body, request.fetches)
    if (binary.size > 0) {
      const encoded = encodeBinaryResponse(response, outputs, binary)
      return { status: 200, body: encoded.body, contentType: 'application/octet-stream', headers: { ...headers, 'Inference-Header-Content-Length': String(encoded.headerLength) } }
    }
    return { status: 200, body: JSON.stringify(response), contentType: JSON_TYPE, headers }
  }

  private async readJson(req: IncomingMessage, optional = false): Promise<unknown> {
    const raw = await this.readBody(req)
    if (optional && raw.length === 0) return {}
    return parseJson(raw)
  }

  /** The body, refused with 413 as soon as it is known to be too large (declared or streamed). */
  private readBody(req: IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > this.maxBody) return Promise.reject(tooLarge(this.maxBody))
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      req.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > this.maxBody) {
          req.pause()
          reject(tooLarge(this.maxBody))
          return
        }
        chunks.push(chunk)
      })
      req.once('end', () => resolve(Buffer.concat(chunks)))
      req.once('error', reject)
      req.once('aborted', () => reject(new RequestError(400, 'the client closed the connection before sending the whole body')))
    })
  }
}

/** What the request's record tells the observer: filled in as routing learns it. */
interface RequestContext {
  route: string
  model: string
  version: string
  /** The version that failed this request before `version` answered it (a retry). */
  retryOf?: string
}

interface Answer {
  status: number
  body: string | Buffer
  contentType: string
  headers?: Readonly<Record<string, string>>
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return
  // One writeHead with every header, as the floor does: node then skips its per-header bookkeeping
  // of setHeader (headers set before, such as Connection: close while draining, are still merged).
  res.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Content-Length': Buffer.byteLength(answer.body), ...answer.headers })
  res.end(answer.body)
}

/** A request path without a query: plain paths as they are, others through WHATWG URL (dot segments, odd characters). */
function pathOf(url: string): string {
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  return PLAIN_PATH.test(path) && !path.includes('/.') ? path : new URL(url, 'http://localhost').pathname
}
const PLAIN_PATH = /^(?:\/[\w.~%-]*)+$/

function tooLarge(max: number): RequestError {
  return new RequestError(413, `the request body is larger than ${max} bytes; send fewer rows per request or raise --max-body-bytes`)
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'))
  } catch (error) {
    throw new RequestError(400, `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function toFailure(error: unknown): { status: number; message: string; headers?: Readonly<Record<string, string>> } {
  if (error instanceof RequestError) return { status: error.status, message: error.message, headers: error.headers }
  if (error instanceof ModelError) return { status: 400, message: error.message }
  // Not the client's fault: say so without internals (the stack stays out of the answer).
  return { status: 500, message: `internal error: ${error instanceof Error ? error.message : String(error)}` }
}
