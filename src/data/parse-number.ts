/**
 * How text becomes a number, for CSV cells and for text columns a caller declares numeric.
 * Accepted: decimal and exponent notation with optional sign and surrounding spaces, `inf`,
 * `-inf`, `Infinity` (any case), `true`/`false` (1/0, as pandas writes booleans). `nan` and the
 * empty string are null (NaN). Hex, octal and binary literals and `1_000` are text: JavaScript's
 * Number() would take some of them, but no data tool writes numbers that way, so they are more
 * likely IDs than quantities.
 */

/** Marker returned by `parseNumber` for text that is not a number. */
export const NOT_A_NUMBER: unique symbol = Symbol('not a number')

const SPECIAL: ReadonlyMap<string, number> = new Map([
  ['nan', Number.NaN],
  ['inf', Number.POSITIVE_INFINITY],
  ['+inf', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
  ['infinity', Number.POSITIVE_INFINITY],
  ['+infinity', Number.POSITIVE_INFINITY],
  ['-infinity', Number.NEGATIVE_INFINITY],
  ['true', 1],
  ['false', 0],
])

/** The number a text cell holds, NaN for null (empty or `nan`), or `NOT_A_NUMBER`. */
export function parseNumber(text: string): number | typeof NOT_A_NUMBER {
  if (text.length === 0) return Number.NaN
  const value = Number(text)
  if (value === value) {
    // Number('  ') is 0 and Number('0x1f') is 31: neither is a number in a data file.
    if (/[xXoObB_]/.test(text) || text.trim().length === 0) return NOT_A_NUMBER
    return value
  }
  if (text.length <= 9) {
    const special = SPECIAL.get(text.trim().toLowerCase())
    if (special !== undefined) return special
  }
  return NOT_A_NUMBER
}
