/**
 * Per-version request outcomes and latencies, kept in memory for whoever decides about a version
 * while the server runs (the deploy reconciler's canary analysis), so it reads numbers, not
 * Prometheus text. Only inference routes count (`/v2/models/.../infer`, `/invocations`), and only
 * requests that reached a version.
 *
 * An error is what the version is to blame for: a 5xx or a 408 (too slow). A 4xx is the client's
 * input and not counted as an error, but is kept in `statuses`.
 *
 * Latencies are the last `window` requests of each version (a ring, default 10,000), so p99 is over
 * recent traffic and memory stays bounded; counts are since the version was first seen or `reset`.
 */
import type { ServeObserver } from './server.js'

/** What a version answered since it was first seen or last reset. */
export interface VersionOutcome {
  model: string
  version: string
  /** Inference requests answered. */
  requests: number
  /** Of them, 5xx and 408. */
  errors: number
  /** errors / requests; 0 before any request. */
  errorRate: number
  /** Answers by HTTP status, e.g. { "200": 980, "400": 3, "408": 1 }. */
  statuses: Record<string, number>
  /** Median and 99th percentile of the last `window` latencies, in ms (nearest rank); null before any request. */
  p50Ms: number | null
  p99Ms: number | null
  /** Latencies the percentiles were taken over (at most `window`). */
  latencySamples: number
  /** When counting started (ms since the epoch). */
  since: number
}

interface Tally {
  requests: number
  errors: number
  statuses: Map<number, number>
  latencies: Float64Array
  filled: number
  next: number
  since: number
}

const INFERENCE_ROUTE = /\/infer$|^\/invocations$/

/** Is `status` the version's fault (for error rates)? */
export function isVersionError(status: number): boolean {
  return status >= 500 || status === 408
}

/** Per-version outcomes; an observer for `startServer` (also through `serve()`'s handle, as `stats`). */
export class VersionStats implements ServeObserver {
  private readonly tallies = new Map<string, Tally>()
  private readonly window: number

  constructor(options: { window?: number; now?: () => number } = {}) {
    this.window = options.window ?? 10_000
    this.now = options.now ?? Date.now
  }

  private readonly now: () => number

  request(info: { route: string; status: number; model: string; version: string; seconds: number }): void {
    if (info.version === '' || !INFERENCE_ROUTE.test(info.route)) return
    const tally = this.tally(info.model, info.version)
    tally.requests++
    if (isVersionError(info.status)) tally.errors++
    tally.statuses.set(info.status, (tally.statuses.get(info.status) ?? 0) + 1)
    tally.latencies[tally.next] = info.seconds * 1000
    tally.next = (tally.next + 1) % this.window
    tally.filled = Math.min(tally.filled + 1, this.window)
  }

  private tally(model: string, version: string): Tally {
    const key = `${model}\u0000${version}`
    let tally = this.tallies.get(key)
    if (!tally) {
      tally = { requests: 0, errors: 0, statuses: new Map(), latencies: new Float64Array(this.window), filled: 0, next: 0, since: this.now() }
      this.tallies.set(key, tally)
    }
    return tally
  }

  /** The outcome of one version (zeros when it answered nothing yet). */
  snapshot(model: string, version: string): VersionOutcome {
    const tally = this.tallies.get(`${model}\u0000${version}`)
    if (!tally) return { model, version, requests: 0, errors: 0, errorRate: 0, statuses: {}, p50Ms: null, p99Ms: null, latencySamples: 0, since: this.now() }
    const sorted = tally.latencies.slice(0, tally.filled).sort()
    return {
      model,
      version,
      requests: tally.requests,
      errors: tally.errors,
      errorRate: tally.requests === 0 ? 0 : tally.errors / tally.requests,
      statuses: Object.fromEntries([...tally.statuses].sort(([a], [b]) => a - b).map(([status, n]) => [String(status), n])),
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      latencySamples: sorted.length,
      since: tally.since,
    }
  }

  /** Every version seen, sorted by model then version. */
  all(): VersionOutcome[] {
    return [...this.tallies.keys()]
      .map((key) => key.split('\u0000') as [string, string])
      .sort(([m1, v1], [m2, v2]) => m1.localeCompare(m2) || v1.localeCompare(v2))
      .map(([model, version]) => this.snapshot(model, version))
  }

  /** Starts counting afresh for one version, or every version of `model` (e.g. when a canary starts). */
  reset(model: string, version?: string): void {
    for (const key of [...this.tallies.keys()]) {
      const [m, v] = key.split('\u0000')
      if (m === model && (version === undefined || v === version)) this.tallies.delete(key)
    }
  }
}

/** Nearest-rank percentile of an ascending array; null when empty. */
function percentile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}
