/**
 * The one door to GitHub: every call goes through a client made here, with retries for server errors,
 * bounded waits on rate limits, paced writes, and errors converted to `GitHubApiError`. The client is
 * @actions/github's (`getOctokit`): the REST methods, pagination, the runner's proxy settings
 * (HTTPS_PROXY, NO_PROXY) and its orchestration id in the User-Agent, plus the retry and throttling
 * plugins.
 *
 * Load this module with `await import()` where a client is first made, never at the top of a module
 * that every step loads: @actions/github makes its proxy agent and fetch while it loads (~590 kB of
 * bundled code run at start-up; the report action's start went from 194 M to 367 M instructions).
 * The registry (openRegistry) and the actions do; `import type` from here costs nothing.
 */
import { getOctokit } from '@actions/github'
import { GitHub } from '@actions/github/lib/utils'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck/light.js'
import { resolveApiUrl } from './api-url.js'
import { toGitHubApiError } from './errors.js'

export { resolveApiUrl } from './api-url.js'

/** Where log lines go; `@actions/core` functions or `console` fit. */
export interface GitHubLog {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** Options of `createOctokit`; only `token` is required. */
export interface CreateOctokitOptions {
  /** Token sent with every request; an empty string sends none (anonymous, public data only). */
  token: string
  /** REST API root; default `GITHUB_API_URL`, else https://api.github.com (GHES: `https://HOST/api/v3`). */
  baseUrl?: string
  /** Prefix of the User-Agent header; default `modelship`. */
  userAgent?: string
  /** Retries of server errors (5xx) and network failures, with 1, 4, 9 … s back-off; default 3. */
  retries?: number
  /** Retries after a rate-limit answer (403/429), each after GitHub's `retry-after` or reset; default 2. */
  rateLimitRetries?: number
  /** Longest rate-limit wait worth sitting out, in seconds; a longer one fails at once; default 300. */
  maxRateLimitWaitSeconds?: number
  /** Milliseconds in one second of every retry wait; default 1000. Tests pass 1 to keep retries instant. */
  retryAfterBaseMs?: number
  /** Least gap between two writes, in ms, as GitHub advises against secondary limits; default 1000
   * (3× for writes that notify people, such as comments). Tests pass 0. */
  writeIntervalMs?: number
  /** Receives retry and rate-limit notices; default: warnings and errors to the console. */
  log?: GitHubLog
  /** Environment to read `GITHUB_API_URL` from; default `process.env`. */
  env?: Record<string, string | undefined>
}

/** @actions/github's client with the retry and throttling plugins, as `getOctokit` makes it. */
const ModelshipOctokit = GitHub.plugin(retry, throttling)

/** The GitHub client every part of Modelship uses (`octokit.rest.*`, `octokit.request`, `octokit.paginate`). */
export type GitHubClient = InstanceType<typeof ModelshipOctokit>

/** Makes the GitHub client; see `CreateOctokitOptions` for the defaults. */
export function createOctokit(options: CreateOctokitOptions): GitHubClient {
  const log = options.log ?? consoleLog
  const rateLimitRetries = options.rateLimitRetries ?? 2
  const maxWait = options.maxRateLimitWaitSeconds ?? 300
  const retryAfterBaseMs = options.retryAfterBaseMs ?? 1000
  const writeIntervalMs = options.writeIntervalMs ?? 1000

  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
      const what = `${request.method} ${request.url}`
      if (retryCount >= rateLimitRetries) {
        log.warn(`GitHub ${kind} on ${what}: giving up after ${retryCount} ${retryCount === 1 ? 'retry' : 'retries'}`)
        return false
      }
      if (retryAfter > maxWait) {
        log.warn(`GitHub ${kind} on ${what}: the wait of ${retryAfter} s is longer than ${maxWait} s, giving up`)
        return false
      }
      log.warn(`GitHub ${kind} on ${what}: retrying in ${retryAfter} s (retry ${retryCount + 1} of ${rateLimitRetries})`)
      return true
    }

  const clientOptions = {
    baseUrl: resolveApiUrl(options.baseUrl, options.env),
    userAgent: nonEmpty(options.userAgent) ?? 'modelship',
    // Octokit logs every failed request as an error, yet a 404 is often an expected answer (does this
    // release exist?). Callers get a GitHubApiError and decide; the raw line goes to debug.
    log: { debug: (m: string) => log.debug(m), info: (m: string) => log.debug(m), warn: (m: string) => log.warn(m), error: (m: string) => log.debug(m) },
    retry: {
      retries: options.retries ?? 3,
      retryAfterBaseValue: retryAfterBaseMs,
      // 429 is a rate limit: the throttling plugin waits for retry-after instead of a blind back-off.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      retryAfterBaseValue: retryAfterBaseMs,
      // Own limiter groups per client, so one client's pacing option does not leak into another's.
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: writeIntervalMs }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: writeIntervalMs * 3 }),
      search: new Bottleneck.Group({ maxConcurrent: 1, minTime: writeIntervalMs * 2 }),
      onRateLimit: onLimit('rate limit'),
      onSecondaryRateLimit: onLimit('secondary rate limit'),
    },
  }
  // getOctokit refuses an empty token; an anonymous client is the same class without auth. Its
  // return type does not carry the plugins' additions (octokit.retry), though the object has them.
  const octokit =
    options.token === '' ? new ModelshipOctokit(clientOptions) : (getOctokit(options.token, clientOptions, retry, throttling) as GitHubClient)
  // Registered after the plugins, so it wraps them: it sees an error only once retries gave up.
  octokit.hook.wrap('request', async (request, requestOptions) => {
    try {
      return await request(requestOptions)
    } catch (error) {
      throw toGitHubApiError(error)
    }
  })
  return octokit
}

const consoleLog: GitHubLog = {
  debug: () => {},
  info: () => {},
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
