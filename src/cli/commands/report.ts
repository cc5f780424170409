/**
 * `modelship report <evaluation.json...>`: prints the Markdown report of each evaluation; with --pr N
 * posts each as its model's sticky comment on pull request N (GITHUB_REPOSITORY, GITHUB_TOKEN),
 * updating the comment a previous run left. A comment that cannot be posted is written to
 * --artifact-dir for later, with a warning.
 */
import { resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { defineCommand } from '../command.js'
import { checkOutputFolder } from '../output-paths.js'

/** The report command. */
export const reportCommand = defineCommand({
  name: 'report',
  summary: 'print the Markdown report of evaluations, or post it as the sticky pull-request comment',
  usage: '<evaluation.json...> [options]',
  description: [
    'Prints the report of each evaluation.json as Markdown. With --pr it posts each as one comment per',
    'model on that pull request (repository from GITHUB_REPOSITORY, token from GITHUB_TOKEN), updating',
    'the comment an earlier run left.',
  ].join('\n'),
  arguments: [{ name: 'evaluation.json...', description: 'evaluations written by modelship evaluate --out or actions/evaluate' }],
  options: {
    pr: { type: 'string', valueName: '<number>', description: 'pull request to comment on' },
    'artifact-dir': {
      type: 'string',
      valueName: '<dir>',
      default: 'modelship-report',
      description: 'where a report that cannot be posted is written',
    },
    sweep: {
      type: 'string',
      valueName: '<sweep.json>',
      multiple: true,
      description: "a sweep's sweep.json (modelship sweep): its leaderboard goes into the report of the same model",
    },
  },
  examples: ['modelship report evaluation.json', 'GITHUB_REPOSITORY=acme/models GITHUB_TOKEN=... modelship report evaluation.json --pr 42'],
  async run({ values, positionals }, io) {
    if (positionals.length === 0) throw new UsageError('missing the evaluation.json files to report, e.g. modelship report evaluation.json')
    const pr = values.pr
    if (pr !== undefined && !/^[1-9]\d*$/.test(pr)) throw new UsageError(`--pr must be a pull request number such as 42; got '${pr}'`)
    if (pr !== undefined) await checkOutputFolder(resolve(io.cwd, values['artifact-dir'] as string), '--artifact-dir', io.cwd)
    // Loaded here, not at start-up: Octokit and the report renderer are only needed by this command.
    const [{ readEvaluation }, { readRunUrl }, { renderReport }] = await Promise.all([
      import('../../evaluate/evaluation-schema.js'),
      import('../../github/context.js'),
      import('../../report/render-report.js'),
    ])
    const evaluations = []
    for (const file of positionals) evaluations.push(await readEvaluation(resolve(io.cwd, file)))
    const { readSweepResult } = await import('../../sweep/sweep-schema.js')
    const sweeps = new Map<string, Awaited<ReturnType<typeof readSweepResult>>>()
    for (const file of values.sweep ?? []) {
      const sweep = await readSweepResult(resolve(io.cwd, file))
      if (!evaluations.some((evaluation) => evaluation.model === sweep.model)) {
        throw new UsageError(`--sweep ${file} is a sweep of ${sweep.model}, and no evaluation given is of ${sweep.model}; pass its evaluation.json too, or leave the sweep out`)
      }
      sweeps.set(sweep.model, sweep)
    }
    const runUrl = readRunUrl(process.env)
    const renderOptions = (model: string) => ({ ...(runUrl === undefined ? {} : { runUrl }), ...(sweeps.has(model) ? { sweep: sweeps.get(model)! } : {}) })
    if (pr === undefined) {
      io.out(evaluations.map((evaluation) => renderReport(evaluation, renderOptions(evaluation.model))).join('\n'))
      return 0
    }
    const [{ readGitHubContext }, { createOctokit }, { postReport }] = await Promise.all([
      import('../../github/context.js'),
      import('../../github/octokit.js'),
      import('../../report/post-report.js'),
    ])
    const context = readGitHubContext({ env: process.env })
    const octokit = createOctokit({ token: context.token, baseUrl: context.apiUrl })
    for (const evaluation of evaluations) {
      const result = await postReport({
        octokit,
        owner: context.owner,
        repo: context.repo,
        prNumber: Number(pr),
        model: evaluation.model,
        evaluation,
        markdown: renderReport(evaluation, renderOptions(evaluation.model)),
        ...(runUrl !== undefined ? { summaryUrl: runUrl } : {}),
        artifactDir: resolve(io.cwd, values['artifact-dir']),
        warn: (message) => io.err(`warning: ${message}\n`),
      })
      if (result.posted) io.out(`${evaluation.model}: comment ${result.comment.action} on pull request #${pr}: ${result.comment.url}\n`)
    }
    return 0
  },
})
