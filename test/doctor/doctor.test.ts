import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run-cli.js'
import { diagnoseRepository, formatFindings } from '../../src/doctor/index.js'
import { createOctokit } from '../../src/github/octokit.js'
import { startGitHubDouble, type GitHubDouble, type RunnerGroupRecord } from '../support/github-double/index.js'

let double: GitHubDouble
const READ_ONLY = 'ghs_doctor_read_only'

before(async () => {
  double = await startGitHubDouble({ tokens: { [READ_ONLY]: 'read' } })
})
after(() => double.close())

/** `runnerLabels` null: no spec was read. */
function target(token = double.token, runnerLabels: string[][] | null = []) {
  const octokit = createOctokit({ token, baseUrl: double.url, retryAfterBaseMs: 1, writeIntervalMs: 0, log: { debug() {}, info() {}, warn() {}, error() {} } })
  return { octokit, owner: double.owner, repo: double.repo, ...(runnerLabels !== null ? { runnerLabels } : {}) }
}

test("GitHub's defaults miss the fork approval for all contributors; the rest holds", async () => {
  const findings = await diagnoseRepository(target())
  assert.deepEqual(findings.map((f) => [f.check, f.status]), [
    ['fork-approval', 'missing'],
    ['workflow-permissions', 'ok'],
    ['self-hosted-runners', 'ok'],
    ['runner-groups', 'ok'],
  ])
  assert.match(findings[0]!.detail, /approval_policy: first_time_contributors\)/)
  assert.match(findings[0]!.fix!, /Require approval for all external contributors/)
})

test('every protection in place: all ok, no fix to print', async () => {
  double.state.actionsSettings.forkApprovalPolicy = 'all_external_contributors'
  try {
    const findings = await diagnoseRepository(target())
    assert.deepEqual(findings.map((f) => f.status), ['ok', 'ok', 'ok', 'ok'])
    assert.doesNotMatch(formatFindings(findings), /fix:/)
  } finally {
    double.state.actionsSettings.forkApprovalPolicy = 'first_time_contributors'
  }
})

test('a write default token, approving workflows and repository runners are each reported with the fix', async () => {
  const settings = double.state.actionsSettings
  Object.assign(settings, { defaultWorkflowPermissions: 'write', canApprovePullRequestReviews: true, selfHostedRunners: [{ name: 'gpu-1', labels: ['self-hosted', 'gpu'] }] })
  try {
    const findings = await diagnoseRepository(target())
    assert.deepEqual(findings.map((f) => f.status), ['missing', 'missing', 'missing', 'ok'])
    assert.equal(findings[1]!.detail, 'GITHUB_TOKEN defaults to write; workflows may approve pull requests')
    assert.match(findings[2]!.detail, /^1 self-hosted runner\(s\) registered to the repository \(gpu-1\)/)
    assert.match(findings[2]!.fix!, /runner group restricted to selected workflows/)
    assert.match(formatFindings(findings), /^MISSING fork-approval: .*\n {8}fix: /)
  } finally {
    Object.assign(settings, { defaultWorkflowPermissions: 'read', canApprovePullRequestReviews: false, selfHostedRunners: [] })
  }
})

test('settings the token may not read are unknown, never missing', async () => {
  const findings = await diagnoseRepository(target(READ_ONLY, [['self-hosted', 'gpu']]))
  assert.deepEqual(findings.map((f) => f.status), ['unknown', 'unknown', 'unknown', 'unknown'])
  assert.match(findings[3]!.detail, /^cannot read the runner groups of acme for the specs' runners \[self-hosted, gpu\] \(GitHub API .* answered 403/)
  assert.match(findings[0]!.detail, /^cannot read the fork approval setting \(GitHub API .* answered 403/)
  assert.match(findings[0]!.fix!, /^Check by hand, with an admin's token: /)
})

test('any other GitHub failure is an error, not a finding', async () => {
  double.failNext('actions/get-fork-pr-contributor-approval-permissions-repository', { status: 401, message: 'Bad credentials' })
  await assert.rejects(diagnoseRepository(target()), { name: 'GitHubApiError', status: 401 })
})

const GPU = ['self-hosted', 'linux', 'gpu']
const PINNED = 'modelship-dev/modelship/.github/workflows/modelship-pr.yml@refs/tags/v0.3.0'
const group = (overrides: Partial<RunnerGroupRecord> = {}): RunnerGroupRecord => ({
  name: 'gpus',
  visibility: 'selected',
  restrictedToWorkflows: true,
  selectedWorkflows: [PINNED],
  allowsPublicRepositories: false,
  runners: [{ name: 'gpu-1', labels: ['self-hosted', 'Linux', 'gpu', 'a100'] }],
  ...overrides,
})

async function withGroups<T>(groups: RunnerGroupRecord[] | undefined, fn: () => Promise<T>): Promise<T> {
  double.state.actionsSettings.orgRunnerGroups = groups
  try {
    return await fn()
  } finally {
    double.state.actionsSettings.orgRunnerGroups = []
  }
}

test("runner groups: the group serving the specs' self-hosted labels, restricted to Modelship's pinned workflow, is ok", async () => {
  const findings = await withGroups([group({ name: 'cpu', runners: [{ name: 'cpu-1', labels: ['self-hosted', 'linux'] }], restrictedToWorkflows: false }), group()], () =>
    diagnoseRepository(target(double.token, [GPU, ['ubuntu-latest']])),
  )
  assert.deepEqual(findings.slice(3), [
    { check: 'runner-groups', status: 'ok', detail: `runner group 'gpus' serves [self-hosted, linux, gpu] and is restricted to selected workflows: ${PINNED}` },
  ])
})

test('runner groups: open to every workflow, unpinned, or selecting no workflow that defines the training jobs is missing, with the fix', async () => {
  const cases: Array<[Partial<RunnerGroupRecord>, RegExp]> = [
    [{ restrictedToWorkflows: false, visibility: 'all', allowsPublicRepositories: true }, /open to every workflow of every repository of the organization, public ones included, \(restricted_to_workflows: false\), a pull request's edited workflow included/],
    [{ selectedWorkflows: ['modelship-dev/modelship/.github/workflows/modelship-pr.yml@main'] }, /modelship-pr\.yml@main is not pinned to refs\/heads\/…, refs\/tags\/… or a full commit SHA/],
    [{ selectedWorkflows: ['acme/models/.github/workflows/modelship-pr-caller.yml@refs/heads/main'] }, /none of its selected workflows \(acme\/models\/\.github\/workflows\/modelship-pr-caller\.yml@refs\/heads\/main\) is modelship-pr\.yml or modelship-merge\.yml: only jobs defined in a selected workflow get its runners/],
  ]
  for (const [overrides, detail] of cases) {
    const finding = (await withGroups([group(overrides)], () => diagnoseRepository(target(double.token, [GPU]))))[3]!
    assert.equal(finding.status, 'missing')
    assert.match(finding.detail, /^runner group 'gpus' serves \[self-hosted, linux, gpu\], but /)
    assert.match(finding.detail, detail)
    assert.match(finding.fix!, /Workflow access: "Selected workflows"/)
  }
})

test('runner groups: a user account, an unreadable group and labels no group serves are unknown, never missing', async () => {
  const user = await withGroups(undefined, () => diagnoseRepository(target(double.token, [GPU])))
  assert.equal(user[3]!.status, 'unknown')
  assert.match(user[3]!.detail, /runner groups exist only for organizations/)

  double.failNext('actions/list-self-hosted-runners-in-group-for-org', { status: 403, message: 'Must have admin rights' })
  const hidden = await withGroups([group()], () => diagnoseRepository(target(double.token, [GPU])))
  assert.deepEqual(hidden.slice(3).map((f) => f.status), ['unknown', 'unknown'])
  assert.match(hidden[3]!.detail, /^cannot list the runners of group 'gpus'/)
  assert.match(hidden[4]!.detail, /^no runner in acme's runner groups carries \[self-hosted, linux, gpu\]/)

  const none = await diagnoseRepository(target(double.token, null))
  assert.equal(none[3]!.status, 'unknown')
  assert.match(none[3]!.detail, /no model spec was read/)
})

async function cli(vars: Record<string, string>, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const io: CliIo & { stdout: string; stderr: string } = { stdout: '', stderr: '', cwd: process.cwd(), out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) }
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]))
  Object.assign(process.env, vars)
  try {
    return { code: await runCli(['doctor', ...args], io), stdout: io.stdout, stderr: io.stderr }
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

test('modelship doctor exits 1 while a protection is missing, 0 once all hold', async () => {
  const missing = await cli(double.env())
  assert.equal(missing.code, 1, missing.stderr)
  assert.match(missing.stdout, /^MISSING fork-approval: /m)
  double.state.actionsSettings.forkApprovalPolicy = 'all_external_contributors'
  try {
    const fine = await cli(double.env(), ['--path', 'example-repo'])
    assert.equal(fine.code, 0, fine.stderr)
    assert.equal(fine.stdout.split('\n').filter((line) => line.startsWith('ok ')).length, 4)
    assert.match(fine.stdout, /^ok {6}runner-groups: no spec trains on a self-hosted runner/m)
  } finally {
    double.state.actionsSettings.forkApprovalPolicy = 'first_time_contributors'
  }
})
