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
  usage: '',
  description: [
    'Reads the repository settings through the GitHub API (repository from GITHUB_REPOSITORY, token from',
    'GITHUB_TOKEN; an admin token reads them all) and says which protections are missing: approval for',
    'every fork pull request, read-only default workflow permissions, no self-hosted runner open to all',
    'of the repository\'s workflows.',
  ].join('\n'),
  options: {},
  maxPositionals: 0,
  examples: ['GITHUB_REPOSITORY=acme/models GITHUB_TOKEN=... modelship doctor'],
  async run(_parsed, io) {
    const [{ readGitHubContext }, { createOctokit }, { diagnoseRepository, formatFindings }] = await Promise.all([
      import('../../github/context.js'),
      import('../../github/octokit.js'),
      import('../../doctor/index.js'),
    ])
    const context = readGitHubContext({ env: process.env })
    const octokit = createOctokit({ token: context.token, baseUrl: context.apiUrl })
    const findings = await diagnoseRepository({ octokit, owner: context.owner, repo: context.repo })
    io.out(formatFindings(findings))
    return findings.some((finding) => finding.status === 'missing') ? 1 : 0
  },
})
