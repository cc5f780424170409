/**
 * JSON Schemas for editors (`# yaml-language-server: $schema=...`), generated from the zod schemas
 * so they cannot drift apart. Draft-07, which every YAML language server reads.
 */
import * as z from 'zod/mini'
import { EnvironmentSpecSchema } from './environment-schema.js'
import { ModelSpecSchema } from './model-schema.js'

/** Where the published schemas live; the `$id` of each. */
export const SCHEMA_BASE_URL = 'https://modelship.dev/schemas/'

function render(schema: z.ZodMiniType, file: string, title: string): string {
  const { $schema, description, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  const ordered = { $schema, $id: `${SCHEMA_BASE_URL}${file}`, title, description, ...rest }
  return `${JSON.stringify(ordered, null, 2)}\n`
}

/** File name → JSON text (2-space indent, trailing newline) of every committed schema under schemas/. */
export function generateJsonSchemas(): Record<string, string> {
  return {
    'model.schema.json': render(ModelSpecSchema, 'model.schema.json', 'Modelship model spec'),
    'environment.schema.json': render(EnvironmentSpecSchema, 'environment.schema.json', 'Modelship environment'),
  }
}
