/** The JSON Schema of drift.json (`schemas/drift.schema.json`), generated from the zod schema. */
import * as z from 'zod/mini'
import { SCHEMA_BASE_URL } from '../spec/json-schema.js'
import { DriftReportSchema } from './drift-report.js'

/** File name of the schema under schemas/. */
export const DRIFT_SCHEMA_FILE = 'drift.schema.json'

/** The schema's JSON text (draft-07, 2-space indent, trailing newline) with its `$id`. */
export function driftJsonSchema(): string {
  const { $schema, description, ...rest } = z.toJSONSchema(DriftReportSchema, { target: 'draft-7', io: 'output' }) as Record<string, unknown>
  const ordered = { $schema, $id: `${SCHEMA_BASE_URL}${DRIFT_SCHEMA_FILE}`, title: 'Modelship drift check', description, ...rest }
  return `${JSON.stringify(ordered, null, 2)}\n`
}
