/** Durations in specs: a whole number and a unit, `30s`, `10m`, `2h`, `7d`, `1w`. */

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** The pattern a duration must match. */
export const DURATION_PATTERN = /^([1-9]\d{0,5})(s|m|h|d|w)$/

/** Milliseconds in a duration such as `7d`; undefined when the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text)
  if (!match) return undefined
  return Number(match[1]) * UNIT_MS[match[2]!]!
}
