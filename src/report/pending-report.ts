/**
 * A report that could not be posted (a pull request from a fork gets a read-only token), kept as two
 * files for the workflow to upload as an artifact: `modelship-report-<model>.md` (the comment body)
 * and `modelship-report-<model>.json` (pull request and model). A `workflow_run` job, which has a
 * write token, downloads the artifact and posts it with actions/report `from-artifact`.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as z from 'zod/mini'
import { DataError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-file.js'
import { COMMENT_LIMIT } from './fit-comment.js'
import { reportMarker } from './render-report.js'
import '../zod-english.js'

/** The JSON half of a pending report. */
export const PendingReportSchema = z.object({
  schemaVersion: z.literal(1),
  model: z.string().check(z.regex(/^[a-z0-9][a-z0-9_./:-]*$/)),
  prNumber: z.int().check(z.positive()),
  /** The comment body's file name, beside this one. */
  body: z.string().check(z.regex(/^modelship-report-[A-Za-z0-9_.=-]+\.md$/)),
})

/** A parsed pending report with its body. */
export interface PendingReport {
  model: string
  prNumber: number
  body: string
  /** The JSON file it was read from. */
  file: string
}

/** `modelship-report-<model>` with a monorepo `dir:name` written `dir=name`, as registry tags do. */
export function pendingReportBase(model: string): string {
  return `modelship-report-${model.replace(/[:/]/g, '=')}`
}

/** Writes the two files into `dir` (created); returns their paths. */
export async function writePendingReport(dir: string, report: { model: string; prNumber: number; body: string }): Promise<{ markdown: string; json: string }> {
  await mkdir(dir, { recursive: true })
  const base = pendingReportBase(report.model)
  const markdown = join(dir, `${base}.md`)
  const json = join(dir, `${base}.json`)
  await writeFileAtomic(markdown, report.body)
  const record = PendingReportSchema.parse({ schemaVersion: 1, model: report.model, prNumber: report.prNumber, body: `${base}.md` })
  await writeFileAtomic(json, `${JSON.stringify(record, null, 2)}\n`)
  return { markdown, json }
}

/**
 * Reads every pending report in `dir`. The folder comes from another workflow's artifact, so each
 * file is checked: a body over GitHub's limit or without its model's marker is refused.
 */
export async function readPendingReports(dir: string): Promise<PendingReport[]> {
  let names: string[]
  try {
    names = (await readdir(dir)).filter((name) => /^modelship-report-.*\.json$/.test(name)).sort()
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
  const reports: PendingReport[] = []
  for (const name of names) {
    const file = join(dir, name)
    let record: z.infer<typeof PendingReportSchema>
    try {
      record = PendingReportSchema.parse(JSON.parse(await readFile(file, 'utf8')))
    } catch (error) {
      throw new DataError(`${file}: not a pending Modelship report (${error instanceof Error ? error.message.split('\n')[0] : String(error)}). Fix: pass the artifact folder unchanged.`, {
        cause: error,
      })
    }
    const bodyFile = join(dir, record.body)
    const body = await readFile(bodyFile, 'utf8').catch(() => {
      throw new DataError(`${bodyFile}: missing; ${name} names it as its comment body. Fix: upload both files of the report in the artifact.`)
    })
    if (body.length > COMMENT_LIMIT) {
      throw new DataError(`${bodyFile}: ${body.length} characters, over GitHub's limit of ${COMMENT_LIMIT} for a comment. Fix: write it with actions/evaluate or actions/report, which cut it to fit.`)
    }
    if (!body.includes(reportMarker(record.model))) {
      throw new DataError(`${bodyFile}: lacks the marker ${reportMarker(record.model)} of model ${record.model}. Fix: pass the artifact folder unchanged.`)
    }
    reports.push({ model: record.model, prNumber: record.prNumber, body, file })
  }
  return reports
}
