/** JSON has no NaN or infinity: undefined numbers are written as null. */

/** `value`, or null when it is NaN or infinite. */
export function finiteOrNull(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : value
}

/** A copy of a metric map with undefined values as null. */
export function finiteValues(values: Readonly<Record<string, number>>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, finiteOrNull(value)]))
}
