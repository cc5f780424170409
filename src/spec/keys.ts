/**
 * The one place where YAML's kebab-case keys become TypeScript's camelCase ones. Every spec object
 * schema is built with `specObject`, which validates the kebab-case input strictly (unknown keys are
 * problems) and then renames that object's own keys; records of user names (params, per-feature
 * overrides) are left alone because they are not built with it.
 */
import * as z from 'zod/mini'

/** `max-p99-ms` → `maxP99Ms` at the type level. */
export type KebabToCamel<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<KebabToCamel<Tail>>}`
  : S

/** An object type with its keys renamed from kebab-case to camelCase. */
export type CamelKeys<T> = { [K in keyof T as K extends string ? KebabToCamel<K> : K]: T[K] }

/** `max-p99-ms` → `maxP99Ms`. */
export function kebabToCamel(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}

/** A shallow copy of `value` with its own keys renamed to camelCase; undefined values are dropped. */
export function camelizeKeys<T extends Record<string, unknown>>(value: T): CamelKeys<T> {
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[kebabToCamel(key)] = item
  return out as CamelKeys<T>
}

type StrictOutput<Shape extends z.core.$ZodLooseShape> = z.output<z.ZodMiniObject<Shape, z.core.$strict>>

/**
 * A strict object schema over kebab-case keys whose parsed value has camelCase keys. `check` sees
 * the kebab-case value (only when its fields parsed) and reports rules that tie fields together.
 */
export function specObject<Shape extends z.core.$ZodLooseShape>(
  shape: Shape,
  check?: (value: StrictOutput<Shape>, ctx: z.core.$RefinementCtx<StrictOutput<Shape>>) => void,
) {
  const object = z.strictObject(shape)
  const checked = check ? object.check(z.superRefine(check)) : object
  return z.pipe(
    checked,
    z.transform((value: StrictOutput<Shape>) => camelizeKeys(value as Record<string, unknown>) as CamelKeys<StrictOutput<Shape>>),
  )
}
