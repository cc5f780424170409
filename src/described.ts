/**
 * Descriptions and examples on zod schemas, for the generated JSON Schemas (editors show them) and
 * for spec messages (issue-messages.ts quotes them). Schemas are built with zod/mini: its schemas
 * carry no per-instance methods, which makes building a few hundred of them at every action's start
 * about twice as fast as with zod's classic API (docs/bundling.md, bench/validate.mjs).
 */
import * as z from 'zod/mini'

/**
 * A copy of `schema` with a description (and examples) in zod's global registry. Always a copy, as
 * zod's own `.meta()` makes: field schemas are shared, and each use may describe them differently.
 */
export function described<T extends z.ZodMiniType>(schema: T, description: string, examples?: unknown[]): T {
  const copy = schema.clone()
  z.globalRegistry.add(copy, examples ? { description, examples } : { description })
  return copy
}
