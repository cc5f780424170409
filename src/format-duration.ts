/**
 * How a measured duration (a training run, an attempt, an evaluation) is written wherever a person
 * reads it: job summaries, the PR report, model cards, `modelship runs`.
 */

/**
 * Milliseconds as `850ms`, `12.3s`, `4m05s` or `2h03m`: short, with no spaces, so it also fits a
 * column of a terminal table.
 */
export function formatDuration(ms: number): string {
  // Each unit is chosen after rounding, so 999.6 ms is 1.0s, not 1000ms, and 59.96 s is 1m00s.
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`
  const tenths = Math.round(ms / 100)
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`
  const wholeSeconds = Math.round(ms / 1000)
  const minutes = Math.floor(wholeSeconds / 60)
  if (minutes < 60) return `${minutes}m${String(wholeSeconds % 60).padStart(2, '0')}s`
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
}
