/** Writing evaluation.json: checked against the schema, then written atomically (temp file, rename). */
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { writeFileAtomic } from '../fs/atomic-file.js'
import { EvaluationResultSchema, type EvaluationResult } from './evaluation-schema.js'

/** Writes `result` to `path` (folders created); readers see the old file or the whole new one. */
export async function writeEvaluation(path: string, result: EvaluationResult): Promise<void> {
  const checked = EvaluationResultSchema.parse(result)
  await mkdir(dirname(path), { recursive: true })
  await writeFileAtomic(path, `${JSON.stringify(checked, null, 2)}\n`)
}
