/**
 * A boolean action input as the runner's YAML 1.2 core schema spells one (`true`, `True`, `TRUE`,
 * `false`, …), like @actions/core's getBooleanInput, as a schema for readInputs.
 */
import * as z from 'zod/mini'

const BOOLEAN = ['true', 'True', 'TRUE', 'false', 'False', 'FALSE'] as const

/** The schema of a boolean input that is `fallback` when not set. */
export function booleanInput(fallback: 'true' | 'false') {
  return z.pipe(
    z._default(z.enum(BOOLEAN, { error: "expected 'true' or 'false'" }), fallback),
    z.transform((value) => value.toLowerCase() === 'true'),
  )
}
