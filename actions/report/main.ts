/**
 * actions/report: posts each evaluation as its model's sticky pull-request comment (created once,
 * updated on every run). Best effort: a comment that cannot be posted (a fork's read-only token)
 * warns and leaves the report files in artifact-dir for a workflow_run job, which posts them with
 * `from-artifact`. Under `act` (ACT=true) with no token there is no GitHub to post to: each report
 * goes to the job summary and the artifact folder, with a warning, and the step passes.
 */
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import * as z from 'zod/mini'
import { actWithoutToken } from '../../src/action/act.js'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { readInputs } from '../../src/action/inputs.js'
import { readEvaluation } from '../../src/evaluate/evaluation-schema.js'
import { GitHubApiError, UsageError } from '../../src/errors.js'
import { writeFileAtomic } from '../../src/fs/atomic-file.js'
import { readEventPayload, readGitHubContext, readRunUrl } from '../../src/github/context.js'
import type { GitHubClient } from '../../src/github/octokit.js'
import { expandEvaluationFiles, splitList } from '../../src/report/evaluation-files.js'
import { postReport } from '../../src/report/post-report.js'
import { fitComment } from '../../src/report/fit-comment.js'
import { pendingReportBase, readPendingReports, writePendingReport } from '../../src/report/pending-report.js'
import { renderReport, reportMarker } from '../../src/report/render-report.js'
import { upsertStickyComment } from '../../src/report/sticky-comment.js'

/** Inputs of action.yml, camelCase. */
export const ReportInputs = z.object({
  evaluations: z.optional(z.string()),
  token: z.optional(z.string()),
  commentAuthor: z.optional(z.string().check(z.regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?$/, { error: 'expected a GitHub login such as my-app[bot]' }))),
  prNumber: z.optional(z.pipe(z.string().check(z.regex(/^[1-9]\d*$/, { error: 'expected a pull request number such as 42' })), z.transform(Number))),
  fromArtifact: z.optional(z.string()),
  models: z.optional(z.string()),
  artifactDir: z._default(z.string(), 'modelship-report'),
})

/** The pull request of the triggering event: pull_request(_target), an issue comment on a PR, or a same-repository workflow_run. */
export function eventPullRequest(vars: Readonly<Record<string, string | undefined>>): number | undefined {
  const payload = readEventPayload(vars) as Record<string, unknown> | undefined
  if (typeof payload !== 'object' || payload === null) return undefined
  const pull = payload.pull_request as { number?: unknown } | undefined
  if (typeof pull?.number === 'number') return pull.number
  const issue = payload.issue as { number?: unknown; pull_request?: unknown } | undefined
  if (issue?.pull_request && typeof issue.number === 'number') return issue.number
  const runs = (payload.workflow_run as { pull_requests?: Array<{ number?: unknown }> } | undefined)?.pull_requests
  const first = runs?.[0]?.number
  return typeof first === 'number' ? first : undefined
}

async function client(env: ActionEnv, token: string | undefined): Promise<{ octokit: GitHubClient; owner: string; repo: string }> {
  const context = readGitHubContext({ ...(token ? { token } : {}), env: env.vars })
  env.setSecret(context.token)
  // Loaded only when a comment is posted: @actions/github builds its proxy agent as it loads.
  const { createOctokit } = await import('../../src/github/octokit.js')
  const warn = (message: string) => void env.annotate({ level: 'warning', title: 'Modelship report', message })
  const octokit = createOctokit({
    token: context.token,
    baseUrl: context.apiUrl,
    log: { debug: (m) => env.debug(m), info: (m) => env.info(m), warn, error: warn },
  })
  return { octokit, owner: context.owner, repo: context.repo }
}

/** Writes a report with no pull request to post it to as `modelship-report-<model>.md` in `dir`; returns the path. */
async function writeReportMarkdown(dir: string, model: string, body: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${pendingReportBase(model)}.md`)
  await writeFileAtomic(file, body)
  return file
}

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(ReportInputs, env)
  const warn = (message: string) => void env.annotate({ level: 'warning', title: 'Modelship report', message })
  const comments: Array<{ model: string; action: string; url: string }> = []
  const local = actWithoutToken(env.vars, inputs.token)
  const noToken = 'running under act with no GitHub token (pass one with act -s GITHUB_TOKEN=... to post comments)'

  if (inputs.fromArtifact !== undefined && local) {
    warn(`Nothing posted from ${inputs.fromArtifact}: ${noToken}.`)
    env.setOutput('posted', '0')
    env.setOutput('comments', '[]')
    env.setOutput('pending', resolve(env.workspace, inputs.fromArtifact))
    return
  }

  if (inputs.fromArtifact !== undefined) {
    // The artifact comes from a fork's run, which could write any number into it: the pull request
    // to post to must come from this run (the input, or the event), never from the artifact alone.
    const target = inputs.prNumber ?? eventPullRequest(env.vars)
    if (target === undefined) {
      throw new UsageError(
        "input 'pr-number' is not set and the event names no pull request: from-artifact posts only to the pull request this run " +
          "vouches for, not to the number inside the artifact. Pass pr-number: the open pull request whose head commit the run " +
          'was for (reusable-workflows/modelship-pr-comment.yml looks it up from github.event.workflow_run.head_sha).',
      )
    }
    const { reports, refused } = await readPendingReports(resolve(env.workspace, inputs.fromArtifact))
    // One bad report must not stop the others: each refusal is a warning.
    for (const { reason } of refused) warn(`report refused: ${reason}`)
    const allowed = inputs.models === undefined ? undefined : new Set(splitList(inputs.models))
    const { octokit, owner, repo } = await client(env, inputs.token)
    const done = new Set<string>()
    for (const report of reports) {
      if (target !== report.prNumber) {
        warn(`${report.file} is for pull request #${report.prNumber}, not #${target}; skipped`)
        continue
      }
      if (allowed !== undefined && !allowed.has(report.model)) {
        warn(`${report.file} is for model ${report.model}, which pull request #${target} does not change; skipped`)
        continue
      }
      // At most one comment per model, however many records the artifact holds for it.
      if (done.has(report.model)) {
        warn(`${report.file} is a second report for model ${report.model}; skipped`)
        continue
      }
      done.add(report.model)
      // The fork wrote the evaluation: render it here, after untrusted.ts neutralized its strings,
      // and say where the numbers came from.
      const markdown = renderReport(report.evaluation).replace(
        reportMarker(report.model),
        `${reportMarker(report.model)}\n> [!NOTE]\n> Computed by this pull request's own workflow run (from a fork), not by this repository: read the numbers as the pull request's claim.\n`,
      )
      const body = fitComment(markdown, {}).text
      try {
        const comment = await upsertStickyComment(
          { octokit, owner, repo, issueNumber: report.prNumber, ...(inputs.commentAuthor !== undefined ? { author: inputs.commentAuthor } : {}) },
          reportMarker(report.model),
          body,
        )
        comments.push({ model: report.model, action: comment.action, url: comment.url })
        env.info(`${report.model}: comment ${comment.action} on pull request #${report.prNumber}: ${comment.url}`)
      } catch (error) {
        if (!(error instanceof GitHubApiError)) throw error
        warn(`Modelship report for ${report.model} not posted to pull request #${report.prNumber}: ${error.message}`)
      }
    }
    env.setOutput('posted', String(comments.length))
    env.setOutput('comments', JSON.stringify(comments))
    env.setOutput('pending', '')
    return
  }

  if (inputs.evaluations === undefined) {
    throw new UsageError("input 'evaluations' is not set: pass the evaluation.json files (or a glob), or 'from-artifact' with a report artifact folder")
  }
  const files = await expandEvaluationFiles(splitList(inputs.evaluations), env.workspace)
  const prNumber = inputs.prNumber ?? eventPullRequest(env.vars)
  const runUrl = readRunUrl(env.vars)
  const github = prNumber === undefined || local ? undefined : await client(env, inputs.token)
  const artifactDir = resolve(env.workspace, inputs.artifactDir)
  let pending = false
  for (const file of files) {
    const evaluation = await readEvaluation(file)
    const markdown = renderReport(evaluation, runUrl === undefined ? {} : { runUrl })
    if (local) {
      // act ignores job summaries, so the artifact folder is where a person finds the report.
      await env.summary(markdown)
      const body = fitComment(markdown, runUrl === undefined ? {} : { summaryUrl: runUrl }).text
      // With a pull request the files are a complete pending report that from-artifact can post later.
      const file =
        prNumber === undefined
          ? await writeReportMarkdown(artifactDir, evaluation.model, body)
          : (await writePendingReport(artifactDir, { model: evaluation.model, prNumber, body, evaluation })).markdown
      warn(`Modelship report for ${evaluation.model} not posted: ${noToken}. The report is in the job summary and in ${file}.`)
      pending = true
      continue
    }
    if (!github || prNumber === undefined) {
      env.info(`${evaluation.model}: ${evaluation.verdict}; not a pull request (no pr-number and none in the event), so no comment is posted`)
      continue
    }
    const result = await postReport({
      ...github,
      prNumber,
      ...(inputs.commentAuthor !== undefined ? { author: inputs.commentAuthor } : {}),
      model: evaluation.model,
      evaluation,
      markdown,
      ...(runUrl !== undefined ? { summaryUrl: runUrl } : {}),
      artifactDir,
      warn,
    })
    if (result.posted) {
      comments.push({ model: evaluation.model, action: result.comment.action, url: result.comment.url })
      env.info(`${evaluation.model}: comment ${result.comment.action} on pull request #${prNumber}${result.cut ? ' (cut to fit; the job summary has it all)' : ''}: ${result.comment.url}`)
    } else {
      pending = true
    }
  }
  env.setOutput('posted', String(comments.length))
  env.setOutput('comments', JSON.stringify(comments))
  env.setOutput('pending', pending ? artifactDir : '')
}
