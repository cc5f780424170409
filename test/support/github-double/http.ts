/**
 * Request and response shapes shared by the double's server and its resource handlers.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { TokenRecord } from './auth.js'
import type { GitStore } from './git-store.js'
import type { Operation } from './openapi.js'
import type { DoubleState } from './state.js'
import type { Urls } from './urls.js'

/** A request after routing: the operation it means, its parameters and parsed body. */
export interface DoubleRequest {
  method: string
  /** Path as received, without the query (and without the `/uploads` prefix for uploads). */
  path: string
  operation: Operation
  /** Decoded path parameters, as strings. */
  params: Record<string, string>
  query: URLSearchParams
  headers: IncomingHttpHeaders
  /** Parsed JSON body; undefined when none or not JSON. */
  body: unknown
  /** The body's bytes (assets are uploaded raw). */
  raw: Buffer
  /** Login of the token's user; undefined for an anonymous request. */
  login: string | undefined
}

/** What a handler answers. `body` is sent as JSON unless `raw` is given. */
export interface DoubleResponse {
  status: number
  body?: unknown
  raw?: Buffer
  headers?: Record<string, string>
}

/** Everything a handler may touch. */
export interface HandlerContext {
  request: DoubleRequest
  state: DoubleState
  git: GitStore
  urls: Urls
  /** The request's token with its rate-limit account; undefined when anonymous. */
  token: TokenRecord | undefined
  /** Requests an hour each token may make. */
  rateLimit: number
}

/** One operation's implementation, keyed by operationId in a resource module's table. */
export type Handler = (context: HandlerContext) => DoubleResponse | Promise<DoubleResponse>

/** A GitHub error answer a handler throws; the server turns it into the documented JSON shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Array<Record<string, unknown> | string>,
    readonly headers?: Record<string, string>,
  ) {
    super(message)
  }
}

/** 404 as GitHub sends it for a missing thing or one the token may not see. */
export function notFound(): ApiError {
  return new ApiError(404, 'Not Found')
}

/** 422 `Validation Failed` with GitHub's `errors` list. */
export function validationFailed(...errors: Array<Record<string, unknown> | string>): ApiError {
  return new ApiError(422, 'Validation Failed', errors)
}

/** A 2xx JSON answer. */
export function json(status: number, body: unknown, headers?: Record<string, string>): DoubleResponse {
  return headers === undefined ? { status, body } : { status, body, headers }
}

/** 204 No Content. */
export function noContent(): DoubleResponse {
  return { status: 204 }
}

/** A positive integer path parameter (already checked against the schema by the server). */
export function intParam(request: DoubleRequest, name: string): number {
  return Number(request.params[name])
}

/** The JSON body as an object (the server checked it against the schema first). */
export function bodyOf<T extends object>(request: DoubleRequest): Partial<T> {
  return (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Partial<T>
}

/** ISO 8601 time in whole seconds, as GitHub writes it. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
