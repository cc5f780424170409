/**
 * `modelship doctor`: reads the repository's settings through the API and says which of the
 * protections Modelship relies on are missing. For pull requests GitHub runs the caller workflow
 * from the pull request itself, so a fork can edit any input or drop the gate: what keeps fork code
 * off self-hosted runners has to be a setting, not a workflow input: fork approval, read-only tokens,
 * and runners only in organization runner groups restricted to the workflows that define Modelship's
 * training jobs (GitHub: "only jobs directly defined within the selected workflows" get them).
 *
 * A setting that cannot be read (the token is not an admin's) is reported as unknown, never as
 * missing: the message says what to check by hand.
 */
import { GitHubApiError } from '../errors.js'
import type { GitHubClient } from '../github/octokit.js'

/** One protection and what the repository has. */
export interface DoctorFinding {
  check: 'fork-approval' | 'workflow-permissions' | 'self-hosted-runners' | 'runner-groups'
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
  /**
   * The runner label sets the repository's specs name in `train.compute.runs-on` (only those with
   * `self-hosted` are looked for in the organization's runner groups); undefined when no spec was read.
   */
  runnerLabels?: string[][]
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
    'Move them to an organization runner group restricted to selected workflows (the reusable workflows that define the training jobs, ' +
    'modelship-dev/modelship/.github/workflows/modelship-pr.yml@<tag or SHA> and modelship-merge.yml), so a pull request\'s edited workflow cannot reach them.'
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

/** The Modelship workflows whose jobs train: a runner group must select these (where the jobs are defined), pinned to a ref. */
const TRAINING_WORKFLOW = /^[\w.-]+\/[\w.-]+\/\.github\/workflows\/modelship-(pr|merge|dispatch)\.ya?ml@/
/** A pinned ref: a branch or tag spelled out, or a full commit SHA (GitHub's advice: fully qualify refs). */
const PINNED_REF = /@(refs\/(heads|tags)\/[^\s]+|[0-9a-f]{40})$/

interface RunnerGroup {
  id: number
  name: string
  visibility: string
  allows_public_repositories: boolean
  restricted_to_workflows?: boolean
  selected_workflows?: string[]
}

/** True when a runner with `labels` can take a job asking for every label of `wanted` (GitHub matches case-insensitively). */
function serves(labels: readonly string[], wanted: readonly string[]): boolean {
  const have = new Set(labels.map((label) => label.toLowerCase()))
  return wanted.every((label) => have.has(label.toLowerCase()))
}

/** What is wrong with a runner group that serves Modelship's self-hosted training jobs, as phrases. */
function groupProblems(group: RunnerGroup): string[] {
  if (group.restricted_to_workflows !== true) {
    const reach = group.visibility === 'all' ? 'every repository of the organization' : 'the repositories it is shared with'
    return [
      `it is open to every workflow of ${reach}${group.allows_public_repositories ? ', public ones included,' : ''} (restricted_to_workflows: false), a pull request's edited workflow included`,
    ]
  }
  const selected = group.selected_workflows ?? []
  const problems: string[] = []
  const unpinned = selected.filter((workflow) => !PINNED_REF.test(workflow))
  if (unpinned.length > 0) problems.push(`${unpinned.join(', ')} ${unpinned.length === 1 ? 'is' : 'are'} not pinned to refs/heads/…, refs/tags/… or a full commit SHA (a pull request's ref could match)`)
  if (!selected.some((workflow) => TRAINING_WORKFLOW.test(workflow))) {
    problems.push(
      `none of its selected workflows (${selected.join(', ') || 'none'}) is modelship-pr.yml or modelship-merge.yml: only jobs defined in a selected workflow get its runners, so Modelship's training jobs cannot use them`,
    )
  }
  return problems
}

async function runnerGroups(target: DoctorTarget): Promise<DoctorFinding[]> {
  const { octokit, owner } = target
  const fix =
    `Organization settings → Actions → Runner groups → the group of these runners → Workflow access: "Selected workflows", listing ` +
    `modelship-dev/modelship/.github/workflows/modelship-pr.yml@<tag or SHA> (and modelship-merge.yml): the reusable workflows that define the training jobs, pinned to the ref your callers use.`
  if (target.runnerLabels === undefined) {
    return [{ check: 'runner-groups', status: 'unknown', detail: 'no model spec was read, so which self-hosted runners training uses is not known', fix: 'Run modelship doctor in the repository (or pass --path) so it can read models/**/model.yaml.' }]
  }
  const wanted = target.runnerLabels.filter((labels) => labels.some((label) => label.toLowerCase() === 'self-hosted'))
  if (wanted.length === 0) return [{ check: 'runner-groups', status: 'ok', detail: 'no spec trains on a self-hosted runner (train.compute.runs-on)' }]
  const names = wanted.map((labels) => `[${labels.join(', ')}]`).join(', ')
  const listed = await readable(() => octokit.request('GET /orgs/{org}/actions/runner-groups', { org: owner, per_page: 100 }))
  if (!listed.ok) {
    return [
      {
        check: 'runner-groups',
        status: 'unknown',
        detail: `cannot read the runner groups of ${owner} for the specs' runners ${names} (${listed.reason}); runner groups exist only for organizations and need an organization admin's token`,
        fix: `Check by hand: ${fix}`,
      },
    ]
  }
  const findings: DoctorFinding[] = []
  const served = new Set<string>()
  for (const group of (listed.value.data as { runner_groups: RunnerGroup[] }).runner_groups) {
    const runners = await readable(() => octokit.request('GET /orgs/{org}/actions/runner-groups/{runner_group_id}/runners', { org: owner, runner_group_id: group.id, per_page: 100 }))
    if (!runners.ok) {
      findings.push({ check: 'runner-groups', status: 'unknown', detail: `cannot list the runners of group '${group.name}' (${runners.reason})`, fix: `Check by hand: ${fix}` })
      continue
    }
    const list = (runners.value.data as { runners: Array<{ name: string; labels: Array<{ name: string }> }> }).runners
    const matching = wanted.filter((labels) => list.some((runner) => serves(runner.labels.map((label) => label.name), labels)))
    if (matching.length === 0) continue
    for (const labels of matching) served.add(labels.join(','))
    const what = `runner group '${group.name}' serves ${matching.map((labels) => `[${labels.join(', ')}]`).join(', ')}`
    const problems = groupProblems(group)
    findings.push(
      problems.length === 0
        ? { check: 'runner-groups', status: 'ok', detail: `${what} and is restricted to selected workflows: ${(group.selected_workflows ?? []).join(', ')}` }
        : { check: 'runner-groups', status: 'missing', detail: `${what}, but ${problems.join('; ')}`, fix },
    )
  }
  const unserved = wanted.filter((labels) => !served.has(labels.join(',')))
  if (unserved.length > 0) {
    findings.push({
      check: 'runner-groups',
      status: 'unknown',
      detail: `no runner in ${owner}'s runner groups carries ${unserved.map((labels) => `[${labels.join(', ')}]`).join(', ')} (they may be registered to the repository, which the check above reads, or to an enterprise group)`,
      fix: `Check by hand: ${fix}`,
    })
  }
  return findings
}

/** Every check, in a fixed order; a GitHub failure other than 403/404 is thrown. */
export async function diagnoseRepository(target: DoctorTarget): Promise<DoctorFinding[]> {
  return [await forkApproval(target), await workflowPermissions(target), await selfHostedRunners(target), ...(await runnerGroups(target))]
}

/** The runner label sets the valid specs under `root` name (`train.compute.runs-on`); undefined when there is no spec. */
export async function specRunnerLabels(root: string): Promise<string[][] | undefined> {
  const { validateRepository } = await import('../spec/index.js')
  const report = await validateRepository(root)
  const specs = report.models.flatMap((model) => (model.spec ? [model.spec] : []))
  if (specs.length === 0) return undefined
  const unique = new Map<string, string[]>()
  for (const spec of specs) unique.set(spec.train.compute.runsOn.join(','), spec.train.compute.runsOn)
  return [...unique.values()]
}

/** The findings as lines for a terminal. */
export function formatFindings(findings: readonly DoctorFinding[]): string {
  const mark = { ok: 'ok     ', missing: 'MISSING', unknown: 'unknown' } as const
  return findings.map((finding) => `${mark[finding.status]} ${finding.check}: ${finding.detail}${finding.fix ? `\n        fix: ${finding.fix}` : ''}\n`).join('')
}
