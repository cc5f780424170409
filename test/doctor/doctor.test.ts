import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run-cli.js'
import { diagnoseRepository, formatFindings } from '../../src/doctor/index.js'
import { createOctokit } from '../../src/github/octokit.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'

let double: GitHubDouble
const READ_ONLY = 'ghs_doctor_read_only'

before(async () => {
  double = await startGitHubDouble({ tokens: { [READ_ONLY]: 'read' } })
})
after(() => double.close())

function target(token = double.token) {
  const octokit = createOctokit({ token, baseUrl: double.url, retryAfterBaseMs: 1, writeIntervalMs: 0, log: { debug() {}, info() {}, warn() {}, error() {} } })
  return { octokit, owner: double.owner, repo: double.repo }
}

test("GitHub's defaults miss the fork approval for all contributors; the rest holds", async () => {
  const findings = await diagnoseRepository(target())
  assert.deepEqual(findings.map((f) => [f.check, f.status]), [
    ['fork-approval', 'missing'],
    ['workflow-permissions', 'ok'],
    ['self-hosted-runners', 'ok'],
  ])
  assert.match(findings[0]!.detail, /approval_policy: first_time_contributors\)/)
  assert.match(findings[0]!.fix!, /Require approval for all external contributors/)
})

test('every protection in place: all ok, no fix to print', async () => {
  double.state.actionsSettings.forkApprovalPolicy = 'all_external_contributors'
  try {
    const findings = await diagnoseRepository(target())
    assert.deepEqual(findings.map((f) => f.status), ['ok', 'ok', 'ok'])
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
    assert.deepEqual(findings.map((f) => f.status), ['missing', 'missing', 'missing'])
    assert.equal(findings[1]!.detail, 'GITHUB_TOKEN defaults to write; workflows may approve pull requests')
    assert.match(findings[2]!.detail, /^1 self-hosted runner\(s\) registered to the repository \(gpu-1\)/)
    assert.match(findings[2]!.fix!, /runner group restricted to selected workflows/)
    assert.match(formatFindings(findings), /^MISSING fork-approval: .*\n {8}fix: /)
  } finally {
    Object.assign(settings, { defaultWorkflowPermissions: 'read', canApprovePullRequestReviews: false, selfHostedRunners: [] })
  }
})

test('settings the token may not read are unknown, never missing', async () => {
  const findings = await diagnoseRepository(target(READ_ONLY))
  assert.deepEqual(findings.map((f) => f.status), ['unknown', 'unknown', 'unknown'])
  assert.match(findings[0]!.detail, /^cannot read the fork approval setting \(GitHub API .* answered 403/)
  assert.match(findings[0]!.fix!, /^Check by hand, with an admin's token: /)
})

test('any other GitHub failure is an error, not a finding', async () => {
  double.failNext('actions/get-fork-pr-contributor-approval-permissions-repository', { status: 401, message: 'Bad credentials' })
  await assert.rejects(diagnoseRepository(target()), { name: 'GitHubApiError', status: 401 })
})

async function cli(vars: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const io: CliIo & { stdout: string; stderr: string } = { stdout: '', stderr: '', cwd: process.cwd(), out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) }
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]))
  Object.assign(process.env, vars)
  try {
    return { code: await runCli(['doctor'], io), stdout: io.stdout, stderr: io.stderr }
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
    const fine = await cli(double.env())
    assert.equal(fine.code, 0, fine.stderr)
    assert.equal(fine.stdout.split('\n').filter((line) => line.startsWith('ok ')).length, 3)
  } finally {
    double.state.actionsSettings.forkApprovalPolicy = 'first_time_contributors'
  }
})
