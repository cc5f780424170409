import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createOctokit } from '../../src/github/octokit.js'
import {
  COMMENT_LIMIT,
  neutralizeEvaluation,
  neutralizeText,
  postingLogin,
  postReport,
  readPendingReports,
  renderReport,
  reportMarker,
  upsertStickyComment,
  writePendingReport,
} from '../../src/report/index.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { sampleEvaluation } from './sample-evaluation.js'

let double: GitHubDouble
const READ_ONLY = 'ghs_readonly_fork_token'
const PAT = 'ghp_maintainer_personal_token'
const APP = 'ghs_app_installation_token'

before(async () => {
  double = await startGitHubDouble({
    tokens: { [READ_ONLY]: 'read', [PAT]: { login: 'maintainer', kind: 'pat' }, [APP]: { login: 'modelship-app[bot]' } },
  })
  await double.createCommit({ branch: 'retrain', files: { 'models/churn/model.yaml': 'name: churn\n' } })
})
after(() => double.close())

function client(token = double.token) {
  return createOctokit({ token, baseUrl: double.url, retryAfterBaseMs: 1, writeIntervalMs: 0, log: { debug() {}, info() {}, warn() {}, error() {} } })
}

function commentsOn(pr: number) {
  return [...double.state.comments.values()].filter((comment) => comment.issueNumber === pr)
}

function seedComments(pr: number, count: number, body: (i: number) => string, user: (i: number) => string = () => 'octocat'): void {
  for (let i = 0; i < count; i++) {
    const id = double.state.nextId()
    double.state.comments.set(id, { id, issueNumber: pr, body: body(i), user: user(i), createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' })
  }
}

test('the first run creates the comment, a re-run updates it in place, the same body changes nothing', async () => {
  const pr = await double.addPullRequest({ head: 'retrain' })
  const target = { octokit: client(), owner: double.owner, repo: double.repo, issueNumber: pr }
  const marker = reportMarker('churn')
  const first = await upsertStickyComment(target, marker, `${marker}\nfirst run`)
  assert.equal(first.action, 'created')
  const second = await upsertStickyComment(target, marker, `${marker}\nsecond run`)
  assert.deepEqual([second.action, second.id], ['updated', first.id])
  const third = await upsertStickyComment(target, marker, `${marker}\nsecond run`)
  assert.deepEqual([third.action, third.id], ['unchanged', first.id])
  // Another model gets its own comment.
  const other = await upsertStickyComment(target, reportMarker('churn-v2'), `${reportMarker('churn-v2')}\nother`)
  assert.equal(other.action, 'created')
  assert.deepEqual(commentsOn(pr).map((c) => c.body), [`${marker}\nsecond run`, `${reportMarker('churn-v2')}\nother`])
  assert.match(first.url, new RegExp(`/pull/${pr}#issuecomment-${first.id}$`))
})

test('with more than 100 comments the marker is found on page 2', async () => {
  const pr = await double.addPullRequest({ head: 'retrain' })
  const marker = reportMarker('churn')
  seedComments(
    pr,
    130,
    (i) => (i === 120 ? `${marker}\nold report` : `comment ${i}`),
    (i) => (i === 120 ? 'github-actions[bot]' : 'octocat'),
  )
  const markedId = commentsOn(pr).find((c) => c.body.includes(marker))!.id
  const seen = double.requests.length
  const result = await upsertStickyComment({ octokit: client(), owner: double.owner, repo: double.repo, issueNumber: pr }, marker, `${marker}\nnew report`)
  assert.deepEqual([result.action, result.id], ['updated', markedId])
  assert.equal(commentsOn(pr).length, 130)
  const requests = double.requests.slice(seen).map((r) => `${r.operationId} ${r.query.page ?? '1'}`)
  assert.deepEqual(requests, ['users/get-authenticated 1', 'issues/list-comments 1', 'issues/list-comments 2', 'issues/update-comment 1'])
})

test('a comment someone else wrote with the marker is never updated: the poster creates its own', async () => {
  const pr = await double.addPullRequest({ head: 'retrain' })
  const marker = reportMarker('churn')
  // An outsider pastes the marker with a fake verdict, hoping the next run edits their comment.
  seedComments(pr, 1, () => `${marker}\n✅ all gates passed`, () => 'mallory')
  const target = { octokit: client(), owner: double.owner, repo: double.repo, issueNumber: pr }
  const first = await upsertStickyComment(target, marker, `${marker}\nreal report`)
  assert.deepEqual([first.action, first.foreign], ['created', 1])
  const second = await upsertStickyComment(target, marker, `${marker}\nsecond run`)
  assert.deepEqual([second.action, second.id, second.foreign], ['updated', first.id, 1])
  assert.deepEqual(
    commentsOn(pr).map((c) => [c.user, c.body]),
    [['mallory', `${marker}\n✅ all gates passed`], ['github-actions[bot]', `${marker}\nsecond run`]],
  )
})

test("the poster is the personal token's user from GET /user, or the author input for an App token", async () => {
  const pr = await double.addPullRequest({ head: 'retrain' })
  const marker = reportMarker('churn')
  seedComments(pr, 3, (i) => `${marker}\nby ${i}`, (i) => ['github-actions[bot]', 'Maintainer', 'modelship-app[bot]'][i]!)
  const [bot, maintainer, app] = commentsOn(pr).map((c) => c.id)
  const on = (token: string, author?: string) => ({ octokit: client(token), owner: double.owner, repo: double.repo, issueNumber: pr, ...(author ? { author } : {}) })
  // A personal token: GET /user names the account (logins compare case-insensitively).
  assert.deepEqual(await postingLogin(on(PAT)), 'maintainer')
  assert.equal((await upsertStickyComment(on(PAT), marker, `${marker}\npat`)).id, maintainer)
  // An installation token: GitHub answers GET /user with 403, so without the input the poster is
  // taken to be github-actions[bot] (wrong for an App, which is why the input exists).
  await assert.rejects(client(APP).rest.users.getAuthenticated(), { status: 403 })
  assert.equal(await postingLogin(on(APP)), 'github-actions[bot]')
  assert.equal((await upsertStickyComment(on(APP, 'modelship-app[bot]'), marker, `${marker}\napp`)).id, app)
  assert.equal((await upsertStickyComment(on(double.token), marker, `${marker}\nbot`)).id, bot)
  assert.deepEqual(commentsOn(pr).map((c) => c.body), [`${marker}\nbot`, `${marker}\npat`, `${marker}\napp`])
})

test('a GET /user failure other than 403 is not mistaken for a bot token', async () => {
  const pr = await double.addPullRequest({ head: 'retrain' })
  double.failNext('users/get-authenticated', { status: 401, message: 'Bad credentials' })
  await assert.rejects(
    upsertStickyComment({ octokit: client(PAT), owner: double.owner, repo: double.repo, issueNumber: pr }, reportMarker('churn'), `${reportMarker('churn')}\nx`),
    { name: 'GitHubApiError', status: 401 },
  )
  assert.equal(commentsOn(pr).length, 0)
})

test('a read-only token (fork pull request): warns and writes the report files; a later job posts them', async () => {
  const pr = await double.addPullRequest({ head: 'retrain', fromFork: true })
  const dir = mkdtempSync(join(tmpdir(), 'modelship-report-artifact-'))
  try {
    const warnings: string[] = []
    const evaluation = sampleEvaluation()
    const markdown = renderReport(evaluation)
    const result = await postReport({
      octokit: client(READ_ONLY),
      owner: double.owner,
      repo: double.repo,
      prNumber: pr,
      model: 'churn',
      evaluation,
      markdown,
      summaryUrl: 'https://github.com/acme/models/actions/runs/8',
      artifactDir: dir,
      warn: (message) => warnings.push(message),
    })
    assert.equal(result.posted, false)
    assert.deepEqual(readdirSync(dir).sort(), ['modelship-report-churn.evaluation.json', 'modelship-report-churn.json', 'modelship-report-churn.md'])
    assert.equal(readFileSync(join(dir, 'modelship-report-churn.md'), 'utf8'), markdown)
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'modelship-report-churn.evaluation.json'), 'utf8')), JSON.parse(JSON.stringify(evaluation)))
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'modelship-report-churn.json'), 'utf8')), {
      schemaVersion: 2,
      model: 'churn',
      prNumber: pr,
      evaluation: 'modelship-report-churn.evaluation.json',
    })
    assert.deepEqual(warnings, [
      `Modelship report for churn not posted: the token may not comment on pull request #${pr} (a pull request from a fork gets a read-only GITHUB_TOKEN). ` +
        `The report is in the job summary and in ${join(dir, 'modelship-report-churn.md')}; upload ${dir} with actions/upload-artifact and post it from a workflow_run job with actions/report (from-artifact).`,
    ])
    assert.equal(commentsOn(pr).length, 0)

    // The workflow_run job reads the evaluation back as data.
    const { reports, refused } = await readPendingReports(dir)
    assert.deepEqual(refused, [])
    assert.deepEqual([reports[0]!.model, reports[0]!.prNumber], ['churn', pr])
    assert.equal(reports[0]!.evaluation.verdict, evaluation.verdict)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('an oversized report is cut to fit the comment limit, which GitHub would refuse otherwise', async () => {
  const pr = await double.addPullRequest({ head: 'retrain' })
  const big = sampleEvaluation()
  big.fairness!.features[0]!.groups = Array.from({ length: 3000 }, (_, i) => ({ group: `g${i}`, count: 1, selectionRate: 1, truePositiveRate: 1, falsePositiveRate: 0, accuracy: 1 }))
  const markdown = renderReport(big)
  assert.ok(markdown.length > COMMENT_LIMIT)
  const result = await postReport({
    octokit: client(),
    owner: double.owner,
    repo: double.repo,
    prNumber: pr,
    model: 'churn',
    evaluation: big,
    markdown,
    artifactDir: join(tmpdir(), 'never-written'),
    warn: (message) => assert.fail(message),
  })
  assert.equal(result.posted, true)
  assert.equal(result.cut, true)
  const body = commentsOn(pr)[0]!.body
  assert.ok(body.length <= COMMENT_LIMIT)
  assert.ok(body.startsWith(reportMarker('churn')))
  assert.ok(body.endsWith('The full report is in the job summary of the workflow run.\n'))
})

test('an artifact with no report, or an unreadable folder, is an error with the fix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-report-artifact-'))
  try {
    await assert.rejects(readPendingReports(dir), { name: 'DataError', message: new RegExp(`^${dir}: holds no modelship-report-\\*\\.json\\.`) })
    await assert.rejects(readPendingReports(join(dir, 'missing')), { name: 'DataError', message: /missing: cannot read the report folder \(ENOENT\)/ })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('each bad report in an artifact is refused with its reason; the good one is still read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-report-artifact-'))
  try {
    const good = sampleEvaluation()
    await writePendingReport(dir, { model: good.model, prNumber: 3, body: 'ignored', evaluation: good })
    const record = (model: string, evaluation: string) => JSON.stringify({ schemaVersion: 2, model, prNumber: 3, evaluation })
    // A path outside the folder.
    writeFileSync(join(dir, 'modelship-report-a.json'), JSON.stringify({ schemaVersion: 2, model: 'a', prNumber: 3, evaluation: '../../etc/passwd' }))
    // Not an evaluation.
    writeFileSync(join(dir, 'modelship-report-b.json'), record('b', 'modelship-report-b.evaluation.json'))
    writeFileSync(join(dir, 'modelship-report-b.evaluation.json'), JSON.stringify({ verdict: 'passed' }))
    // A fake ✅: verdict passed over a failed gate.
    const fake = sampleEvaluation()
    fake.model = 'c'
    fake.gates[0]!.status = 'failed'
    fake.gates[0]!.passed = false
    fake.passed = true
    fake.verdict = 'passed'
    writeFileSync(join(dir, 'modelship-report-c.json'), record('c', 'modelship-report-c.evaluation.json'))
    writeFileSync(join(dir, 'modelship-report-c.evaluation.json'), JSON.stringify(fake))
    // The record names one model, the evaluation another.
    writeFileSync(join(dir, 'modelship-report-d.json'), record('d', 'modelship-report-churn.evaluation.json'))
    // Not JSON at all.
    writeFileSync(join(dir, 'modelship-report-e.json'), '{')
    const { reports, refused } = await readPendingReports(dir)
    assert.deepEqual(reports.map((r) => r.model), [good.model])
    assert.deepEqual(refused.map((r) => r.file), ['a', 'b', 'c', 'd', 'e'].map((m) => join(dir, `modelship-report-${m}.json`)))
    assert.match(refused[0]!.reason, /modelship-report-a\.json: not a pending Modelship report/)
    assert.match(refused[1]!.reason, /modelship-report-b\.evaluation\.json: /)
    assert.match(refused[2]!.reason, /the verdict does not follow from its checks \(passed is true, but a check failed\)/)
    assert.match(refused[3]!.reason, /evaluates model "churn", but modelship-report-d\.json is for d/)
    assert.match(refused[4]!.reason, /modelship-report-e\.json: not a pending Modelship report/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('text from a fork cannot mention, show images, carry HTML or a second marker, or link to its own run', () => {
  assert.equal(neutralizeText('cc @octocat and @acme/admins'), 'cc @\u200boctocat and @\u200bacme/admins')
  assert.equal(neutralizeText('![✅ passed](https://evil.example/ok.png) ![x][ref] ![bare'), '✅ passed x !\\[bare')
  assert.equal(neutralizeText('<img src=x> <!-- modelship:report model=churn --> a&b &#64;x'), '  a&b &amp;#64;x')
  // A tag hidden in a tag is stripped too; a bracket that starts no tag becomes a look-alike.
  assert.equal(neutralizeText('<<b>img src=x> 1 < 2 > 0'), ' 1 \u2039 2 \u203a 0')
  assert.equal(neutralizeText('x < 3 or y > 4'), 'x \u2039 3 or y \u203a 4')
  assert.equal(neutralizeText('mail me: a@b is fine? plain text'), 'mail me: a@\u200bb is fine? plain text')
  const evaluation = sampleEvaluation()
  evaluation.metrics[0]!.name = '@octocat <b>x</b>'
  evaluation.workflowRunUrl = 'https://evil.example/run'
  const safe = neutralizeEvaluation(evaluation)
  assert.equal(safe.metrics[0]!.name, '@\u200boctocat x')
  assert.equal(safe.workflowRunUrl, null)
  assert.equal(safe.training?.workflowRunUrl ?? null, null)
  // The original is left as it was.
  assert.equal(evaluation.metrics[0]!.name, '@octocat <b>x</b>')
  const markdown = renderReport(safe)
  assert.doesNotMatch(markdown, /@octocat|<b>|evil\.example/)
  assert.equal(markdown.split(reportMarker(safe.model)).length, 2)
})
