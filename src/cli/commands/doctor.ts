/**
 * `modelship doctor`: checks the repository settings that keep a fork's code off self-hosted
 * runners and keep the workflow token read-only (see src/doctor). Exit 1 when a protection is
 * missing; a setting the token may not read is reported as unknown and does not fail.
 */
import { defineCommand } from '../command.js'

/** The doctor command. */
export const doctorCommand = defineCommand({
  name: 'doctor',
  summary: "check the repository's settings for the protections Modelship relies on",
  usage: '[--path <repo>]',
  description: [
    'Reads the repository settings through the GitHub API (repository from GITHUB_REPOSITORY, token from',
    'GITHUB_TOKEN; an admin token reads them all) and says which protections are missing: approval for',
    'every fork pull request, read-only default workflow permissions, no self-hosted runner open to all',
    'of the repository\'s workflows, and, for the self-hosted runners the specs name, an organization',
    'runner group restricted to the workflows that define Modelship\'s training jobs. A setting the token',
    'may not read is reported as unknown.',
  ].join('\n'),
  options: {
    path: {
      type: 'string',
      valueName: '<repo>',
      description: 'repository root holding models/, whose specs name the runners; default the nearest folder at or above the current one that holds models/',
    },
  },
  maxPositionals: 0,
  examples: ['GITHUB_REPOSITORY=acme/models GITHUB_TOKEN=... modelship doctor', 'modelship doctor --path example-repo'],
  async run(parsed, io) {
    const [{ readGitHubContext }, { createOctokit }, { diagnoseRepository, formatFindings, specRunnerLabels }, { findRepositoryRoot }, { resolve }] = await Promise.all([
      import('../../github/context.js'),
      import('../../github/octokit.js'),
      import('../../doctor/index.js'),
      import('../validation-targets.js'),
      import('node:path'),
    ])
    const context = readGitHubContext({ env: process.env })
    const root = parsed.values.path !== undefined ? resolve(io.cwd, parsed.values.path) : await findRepositoryRoot(io.cwd)
    const runnerLabels = root === undefined ? undefined : await specRunnerLabels(root)
    const octokit = createOctokit({ token: context.token, baseUrl: context.apiUrl })
    const findings = await diagnoseRepository({ octokit, owner: context.owner, repo: context.repo, ...(runnerLabels !== undefined ? { runnerLabels } : {}) })
    io.out(formatFindings(findings))
    return findings.some((finding) => finding.status === 'missing') ? 1 : 0
  },
})
