/**
 * Fault injection: `double.failNext(matcher, fault)` makes the next matching request(s) answer with
 * the given status, headers and body instead of reaching the handler.
 */
import { STATUS_CODES } from 'node:http'

/** The request a matcher sees. */
export interface MatchableRequest {
  method: string
  path: string
  operationId: string | undefined
  template: string | undefined
}

/**
 * Which requests a fault hits: an operationId (`repos/create-release`), `METHOD /template`
 * (`POST /repos/{owner}/{repo}/releases`), `METHOD /literal/path`, or a predicate.
 */
export type RequestMatcher = string | ((request: MatchableRequest) => boolean)

/** What the faulted requests answer. */
export interface FaultSpec {
  status: number
  /** How many matching requests fail before the fault is spent; default 1. */
  times?: number
  headers?: Record<string, string>
  /** JSON body; default `{ message, documentation_url }`. */
  body?: unknown
  /** Message of the default body; default the HTTP reason phrase. */
  message?: string
}

/** A fault still waiting for requests. */
export interface PendingFault {
  matcher: RequestMatcher
  spec: FaultSpec
  remaining: number
}

/** True when `matcher` selects `request`. */
export function matches(matcher: RequestMatcher, request: MatchableRequest): boolean {
  if (typeof matcher === 'function') return matcher(request)
  const spaced = /^([A-Za-z]+)\s+(\/\S*)$/.exec(matcher.trim())
  if (spaced === null) return request.operationId === matcher
  const [, method = '', path = ''] = spaced
  if (method.toUpperCase() !== request.method.toUpperCase()) return false
  return path === request.template || path === request.path
}

/** The answer body of a fault. */
export function faultBody(spec: FaultSpec): unknown {
  if (spec.body !== undefined) return spec.body
  return {
    message: spec.message ?? STATUS_CODES[spec.status] ?? 'Error',
    documentation_url: 'https://docs.github.com/rest',
    status: String(spec.status),
  }
}

/** A secondary rate limit as GitHub answers it: 403 (or 429) with `retry-after` seconds. */
export function secondaryRateLimit(retryAfterSeconds = 1, status: 403 | 429 = 403): FaultSpec {
  return {
    status,
    headers: { 'retry-after': String(retryAfterSeconds) },
    message:
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
  }
}

/** A spent primary rate limit: 403 (or 429) with `x-ratelimit-remaining: 0` and the reset time. */
export function primaryRateLimit(resetInSeconds = 1, status: 403 | 429 = 403, now: Date = new Date()): FaultSpec {
  const reset = Math.floor(now.getTime() / 1000) + resetInSeconds
  return {
    status,
    headers: {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '1000',
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
    },
    message: 'API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.',
  }
}
