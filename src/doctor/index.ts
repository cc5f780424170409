/**
 * `modelship doctor`: reads the repository's settings through the API and says which of the
 * protections Modelship relies on are missing. For pull requests GitHub runs the caller workflow
 * from the pull request itself, so a fork can edit `fork-environment` or drop the gate: what keeps
 * fork code off self-hosted runners has to be a repository setting, not a workflow input.
 *
 * A setting that cannot be read (the token is not an admin's) is reported as unknown, never as
 * missing: the message says what to check by hand.
 */
import { GitHubApiError } from '../errors.js'
import type { GitHubClient } from '../github/octokit.js'

/** One protection and what the repository has. */
export interface DoctorFinding {
  check: 'fork-approval' | 'workflow-permissions' | 'self-hosted-runners'
  status: 'ok' | 'missing' | 'unknown'
  detail: string
  /** What to change, for `missing` and `unknown`. */
  fix?: string
}

/** Where to look. */
export interface DoctorTarget {
  octokit: GitHubClient
  owner: string
  repo: string
}

const SETTINGS = 'Settings → Actions → General'

/** Runs `read`; a 403/404 (the settings need an admin's token) becomes `unknown` with `fix`. */
async function readable<T>(read: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
  try {
    return { ok: true, value: await read() }
  } catch (error) {
    if (error instanceof GitHubApiError && (error.status === 403 || error.status === 404)) return { ok: false, reason: error.message }
    throw error
  }
}

async function forkApproval({ octokit, owner, repo }: DoctorTarget): Promise<DoctorFinding> {
  const fix = `${SETTINGS} → "Approval for running fork pull request workflows from contributors": choose "Require approval for all external contributors".`
  const result = await readable(() => octokit.request('GET /repos/{owner}/{repo}/actions/permissions/fork-pr-contributor-approval', { owner, repo }))
  if (!result.ok) return { check: 'fork-approval', status: 'unknown', detail: `cannot read the fork approval setting (${result.reason})`, fix: `Check by hand, with an admin's token: ${fix}` }
  const policy = (result.value.data as { approval_policy: string }).approval_policy
  if (policy === 'all_external_contributors') {
    return { check: 'fork-approval', status: 'ok', detail: 'every pull request from a fork waits for a maintainer before its workflows run' }
  }
  return { check: 'fork-approval', status: 'missing', detail: `fork pull requests run without approval for some contributors (approval_policy: ${policy})`, fix }
}

async function workflowPermissions({ octokit, owner, repo }: DoctorTarget): Promise<DoctorFinding> {
  const fix = `${SETTINGS} → "Workflow permissions": choose "Read repository contents and packages permissions" and clear "Allow GitHub Actions to create and approve pull requests".`
  const result = await readable(() => octokit.request('GET /repos/{owner}/{repo}/actions/permissions/workflow', { owner, repo }))
  if (!result.ok) return { check: 'workflow-permissions', status: 'unknown', detail: `cannot read the default workflow permissions (${result.reason})`, fix: `Check by hand: ${fix}` }
  const data = result.value.data as { default_workflow_permissions: string; can_approve_pull_request_reviews: boolean }
  const problems = [
    ...(data.default_workflow_permissions !== 'read' ? [`GITHUB_TOKEN defaults to ${data.default_workflow_permissions}`] : []),
    ...(data.can_approve_pull_request_reviews ? ['workflows may approve pull requests'] : []),
  ]
  if (problems.length === 0) return { check: 'workflow-permissions', status: 'ok', detail: 'GITHUB_TOKEN defaults to read, and workflows cannot approve pull requests' }
  return { check: 'workflow-permissions', status: 'missing', detail: problems.join('; '), fix }
}

async function selfHostedRunners({ octokit, owner, repo }: DoctorTarget): Promise<DoctorFinding> {
  const fix =
    "Move them to an organization runner group restricted to selected workflows (the default branch's workflow that calls modelship-pr.yml, " +
    "pinned as owner/repo/.github/workflows/<file>@refs/heads/main), so a pull request's edited workflow cannot reach them."
  const result = await readable(() => octokit.request('GET /repos/{owner}/{repo}/actions/runners', { owner, repo, per_page: 100 }))
  if (!result.ok) return { check: 'self-hosted-runners', status: 'unknown', detail: `cannot list the repository's self-hosted runners (${result.reason})`, fix: `Check by hand in Settings → Actions → Runners. ${fix}` }
  const runners = (result.value.data as { total_count: number; runners: Array<{ name: string }> })
  if (runners.total_count === 0) {
    return {
      check: 'self-hosted-runners',
      status: 'ok',
      detail: 'no self-hosted runner is registered to the repository itself (organization runner groups need an org admin to check: restrict them to selected workflows)',
    }
  }
  const names = runners.runners.map((runner) => runner.name).join(', ')
  return {
    check: 'self-hosted-runners',
    status: 'missing',
    detail: `${runners.total_count} self-hosted runner(s) registered to the repository (${names}): any workflow in it can use them, a pull request's edited copy included`,
    fix,
  }
}

/** Every check, in a fixed order; a GitHub failure other than 403/404 is thrown. */
export async function diagnoseRepository(target: DoctorTarget): Promise<DoctorFinding[]> {
  return [await forkApproval(target), await workflowPermissions(target), await selfHostedRunners(target)]
}

/** The findings as lines for a terminal. */
export function formatFindings(findings: readonly DoctorFinding[]): string {
  const mark = { ok: 'ok     ', missing: 'MISSING', unknown: 'unknown' } as const
  return findings.map((finding) => `${mark[finding.status]} ${finding.check}: ${finding.detail}${finding.fix ? `\n        fix: ${finding.fix}` : ''}\n`).join('')
}
