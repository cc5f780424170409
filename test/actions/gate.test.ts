// actions/gate against the GitHub double: a maintainer's label on a fork's head commit dispatches
// the training workflow, and nothing else does; the dispatched run checks the approval again; the
// comment job learns the changed models from GitHub's file list.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { runMain } from '../../src/action/run-main.js'
import { run } from '../../actions/gate/main.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'

const LABEL = 'modelship:train'
const WORKFLOW = '.github/workflows/modelship-pr.yml'
const DISPATCHABLE = 'on:\n  pull_request:\n  workflow_dispatch:\n    inputs:\n      pull-request: { required: true }\n      head-sha: { required: true }\njobs: {}\n'
let double: GitHubDouble
let temp: string

before(async () => {
  double = await startGitHubDouble({ owner: 'acme', repo: 'models', files: { 'README.md': 'models\n', [WORKFLOW]: DISPATCHABLE } })
  double.setPermission('maintainer', 'maintain')
  double.setPermission('writer', 'write')
  double.setPermission('triager', 'triage')
  temp = mkdtempSync(join(tmpdir(), 'modelship-gate-'))
})
after(async () => {
  rmSync(temp, { recursive: true, force: true })
  await double.close()
})

let branches = 0
/** A fork's pull request changing churn; returns its number and head commit. */
async function forkPull(files: Record<string, string> = { 'models/churn/train.py': 'print("mine")\n' }, fromFork = true): Promise<{ pr: number; head: string }> {
  const branch = `change-${++branches}`
  const head = await double.createCommit({ branch, files })
  return { pr: await double.addPullRequest({ head: branch, fromFork, user: 'mallory' }), head }
}

/** The pull_request_target payload GitHub would send for `action` on `pr`. */
function eventFile(pr: number, head: string, action: string, extra: Record<string, unknown> = {}): string {
  const issue = double.state.issues.get(pr)!
  const file = join(temp, `event-${pr}-${action}-${Math.random()}.json`)
  writeFileSync(
    file,
    JSON.stringify({
      action,
      number: pr,
      pull_request: { number: pr, head: { sha: head }, labels: issue.labels.map((name) => ({ name })) },
      repository: { default_branch: 'main', full_name: 'acme/models' },
      ...extra,
    }),
  )
  return file
}

async function gate(inputs: Record<string, string>, vars: Record<string, string>) {
  const env = createRecordingEnv({ workspace: temp, inputs, vars: { ...double.env(), MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0', ...vars } })
  const code = await runMain(run, env)
  return { code, ...env.record }
}

const approve = (pr: number, head: string, action: string, extra: Record<string, unknown> = {}) =>
  gate({ operation: 'approve' }, { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: eventFile(pr, head, action, extra) })

const labelled = (name = LABEL) => ({ label: { name }, sender: { login: 'maintainer' } })

test("approve: a maintainer's label on a fork's head commit dispatches the training workflow with that commit", async () => {
  const { pr, head } = await forkPull()
  double.labelIssue(pr, LABEL, 'maintainer')
  const before = double.state.dispatches.length
  const result = await approve(pr, head, 'labeled', labelled())
  assert.equal(result.code, 0, result.failure)
  assert.equal(result.outputs.approved, 'true')
  assert.equal(result.outputs.approver, 'maintainer')
  const dispatches = double.state.dispatches.slice(before)
  assert.equal(dispatches.length, 1)
  assert.deepEqual({ path: dispatches[0]!.workflowPath, ref: dispatches[0]!.ref, inputs: dispatches[0]!.inputs }, {
    path: WORKFLOW,
    ref: 'main',
    inputs: { 'pull-request': String(pr), 'head-sha': head },
  })
  assert.match(result.summary, /label `modelship:train` by @maintainer \(maintain\)/)
})

test('approve: a label applied by someone without write access starts nothing, and says who and why', async () => {
  const { pr, head } = await forkPull()
  double.labelIssue(pr, LABEL, 'triager')
  const before = double.state.dispatches.length
  const result = await approve(pr, head, 'labeled', { label: { name: LABEL }, sender: { login: 'triager' } })
  assert.equal(result.code, 0)
  assert.equal(result.outputs.approved, 'false')
  assert.equal(double.state.dispatches.length, before)
  assert.match(result.annotations[0]!.message, /applied by triager, whose role in acme\/models is triage; only write, maintain or admin approves training/)
})

test("approve: the event's sender does not count, the label event's actor does (a forged or replayed payload starts nothing)", async () => {
  const { pr, head } = await forkPull()
  double.labelIssue(pr, LABEL, 'mallory')
  const before = double.state.dispatches.length
  const result = await approve(pr, head, 'labeled', labelled())
  assert.equal(result.outputs.approved, 'false')
  assert.equal(double.state.dispatches.length, before)
  assert.match(result.annotations[0]!.message, /applied by mallory, whose role in acme\/models is none/)
})

test('approve: a push after the label wins the race with nothing: the commit labelled is no longer the head', async () => {
  const { pr, head } = await forkPull()
  double.labelIssue(pr, LABEL, 'writer')
  // The fork pushes before the gate runs: the double records a fork's head as set.
  const pushed = await double.createCommit({ branch: `change-${branches}`, files: { 'models/churn/train.py': 'print("worse")\n' } })
  double.state.issues.get(pr)!.pull!.headSha = pushed
  const before = double.state.dispatches.length
  const result = await approve(pr, head, 'labeled', labelled())
  assert.equal(result.outputs.approved, 'false')
  assert.equal(double.state.dispatches.length, before)
  assert.match(result.annotations[0]!.message, new RegExp(`moved: its head is ${pushed}, not ${head}`))
})

test('approve: a new push removes the label, so the next approval is for the new commits', async () => {
  const { pr, head } = await forkPull()
  double.labelIssue(pr, LABEL, 'writer')
  const result = await approve(pr, head, 'synchronize')
  assert.equal(result.code, 0, result.failure)
  assert.deepEqual(double.state.issues.get(pr)!.labels, [])
  assert.match(result.log.join('\n'), /removed 'modelship:train'/)
  const unlabeled = double.state.issueEvents.filter((e) => e.issueNumber === pr).map((e) => e.event)
  assert.deepEqual(unlabeled, ['labeled', 'unlabeled'])
  // Without the label there is nothing to withdraw, and still no dispatch.
  const again = await approve(pr, head, 'synchronize')
  assert.match(again.log.join('\n'), /carries no 'modelship:train' label/)
})

test('approve: another label, a closed pull request and a same-repository one dispatch nothing', async () => {
  const before = double.state.dispatches.length
  const other = await forkPull()
  double.labelIssue(other.pr, 'bug', 'maintainer')
  assert.match((await approve(other.pr, other.head, 'labeled', labelled('bug'))).log.join('\n'), /Nothing to do for 'labeled' of label 'bug'/)

  const closed = await forkPull()
  double.labelIssue(closed.pr, LABEL, 'maintainer')
  double.state.issues.get(closed.pr)!.state = 'closed'
  assert.match((await approve(closed.pr, closed.head, 'labeled', labelled())).annotations[0]!.message, /is closed/)

  const own = await forkPull(undefined, false)
  double.labelIssue(own.pr, LABEL, 'maintainer')
  const result = await approve(own.pr, own.head, 'labeled', labelled())
  assert.match(result.log.join('\n'), /comes from this repository: its own pull_request run trains it/)
  assert.equal(double.state.dispatches.length, before)
})

test('approve and verify refuse to run under another event: their safety rests on the event', async () => {
  const { pr, head } = await forkPull()
  const asPr = await gate({ operation: 'approve' }, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventFile(pr, head, 'labeled', labelled()) })
  assert.equal(asPr.code, 1)
  assert.match(asPr.failure!, /operation 'approve' runs in a pull_request_target workflow, not 'pull_request'/)
  const verifyAsPr = await gate({ operation: 'verify', 'pull-request': String(pr), 'head-sha': head }, { GITHUB_EVENT_NAME: 'pull_request' })
  assert.match(verifyAsPr.failure!, /operation 'verify' runs in a workflow_dispatch workflow, not 'pull_request'/)
})

test('verify: the dispatched run trains only the approved head, and outputs what to check out and compare with', async () => {
  const { pr, head } = await forkPull()
  const dispatch = { GITHUB_EVENT_NAME: 'workflow_dispatch' }
  const unlabelled = await gate({ operation: 'verify', 'pull-request': String(pr), 'head-sha': head }, dispatch)
  assert.equal(unlabelled.code, 1)
  assert.match(unlabelled.failure!, new RegExp(`Not training pull request #${pr} at ${head}: pull request #${pr} does not carry the label 'modelship:train'`))

  double.labelIssue(pr, LABEL, 'writer')
  const ok = await gate({ operation: 'verify', 'pull-request': String(pr), 'head-sha': head }, dispatch)
  assert.equal(ok.code, 0, ok.failure)
  const base = (await double.git.resolveCommit('main'))!
  assert.deepEqual(ok.outputs, { 'pull-request': String(pr), approved: 'true', 'head-sha': head, 'base-sha': base, approver: 'writer' })

  const wrongSha = await gate({ operation: 'verify', 'pull-request': String(pr), 'head-sha': 'f'.repeat(40) }, dispatch)
  assert.match(wrongSha.failure!, /moved: its head is/)
  const notSha = await gate({ operation: 'verify', 'pull-request': String(pr), 'head-sha': 'main' }, dispatch)
  assert.match(notSha.failure!, /'main' is not a full commit SHA/)
  const missing = await gate({ operation: 'verify', 'pull-request': '9999', 'head-sha': head }, dispatch)
  assert.match(missing.failure!, /pull request #9999 does not exist in acme\/models/)
  const noInput = await gate({ operation: 'verify', 'pull-request': String(pr) }, dispatch)
  assert.match(noInput.failure!, /input 'head-sha' is not set: operation 'verify' needs it/)
})

test('changed-models: each folder under models/ that holds a changed file, from the API, renames counted both ways', async () => {
  const { pr } = await forkPull({ 'models/churn/train.py': 'x\n', 'models/vision/detector/model.yaml': 'name: x\n', 'data/shared.csv': 'a\n1\n', 'models/README.md': 'x\n' })
  const result = await gate({ operation: 'changed-models', 'pull-request': String(pr) }, { GITHUB_EVENT_NAME: 'workflow_run' })
  assert.equal(result.code, 0, result.failure)
  assert.equal(result.outputs.models, 'churn\nvision\nvision:detector')
  const none = await forkPull({ 'data/only.csv': 'a\n1\n' })
  const empty = await gate({ operation: 'changed-models', 'pull-request': String(none.pr) }, { GITHUB_EVENT_NAME: 'workflow_run' })
  assert.equal(empty.outputs.models, '')
  assert.match(empty.log.join('\n'), /changes no file under models\//)
})

test('a bad operation or number is a usage error naming the input', async () => {
  const bad = await gate({ operation: 'train' }, {})
  assert.match(bad.failure!, /input 'operation': expected 'approve', 'verify' or 'changed-models'; got 'train'/)
  const badNumber = await gate({ operation: 'changed-models', 'pull-request': '#3' }, {})
  assert.match(badNumber.failure!, /input 'pull-request': expected a pull request number such as 42; got '#3'/)
})
