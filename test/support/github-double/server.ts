/**
 * The double's HTTP front: routes each request to an OpenAPI operation, authenticates it, counts it
 * against the token's rate limit, checks it against the schema, applies injected faults, runs the
 * handler and checks the answer too. Every request is logged; every schema breach is a violation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomUUID } from 'node:crypto'
import { acceptedPermissionsHeader, allows, requiredPermissions, tokenFromHeader, type TokenRecord } from './auth.js'
import { faultBody, matches, type PendingFault } from './faults.js'
import type { GitStore } from './git-store.js'
import { ApiError, type DoubleRequest, type DoubleResponse, type Handler, type HandlerContext } from './http.js'
import type { OpenApiReferee, Operation } from './openapi.js'
import { findDownload, serveBlob } from './resources/releases.js'
import type { DoubleState } from './state.js'
import { BLOB_PREFIX, UPLOADS_PREFIX, WEB_PREFIX, type Urls } from './urls.js'

/** A breach of GitHub's API contract: by the code under test (`request`, `route`) or by the double itself. */
export interface Violation {
  kind: 'request' | 'route' | 'response' | 'double'
  method: string
  path: string
  operationId: string | undefined
  problems: string[]
}

/** One request as the double saw it, with the status it answered. */
export interface RecordedRequest {
  method: string
  /** Path as sent (percent-encoded), without the query. */
  path: string
  query: Record<string, string>
  operationId: string | undefined
  /** e.g. `/repos/{owner}/{repo}/releases` */
  template: string | undefined
  params: Record<string, string>
  headers: Record<string, string | string[] | undefined>
  /** Parsed JSON body, if any. */
  body: unknown
  bodyBytes: number
  /** The token sent, if any. */
  token: string | undefined
  status: number
  /** True when an injected fault answered instead of the handler. */
  faulted: boolean
}

/** Everything the front needs; `urls` is filled in once the port is known. */
export interface DoubleCore {
  referee: OpenApiReferee
  state: DoubleState
  git: GitStore
  urls: Urls
  tokens: Map<string, TokenRecord>
  rateLimit: number
  faults: PendingFault[]
  requests: RecordedRequest[]
  violations: Violation[]
  handlers: Record<string, Handler>
}

const MAX_BODY_BYTES = 256 * 1024 * 1024
const JSON_TYPE = 'application/json; charset=utf-8'

/** The `http.createServer` listener for a double. */
export function createListener(core: DoubleCore): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(core, req, res).catch((error: unknown) => {
      core.violations.push({ kind: 'double', method: req.method ?? '?', path: req.url ?? '?', operationId: undefined, problems: [String(error)] })
      if (!res.headersSent) res.writeHead(500, { 'content-type': JSON_TYPE })
      res.end(JSON.stringify({ message: 'Server Error' }))
    })
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'Request body too large for the double')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

async function handle(core: DoubleCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase()
  const url = new URL(req.url ?? '/', core.urls.api)
  const raw = await readBody(req)
  const record: RecordedRequest = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    operationId: undefined,
    template: undefined,
    params: {},
    headers: { ...req.headers, authorization: req.headers.authorization === undefined ? undefined : '[redacted]' },
    body: undefined,
    bodyBytes: raw.length,
    token: tokenFromHeader(req.headers.authorization),
    status: 0,
    faulted: false,
  }
  core.requests.push(record)
  const send = (response: DoubleResponse): void => {
    record.status = response.status
    write(res, response, rateHeaders(core, record.token))
  }

  if (url.pathname.startsWith(`${BLOB_PREFIX}/`)) return send(blob(core, url.pathname))
  if (url.pathname.startsWith(`${WEB_PREFIX}/`)) return send(webDownload(core, url.pathname))

  const isUpload = url.pathname.startsWith(`${UPLOADS_PREFIX}/`)
  const apiPath = isUpload ? url.pathname.slice(UPLOADS_PREFIX.length) : url.pathname
  const match = core.referee.match(method, apiPath)
  const uploadOp = match?.operation.operationId === 'repos/upload-release-asset'
  if (match === undefined || isUpload !== uploadOp) {
    const why =
      match === undefined
        ? `${method} ${apiPath} is not an operation of GitHub's REST API`
        : uploadOp
          ? 'release assets are uploaded to the release upload_url (the uploads host), not the API host'
          : `${method} ${apiPath} is an API operation, not an upload; send it to the API root`
    core.violations.push({ kind: 'route', method, path: url.pathname, operationId: match?.operation.operationId, problems: [why] })
    return send(errorResponse(new ApiError(404, 'Not Found'), undefined))
  }
  const operation = match.operation
  record.operationId = operation.operationId
  record.template = operation.template
  record.params = match.params
  const violation = (kind: Violation['kind'], problems: string[]): void => {
    core.violations.push({ kind, method, path: url.pathname, operationId: operation.operationId, problems })
  }

  // Authentication comes first, as on GitHub: a bad token gets 401 whatever else is wrong.
  const token = record.token === undefined ? undefined : core.tokens.get(record.token)
  if (record.token !== undefined && token === undefined) return send(errorResponse(new ApiError(401, 'Bad credentials'), operation))
  if (token === undefined && method !== 'GET' && method !== 'HEAD') {
    return send(errorResponse(new ApiError(401, 'Requires authentication'), operation))
  }
  if (token !== undefined && operation.operationId !== 'rate-limit/get') {
    if (Date.now() / 1000 >= token.resetAt) {
      token.used = 0
      token.resetAt = Math.floor(Date.now() / 1000) + 3600
    }
    if (token.used >= core.rateLimit) {
      return send(errorResponse(new ApiError(403, `API rate limit exceeded for installation. The limit of ${core.rateLimit} requests an hour is used up.`), operation))
    }
    token.used += 1
  }

  const parsed = parseBody(operation, req, raw)
  record.body = parsed.body
  if (parsed.problem !== undefined) {
    violation('request', [parsed.problem])
    return send(errorResponse(new ApiError(400, 'Problems parsing JSON'), operation))
  }
  const problems = [
    ...core.referee.checkParameters(operation, match.params, queryObject(url.searchParams)),
    ...(parsed.isJson || operation.jsonBody !== undefined ? checkBody(core, operation, parsed.body) : []),
  ].map((problem) => `${problem.at} ${problem.message}`)
  if (problems.length > 0) {
    violation('request', problems)
    // GitHub states schema failures as "Invalid request." with one line per problem.
    const message = `Invalid request.\n\n${problems.join('\n')}`
    // Unknown query parameters are ignored by GitHub, so only real schema failures stop the request.
    if (problems.some((problem) => !/ is not a query parameter of /.test(problem))) {
      return send(errorResponse(new ApiError(422, message), operation))
    }
  }

  if (match.params.owner !== undefined && match.params.repo !== undefined) {
    const same = match.params.owner.toLowerCase() === core.state.owner.toLowerCase() && match.params.repo.toLowerCase() === core.state.repo.toLowerCase()
    if (!same) return send(errorResponse(new ApiError(404, 'Not Found'), operation))
  }
  const needed = requiredPermissions(operation)
  if (token !== undefined && !allows(token, needed)) {
    const denied = errorResponse(new ApiError(403, 'Resource not accessible by integration'), operation)
    denied.headers = { ...denied.headers, 'x-accepted-github-permissions': acceptedPermissionsHeader(needed) }
    return send(denied)
  }

  const fault = core.faults.find((pending) =>
    matches(pending.matcher, { method, path: url.pathname, operationId: operation.operationId, template: operation.template }),
  )
  if (fault !== undefined) {
    fault.remaining -= 1
    if (fault.remaining <= 0) core.faults.splice(core.faults.indexOf(fault), 1)
    record.faulted = true
    return send({ status: fault.spec.status, body: faultBody(fault.spec), headers: fault.spec.headers ?? {} })
  }

  const handler = core.handlers[operation.operationId]
  if (handler === undefined) {
    violation('double', [`the double does not implement ${operation.operationId}; add it under test/support/github-double/resources/`])
    return send({ status: 501, body: { message: `Not implemented by the double: ${operation.operationId}` } })
  }
  const request: DoubleRequest = {
    method,
    path: apiPath,
    operation,
    params: match.params,
    query: url.searchParams,
    headers: req.headers,
    body: parsed.body,
    raw,
    login: token?.login,
  }
  const context: HandlerContext = { request, state: core.state, git: core.git, urls: core.urls, token, rateLimit: core.rateLimit }
  let response: DoubleResponse
  try {
    response = await handler(context)
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    response = errorResponse(error, operation)
  }
  const contentType = response.raw !== undefined ? response.headers?.['content-type'] : response.body !== undefined ? 'application/json' : undefined
  const answerProblems = core.referee.checkResponse(operation, response.status, response.raw !== undefined ? undefined : response.body, contentType)
  if (answerProblems.length > 0) violation('response', answerProblems.map((problem) => `${problem.at} ${problem.message}`))
  send(response)
}

function checkBody(core: DoubleCore, operation: Operation, body: unknown) {
  if (body === undefined) {
    return operation.bodyRequired ? [{ at: 'body', message: `is required by ${operation.operationId}` }] : []
  }
  return core.referee.checkBody(operation, body)
}

function parseBody(operation: Operation, req: IncomingMessage, raw: Buffer): { body: unknown; isJson: boolean; problem?: string } {
  if (raw.length === 0) return { body: undefined, isJson: false }
  const contentType = String(req.headers['content-type'] ?? '')
  const expectsJson = operation.jsonBody !== undefined
  if (!expectsJson && !contentType.includes('json')) return { body: undefined, isJson: false }
  try {
    return { body: JSON.parse(raw.toString('utf8')), isJson: true }
  } catch (error) {
    return { body: undefined, isJson: true, problem: `body is not JSON: ${(error as Error).message}` }
  }
}

function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {}
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    query[key] = values.length === 1 ? (values[0] as string) : values
  }
  return query
}

function errorResponse(error: ApiError, operation: Operation | undefined): DoubleResponse {
  const body: Record<string, unknown> = {
    message: error.message,
    documentation_url: operation?.documentationUrl ?? 'https://docs.github.com/rest',
    status: String(error.status),
  }
  if (error.errors !== undefined) body.errors = error.errors
  return { status: error.status, body, headers: { ...error.headers } }
}

function blob(core: DoubleCore, path: string): DoubleResponse {
  const id = Number(path.slice(BLOB_PREFIX.length + 1).split('/')[0])
  const found = serveBlob(core.state, id)
  if (found === undefined) return { status: 404, raw: Buffer.from('Not Found'), headers: { 'content-type': 'text/plain' } }
  return { status: 200, raw: found.data, headers: { 'content-type': 'application/octet-stream' } }
}

function webDownload(core: DoubleCore, path: string): DoubleResponse {
  // /_web/{owner}/{repo}/releases/download/{tag}/{name}
  const parts = path.slice(WEB_PREFIX.length + 1).split('/').map(decodeURIComponent)
  const [owner, repo, releases, download, tag, name] = parts
  const ours = owner === core.state.owner && repo === core.state.repo && releases === 'releases' && download === 'download'
  const asset = ours && tag !== undefined && name !== undefined && parts.length === 6 ? findDownload(core.state, tag, name) : undefined
  if (asset === undefined) return { status: 404, raw: Buffer.from('Not Found'), headers: { 'content-type': 'text/plain' } }
  return { status: 302, headers: { location: `${core.urls.api}${BLOB_PREFIX}/${asset.id}/${encodeURIComponent(asset.name)}` } }
}

function rateHeaders(core: DoubleCore, tokenValue: string | undefined): Record<string, string> {
  const token = tokenValue === undefined ? undefined : core.tokens.get(tokenValue)
  const limit = token === undefined ? 60 : core.rateLimit
  const used = token?.used ?? 0
  const reset = token?.resetAt ?? Math.floor(Date.now() / 1000) + 3600
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(Math.max(0, limit - used)),
    'x-ratelimit-used': String(used),
    'x-ratelimit-reset': String(reset),
    'x-ratelimit-resource': 'core',
    'x-github-request-id': randomUUID().toUpperCase(),
  }
}

function write(res: ServerResponse, response: DoubleResponse, base: Record<string, string>): void {
  const headers: Record<string, string> = { ...base, ...response.headers }
  let payload: Buffer | undefined
  if (response.raw !== undefined) payload = response.raw
  else if (response.body !== undefined) {
    payload = Buffer.from(JSON.stringify(response.body))
    headers['content-type'] = JSON_TYPE
  }
  if (payload !== undefined) headers['content-length'] = String(payload.length)
  res.writeHead(response.status, headers)
  res.end(payload)
}
