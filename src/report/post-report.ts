/**
 * Posting a report as the model's sticky comment, best effort: a comment that cannot be posted
 * warns and leaves the report as files for a later `workflow_run` job (see pending-report.ts); it
 * never fails the step. Only failed gates do that, in the evaluate step.
 */
import { GitHubApiError } from '../errors.js'
import { isForbidden } from '../github/errors.js'
import type { EvaluationResult } from '../evaluate/evaluation-schema.js'
import type { GitHubClient } from '../github/octokit.js'
import { fitComment } from './fit-comment.js'
import { writePendingReport } from './pending-report.js'
import { reportMarker } from './render-report.js'
import { upsertStickyComment, type StickyCommentResult } from './sticky-comment.js'

/** Options of `postReport`. */
export interface PostReportOptions {
  octokit: GitHubClient
  owner: string
  repo: string
  prNumber: number
  /** Login the token posts as; see `StickyCommentTarget.author`. */
  author?: string
  model: string
  /** The evaluation the report shows; the pending artifact carries it as data for the workflow_run job. */
  evaluation: EvaluationResult
  /** The whole report; cut here to fit a comment. */
  markdown: string
  /** Link to the job summary (the workflow run) that holds the whole report. */
  summaryUrl?: string
  /** Where the report files go when the comment cannot be posted. */
  artifactDir: string
  warn(message: string): void
}

/** What `postReport` did: posted, or wrote the files for later. */
export type PostReportResult =
  | { posted: true; comment: StickyCommentResult; cut: boolean }
  | { posted: false; files: { markdown: string; json: string; evaluation: string }; cut: boolean; reason: string }

/** Posts (or updates) the sticky comment; on a GitHub failure warns and writes the pending report files. */
export async function postReport(options: PostReportOptions): Promise<PostReportResult> {
  const { text, cut } = fitComment(options.markdown, options.summaryUrl === undefined ? {} : { summaryUrl: options.summaryUrl })
  try {
    const comment = await upsertStickyComment(
      {
        octokit: options.octokit,
        owner: options.owner,
        repo: options.repo,
        issueNumber: options.prNumber,
        ...(options.author !== undefined ? { author: options.author } : {}),
      },
      reportMarker(options.model),
      text,
    )
    return { posted: true, comment, cut }
  } catch (error) {
    if (!(error instanceof GitHubApiError)) throw error
    const files = await writePendingReport(options.artifactDir, {
      model: options.model,
      prNumber: options.prNumber,
      body: text,
      evaluation: options.evaluation,
    })
    const reason = isForbidden(error)
      ? `the token may not comment on pull request #${options.prNumber} (a pull request from a fork gets a read-only GITHUB_TOKEN)`
      : `commenting on pull request #${options.prNumber} failed: ${error.message}`
    options.warn(
      `Modelship report for ${options.model} not posted: ${reason}. The report is in the job summary and in ${files.markdown}; ` +
        `upload ${options.artifactDir} with actions/upload-artifact and post it from a workflow_run job with actions/report (from-artifact).`,
    )
    return { posted: false, files, cut, reason }
  }
}
