import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { run as runReport } from '../../actions/report/main.js'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { writeEvaluation } from '../../src/evaluate/index.js'
import { reportMarker } from '../../src/report/index.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { NODE_BINARIES, runAction } from '../support/run-action.js'
import { sampleEvaluation } from '../report/sample-evaluation.js'

let double: GitHubDouble
let workspace: string
const READ_ONLY = 'ghs_readonly_fork_token'

before(async () => {
  double = await startGitHubDouble({ tokens: { [READ_ONLY]: 'read' } })
  await double.createCommit({ branch: 'retrain', files: { 'models/churn/model.yaml': 'name: churn\n' } })
  workspace = mkdtempSync(join(tmpdir(), 'modelship-report-action-'))
  await writeEvaluation(join(workspace, 'out/churn/evaluation.json'), sampleEvaluation())
  await writeEvaluation(join(workspace, 'out/prices/evaluation.json'), sampleEvaluation({ model: 'house-prices', fairness: null }))
})
after(async () => {
  rmSync(workspace, { recursive: true, force: true })
  await double.close()
})

function env(): Record<string, string> {
  return { GITHUB_API_URL: double.url, GITHUB_SERVER_URL: double.webUrl, GITHUB_REPOSITORY: `${double.owner}/${double.repo}`, GITHUB_RUN_ID: '8' }
}

function commentsOn(pr: number) {
  return [...double.state.comments.values()].filter((comment) => comment.issueNumber === pr)
}

for (const node of Object.keys(NODE_BINARIES) as Array<keyof typeof NODE_BINARIES>) {
  test(`actions/report under ${node}: one sticky comment per model, updated in place on a re-run`, async () => {
    const pr = await double.addPullRequest({ head: 'retrain' })
    const options = {
      action: 'report',
      workspace,
      node,
      inputs: { evaluations: 'out/**/evaluation.json', token: double.token },
      event: { name: 'pull_request', payload: { pull_request: { number: pr } } },
      env: env(),
    }
    const first = await runAction(options)
    assert.equal(first.exitCode, 0, first.stdout + first.stderr)
    assert.equal(first.outputs.posted, '2')
    assert.equal(first.outputs.pending, '')
    assert.deepEqual(JSON.parse(first.outputs.comments!).map((c: { model: string; action: string }) => [c.model, c.action]), [
      ['churn', 'created'],
      ['house-prices', 'created'],
    ])
    assert.deepEqual(first.masked, [double.token])
    const second = await runAction(options)
    assert.equal(second.exitCode, 0, second.stdout + second.stderr)
    assert.deepEqual(JSON.parse(second.outputs.comments!).map((c: { action: string }) => c.action), ['unchanged', 'unchanged'])
    const comments = commentsOn(pr)
    assert.equal(comments.length, 2)
    assert.ok(comments[0]!.body.startsWith(`${reportMarker('churn')}\n\n## ❌ Modelship: churn failed`))
    assert.ok(comments[1]!.body.startsWith(reportMarker('house-prices')))
    assert.ok(comments[0]!.body.includes(`[Workflow run](${double.webUrl}/${double.owner}/${double.repo}/actions/runs/8)`))
  })
}

test('actions/report: a fork token leaves the reports as artifact files, and from-artifact posts them later', async () => {
  const pr = await double.addPullRequest({ head: 'retrain', fromFork: true })
  const fork = createRecordingEnv({
    workspace,
    vars: env(),
    inputs: { evaluations: 'out/churn/evaluation.json', token: READ_ONLY, 'pr-number': String(pr), 'artifact-dir': 'report-artifact' },
  })
  await runReport(fork)
  const artifact = join(workspace, 'report-artifact')
  assert.equal(fork.record.outputs.pending, artifact)
  assert.equal(fork.record.outputs.posted, '0')
  assert.deepEqual(readdirSync(artifact).sort(), ['modelship-report-churn.evaluation.json', 'modelship-report-churn.json', 'modelship-report-churn.md'])
  const warnings = fork.record.annotations.filter((a) => a.level === 'warning')
  assert.equal(warnings.length, 1)
  assert.match(warnings[0]!.message, new RegExp(`^Modelship report for churn not posted: the token may not comment on pull request #${pr} \\(a pull request from a fork`))
  assert.equal(commentsOn(pr).length, 0)

  // The fork's code wrote the artifact: a doctored Markdown body is never posted, and text in the
  // evaluation is neutralized before the trusted job renders it.
  writeFileSync(join(artifact, 'modelship-report-churn.md'), `${reportMarker('churn')}\n## ✅ all passed @octocat ![x](https://evil.example/x.png)`)
  const evaluationFile = join(artifact, 'modelship-report-churn.evaluation.json')
  const doctored = JSON.parse(readFileSync(evaluationFile, 'utf8'))
  doctored.metrics[0].name = 'auc @octocat <img src=https://evil.example/x.png>'
  writeFileSync(evaluationFile, JSON.stringify(doctored))
  // A second model's report that the pull request does not change, and a broken one.
  writeFileSync(join(artifact, 'modelship-report-other.json'), JSON.stringify({ schemaVersion: 2, model: 'other', prNumber: pr, evaluation: 'modelship-report-other.evaluation.json' }))
  writeFileSync(join(artifact, 'modelship-report-other.evaluation.json'), JSON.stringify({ ...doctored, model: 'other' }))
  writeFileSync(join(artifact, 'modelship-report-broken.json'), '{')

  const later = createRecordingEnv({
    workspace,
    vars: { ...env(), GITHUB_TOKEN: double.token },
    inputs: { 'from-artifact': 'report-artifact', 'pr-number': String(pr), models: 'churn' },
  })
  await runReport(later)
  assert.equal(later.record.outputs.posted, '1')
  const [refused, skipped, ...rest] = later.record.annotations.map((a) => a.message)
  assert.deepEqual(rest, [])
  assert.ok(refused!.startsWith(`report refused: ${join(artifact, 'modelship-report-broken.json')}: not a pending Modelship report (`), refused)
  assert.equal(skipped, `${join(artifact, 'modelship-report-other.json')} is for model other, which pull request #${pr} does not change; skipped`)
  assert.equal(commentsOn(pr).length, 1)
  const body = commentsOn(pr)[0]!.body
  assert.ok(body.startsWith(`${reportMarker('churn')}\n> [!NOTE]\n> Computed by this pull request's own workflow run (from a fork)`))
  assert.match(body, /Modelship: churn failed/)
  assert.doesNotMatch(body, /@octocat|<img|!\[|all passed/)
  assert.match(body, /auc @\u200boctocat  \(higher is better\)/)
  assert.doesNotMatch(body, /evil\.example/)
  rmSync(join(artifact, 'modelship-report-other.json'))
  rmSync(join(artifact, 'modelship-report-broken.json'))

  // The fork wrote the artifact, so the number in it does not choose where the comment goes.
  const other = await double.addPullRequest({ head: 'retrain' })
  const elsewhere = createRecordingEnv({ workspace, vars: { ...env(), GITHUB_TOKEN: double.token }, inputs: { 'from-artifact': 'report-artifact', 'pr-number': String(other) } })
  await runReport(elsewhere)
  assert.equal(elsewhere.record.outputs.posted, '0')
  assert.deepEqual(elsewhere.record.annotations.map((a) => a.message), [`${join(artifact, 'modelship-report-churn.json')} is for pull request #${pr}, not #${other}; skipped`])
  assert.equal(commentsOn(other).length, 0)

  const unvouched = createRecordingEnv({ workspace, vars: { ...env(), GITHUB_TOKEN: double.token }, inputs: { 'from-artifact': 'report-artifact' } })
  await assert.rejects(runReport(unvouched), {
    name: 'UsageError',
    message:
      "input 'pr-number' is not set and the event names no pull request: from-artifact posts only to the pull request this run " +
      'vouches for, not to the number inside the artifact. Pass pr-number: the open pull request whose head commit the run ' +
      'was for (reusable-workflows/modelship-pr-comment.yml looks it up from github.event.workflow_run.head_sha).',
  })
  assert.equal(commentsOn(pr).length, 1)
  rmSync(artifact, { recursive: true, force: true })
})

test('actions/report: without a pull request nothing is posted; bad inputs fail with the fix', async () => {
  const push = await runAction({ action: 'report', workspace, inputs: { evaluations: 'out/churn/evaluation.json' }, env: env() })
  assert.equal(push.exitCode, 0, push.stdout + push.stderr)
  assert.equal(push.outputs.posted, '0')
  assert.ok(push.log.includes('churn: failed; not a pull request (no pr-number and none in the event), so no comment is posted'), push.log.join('\n'))

  const none = await runAction({ action: 'report', workspace, inputs: { evaluations: 'nowhere/**/evaluation.json' }, env: env() })
  assert.equal(none.exitCode, 1)
  assert.equal(
    none.annotations[0]!.message,
    `nowhere/**/evaluation.json: the pattern matches no file under ${workspace}. Fix: check the path, and that the evaluate step ran and wrote its evaluation.json before this step.`,
  )
  const badPr = await runAction({ action: 'report', workspace, inputs: { evaluations: 'out/churn/evaluation.json', 'pr-number': 'abc' }, env: env() })
  assert.equal(badPr.exitCode, 1)
  assert.equal(badPr.annotations[0]!.message, "input 'pr-number': expected a pull request number such as 42; got 'abc'\nFix the step's 'with:' block in your workflow.")
})

test('actions/report under act with no token: the report goes to the summary and the artifact folder with a warning; the step passes', async () => {
  const NO_TOKEN = 'running under act with no GitHub token (pass one with act -s GITHUB_TOKEN=... to post comments)'
  const vars = { ACT: 'true', GITHUB_REPOSITORY: 'acme/models', GITHUB_TOKEN: '' }
  const withPr = createRecordingEnv({ workspace, vars, inputs: { evaluations: 'out/churn/evaluation.json', 'pr-number': '7', 'artifact-dir': 'act-report' } })
  await runReport(withPr)
  const artifact = join(workspace, 'act-report')
  assert.deepEqual(withPr.record.outputs, { posted: '0', comments: '[]', pending: artifact })
  assert.deepEqual(
    withPr.record.annotations.map((a) => [a.level, a.message]),
    [['warning', `Modelship report for churn not posted: ${NO_TOKEN}. The report is in the job summary and in ${join(artifact, 'modelship-report-churn.md')}.`]],
  )
  assert.ok(withPr.record.summary.startsWith(`${reportMarker('churn')}\n\n## ❌ Modelship: churn failed`))
  assert.equal(readFileSync(join(artifact, 'modelship-report-churn.md'), 'utf8'), withPr.record.summary)
  // A complete pending report: a later run with a token posts it with from-artifact.
  assert.deepEqual(JSON.parse(readFileSync(join(artifact, 'modelship-report-churn.json'), 'utf8')), {
    schemaVersion: 2,
    model: 'churn',
    prNumber: 7,
    evaluation: 'modelship-report-churn.evaluation.json',
  })

  const fromArtifact = createRecordingEnv({ workspace, vars, inputs: { 'from-artifact': 'act-report' } })
  await runReport(fromArtifact)
  assert.deepEqual(fromArtifact.record.outputs, { posted: '0', comments: '[]', pending: artifact })
  assert.deepEqual(fromArtifact.record.annotations.map((a) => a.message), [`Nothing posted from act-report: ${NO_TOKEN}.`])
  rmSync(artifact, { recursive: true, force: true })

  // A push event has no pull request: the Markdown alone is kept.
  const push = createRecordingEnv({ workspace, vars, inputs: { evaluations: 'out/prices/evaluation.json', 'artifact-dir': 'act-report' } })
  await runReport(push)
  assert.equal(push.record.outputs.pending, artifact)
  assert.deepEqual(readdirSync(artifact), ['modelship-report-house-prices.md'])
  rmSync(artifact, { recursive: true, force: true })
})

test('actions/report with no token outside act fails the step with the fix', async () => {
  const env = createRecordingEnv({ workspace, vars: { GITHUB_REPOSITORY: 'acme/models' }, inputs: { evaluations: 'out/churn/evaluation.json', 'pr-number': '7' } })
  await assert.rejects(runReport(env), {
    name: 'UsageError',
    message:
      'No GitHub token: the token input is empty and GITHUB_TOKEN is not set. Pass `token: ${{ github.token }}` to the action, or set GITHUB_TOKEN when running locally.',
  })
})
