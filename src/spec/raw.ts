/**
 * Safe reads of raw (not yet validated) spec data, so checks can run on every file, even one whose
 * shape is partly wrong: each reader returns undefined when the value has another type, and the
 * schema reports the type problem.
 */

/** The mapping at `key`, or undefined. */
export function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  const child = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined
  return child !== null && typeof child === 'object' && !Array.isArray(child) ? (child as Record<string, unknown>) : undefined
}

/** The string at `key`, or undefined. */
export function stringAt(value: unknown, key: string): string | undefined {
  const child = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
  return typeof child === 'string' ? child : undefined
}

/** The list at `key`, or undefined. */
export function listAt(value: unknown, key: string): unknown[] | undefined {
  const child = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
  return Array.isArray(child) ? child : undefined
}

/** The string items of the list at `key` with their indexes. */
export function stringItems(value: unknown, key: string): Array<[index: number, item: string]> {
  const list = listAt(value, key) ?? []
  const items: Array<[number, string]> = []
  list.forEach((item, index) => {
    if (typeof item === 'string') items.push([index, item])
  })
  return items
}

/** Whether `key` is present (even with an empty value). */
export function has(value: unknown, key: string): boolean {
  return value !== null && typeof value === 'object' && Object.hasOwn(value, key)
}
