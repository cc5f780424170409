/** The JSON Schema of evaluation.json (`schemas/evaluation.schema.json`), generated from the zod schema. */
import * as z from 'zod/mini'
import { SCHEMA_BASE_URL } from '../spec/json-schema.js'
import { EvaluationResultSchema } from './evaluation-schema.js'

/** File name of the schema under schemas/. */
export const EVALUATION_SCHEMA_FILE = 'evaluation.schema.json'

/** The schema's JSON text (draft-07, 2-space indent, trailing newline) with its `$id`. */
export function evaluationJsonSchema(): string {
  const { $schema, description, ...rest } = z.toJSONSchema(EvaluationResultSchema, { target: 'draft-7', io: 'output' }) as Record<string, unknown>
  const ordered = { $schema, $id: `${SCHEMA_BASE_URL}${EVALUATION_SCHEMA_FILE}`, title: 'Modelship evaluation', description, ...rest }
  return `${JSON.stringify(ordered, null, 2)}\n`
}
