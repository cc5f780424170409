/**
 * Canary analysis: the outcomes of the new version's requests since its canary began, judged against
 * the spec's `deploy[].canary` limits after every request, so a breach is seen on the request that
 * makes it (not at the next tick of a timer).
 *
 * A failed request is one the new version answered 5xx or 408 (it broke or was too slow), plus its
 * share of 400 answers above the old version's share on the same traffic: a client that sends bad
 * requests gets 400 from both and does not fail the canary, while a version that refuses what the old
 * one accepted (another input signature, a model that throws at run time) does.
 */

/** The limits of `deploy[].canary`, in the units used here. */
export interface CanaryLimits {
  /** Largest share of failed requests, 0–1. */
  maxErrorRate: number
  /** Largest 99th-percentile latency, ms. */
  maxP99Ms: number
  /** Requests seen before the limits are judged (one early failure is not yet a rate); default 10. */
  minRequests?: number
}

/** The figures of one version over a window. */
export interface WindowFigures {
  requests: number
  /** Answers 5xx or 408. */
  failures: number
  /** Answers 400. */
  refused: number
  /** Failed share as judged (see the module comment); 0 with no requests. */
  errorRate: number
  /** 99th percentile of the wall time of its requests in ms (nearest rank); null with no requests. */
  p99Ms: number | null
}

/** A verdict on a canary. */
export type CanaryVerdict = { breached: false } | { breached: true; limit: 'max-error-rate' | 'max-p99-ms' | 'health-check' | 'stopped'; reason: string }

/** Outcomes of one version's inference requests: counts and latencies. */
export class OutcomeWindow {
  requests = 0
  failures = 0
  refused = 0
  private readonly latencies: number[] = []

  constructor(private readonly keep = Number.POSITIVE_INFINITY) {}

  /** One answered request: its HTTP status and wall time in ms. */
  add(status: number, ms: number): void {
    this.requests++
    if (status >= 500 || status === 408) this.failures++
    else if (status === 400) this.refused++
    this.latencies.push(ms)
    // A bounded window (status figures) forgets its oldest latencies; counts stay whole-window.
    if (this.latencies.length > this.keep) this.latencies.shift()
  }

  /** The window's figures; `baseline` (the old version's window) discounts 400s every version gets. */
  figures(baseline?: OutcomeWindow): WindowFigures {
    const n = this.requests
    const refusedRate = n === 0 ? 0 : this.refused / n
    const baselineRefused = baseline && baseline.requests > 0 ? baseline.refused / baseline.requests : 0
    const errorRate = n === 0 ? 0 : this.failures / n + Math.max(0, refusedRate - (baseline ? baselineRefused : refusedRate))
    return { requests: n, failures: this.failures, refused: this.refused, errorRate, p99Ms: percentile(this.latencies, 0.99) }
  }
}

/** The nearest-rank percentile (`q` in 0–1) of `values`; null when empty. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/** Judges a canary's figures against its limits; nothing is judged before `minRequests` requests. */
export function judgeCanary(figures: WindowFigures, limits: CanaryLimits): CanaryVerdict {
  if (figures.requests < (limits.minRequests ?? 10)) return { breached: false }
  if (figures.errorRate > limits.maxErrorRate) {
    return {
      breached: true,
      limit: 'max-error-rate',
      reason: `error rate ${formatRate(figures.errorRate)} over ${figures.requests} requests (${figures.failures} failed, ${figures.refused} refused) is above max-error-rate ${formatRate(limits.maxErrorRate)}`,
    }
  }
  if (figures.p99Ms !== null && figures.p99Ms > limits.maxP99Ms) {
    return {
      breached: true,
      limit: 'max-p99-ms',
      reason: `p99 latency ${figures.p99Ms.toFixed(1)} ms over ${figures.requests} requests is above max-p99-ms ${limits.maxP99Ms}`,
    }
  }
  return { breached: false }
}

/** A rate as a percent with up to two decimals: `0.5%`, `12.25%`. */
export function formatRate(rate: number): string {
  return `${Math.round(rate * 10000) / 100}%`
}
