/**
 * A report that could not be posted (a pull request from a fork gets a read-only token), kept as
 * files for the workflow to upload as an artifact: `modelship-report-<model>.json` (pull request,
 * model), `modelship-report-<model>.evaluation.json` (the evaluation itself) and
 * `modelship-report-<model>.md` (the rendered comment, for people reading the artifact).
 *
 * A `workflow_run` job, which has a write token, downloads the artifact and posts it with
 * actions/report `from-artifact`. The artifact was written by the pull request's code, so that job
 * treats it as data: it never posts the Markdown; it reads the evaluation (schema-checked),
 * neutralizes every string in it (untrusted.ts) and renders the comment itself.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as z from 'zod/mini'
import { readEvaluation, type EvaluationResult } from '../evaluate/evaluation-schema.js'
import { DataError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-file.js'
import { neutralizeEvaluation, verdictMismatch } from './untrusted.js'
import '../zod-english.js'

/** A model name as a spec may write it; the marker and file names are built from it. */
const MODEL_NAME = /^[a-z0-9][a-z0-9_./:-]*$/

/** The JSON record of a pending report. */
export const PendingReportSchema = z.object({
  schemaVersion: z.literal(2),
  model: z.string().check(z.regex(MODEL_NAME)),
  prNumber: z.int().check(z.positive()),
  /** The evaluation's file name, beside this one. */
  evaluation: z.string().check(z.regex(/^modelship-report-[A-Za-z0-9_.=-]+\.evaluation\.json$/)),
})

/** A pending report read back: its evaluation, neutralized, ready to render. */
export interface PendingReport {
  model: string
  prNumber: number
  evaluation: EvaluationResult
  /** The JSON record it was read from. */
  file: string
}

/** What `readPendingReports` found: the good reports and, for each bad one, why it was refused. */
export interface PendingReports {
  reports: PendingReport[]
  refused: Array<{ file: string; reason: string }>
}

/** `modelship-report-<model>` with a monorepo `dir:name` written `dir=name`, as registry tags do. */
export function pendingReportBase(model: string): string {
  return `modelship-report-${model.replace(/[:/]/g, '=')}`
}

/** Writes the files into `dir` (created); returns their paths. */
export async function writePendingReport(
  dir: string,
  report: { model: string; prNumber: number; body: string; evaluation: EvaluationResult },
): Promise<{ markdown: string; json: string; evaluation: string }> {
  await mkdir(dir, { recursive: true })
  const base = pendingReportBase(report.model)
  const markdown = join(dir, `${base}.md`)
  const json = join(dir, `${base}.json`)
  const evaluation = join(dir, `${base}.evaluation.json`)
  await writeFileAtomic(markdown, report.body)
  await writeFileAtomic(evaluation, `${JSON.stringify(report.evaluation, null, 2)}\n`)
  const record = PendingReportSchema.parse({ schemaVersion: 2, model: report.model, prNumber: report.prNumber, evaluation: `${base}.evaluation.json` })
  await writeFileAtomic(json, `${JSON.stringify(record, null, 2)}\n`)
  return { markdown, json, evaluation }
}

/** One report's record and evaluation, checked; a DataError says why it is refused. */
async function readOne(dir: string, name: string): Promise<PendingReport> {
  const file = join(dir, name)
  let record: z.infer<typeof PendingReportSchema>
  try {
    record = PendingReportSchema.parse(JSON.parse(await readFile(file, 'utf8')))
  } catch (error) {
    throw new DataError(`${file}: not a pending Modelship report (${error instanceof Error ? error.message.split('\n')[0] : String(error)}). Fix: pass the artifact folder unchanged.`, {
      cause: error,
    })
  }
  const evaluation = await readEvaluation(join(dir, record.evaluation))
  if (evaluation.model !== record.model) {
    throw new DataError(`${join(dir, record.evaluation)}: evaluates model ${JSON.stringify(evaluation.model)}, but ${name} is for ${record.model}. Fix: pass the artifact folder unchanged.`)
  }
  const mismatch = verdictMismatch(evaluation)
  if (mismatch !== undefined) {
    throw new DataError(`${join(dir, record.evaluation)}: the verdict does not follow from its checks (${mismatch}). Fix: pass the artifact folder unchanged.`)
  }
  return { model: record.model, prNumber: record.prNumber, evaluation: neutralizeEvaluation(evaluation), file }
}

/**
 * Reads every pending report in `dir`. The folder comes from another workflow's artifact, so each
 * report is checked on its own: a bad one is refused with its reason and the others still count.
 * Only a folder that cannot be read, or holds no report at all, is an error.
 */
export async function readPendingReports(dir: string): Promise<PendingReports> {
  let names: string[]
  try {
    names = (await readdir(dir)).filter((name) => /^modelship-report-.*\.json$/.test(name) && !name.endsWith('.evaluation.json')).sort()
  } catch (error) {
    throw new DataError(
      `${dir}: cannot read the report folder (${(error as NodeJS.ErrnoException).code ?? String(error)}). ` +
        'Fix: download the artifact the pull-request workflow uploaded (actions/download-artifact) and pass its folder as from-artifact.',
      { cause: error },
    )
  }
  if (names.length === 0) {
    throw new DataError(
      `${dir}: holds no modelship-report-*.json. Fix: pass the folder of the artifact the pull-request workflow uploaded; it is only made when posting the comment failed.`,
    )
  }
  const result: PendingReports = { reports: [], refused: [] }
  for (const name of names) {
    try {
      result.reports.push(await readOne(dir, name))
    } catch (error) {
      if (!(error instanceof DataError)) throw error
      result.refused.push({ file: join(dir, name), reason: error.message })
    }
  }
  return result
}
