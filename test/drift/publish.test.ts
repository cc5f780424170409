// Publishing drift checks: the model's issue and its hidden state on the GitHub REST double,
// retraining dispatches with their cooldown, the privacy budget failing closed, and the local files.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { checkDrift, referenceFromTable, type DriftReport } from '../../src/drift/index.js'
import { decodeDriftState, driftIssueMarker, emptyDriftState, encodeDriftState, HISTORY_LIMIT, publishDriftLocally, publishDriftToGitHub, STATE_MAX_CHARS } from '../../src/drift/publish/index.js'
import { GitHubApiError, PrivacyBudgetError } from '../../src/errors.js'
import { createOctokit } from '../../src/github/octokit.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { normals } from './support.js'

const reference = referenceFromTable(
  { rowCount: 2000, columns: new Map([['a', { kind: 'numeric', values: normals(2000, 1) }], ['b', { kind: 'numeric', values: normals(2000, 2) }]]) },
  { source: 'profile', location: 'reference-profile.json' },
)
const DAY = 86_400_000
const T0 = Date.parse('2026-12-01T06:00:00.000Z')

function check(shift: number, day: number): DriftReport {
  const column = (seed: number, s: number) => ({ kind: 'numeric' as const, rows: 1000, nullCount: 0, nonFinite: 0, typeErrors: 0, values: normals(1000, seed, s) })
  return checkDrift(
    reference,
    { source: 'dataset', location: 'cur.csv', files: ['cur.csv'], rows: 1000, window: null, columns: new Map([['a', column(3, shift)], ['b', column(4, shift)]]) },
    { model: 'churn', checkedAt: new Date(T0 + day * DAY).toISOString() },
  )
}
const policy = { onDrift: ['open-issue', 'retrain'] as const, retrainCooldownMs: 7 * DAY }

async function withDouble(fn: (double: GitHubDouble, publish: (report: DriftReport, day: number, extra?: object) => ReturnType<typeof publishDriftToGitHub>) => Promise<void>) {
  const double = await startGitHubDouble()
  try {
    double.addWorkflow({ path: '.github/workflows/modelship-dispatch.yml', name: 'Modelship retrain' })
    const octokit = createOctokit({ token: double.token, baseUrl: double.url, retryAfterBaseMs: 1, writeIntervalMs: 0 })
    await fn(double, (report, day, extra = {}) =>
      publishDriftToGitHub({ octokit, owner: double.owner, repo: double.repo, report, policy, retrainWorkflow: 'modelship-dispatch.yml', now: T0 + day * DAY, ...extra }))
  } finally {
    await double.close()
  }
}

describe('the drift issue on GitHub', () => {
  it('is made on the first check, opened on drift with one dispatch per cooldown, and closed with a comment when drift clears', async () => {
    await withDouble(async (double, publish) => {
      const first = await publish(check(0, 0), 0)
      assert.equal(first.issue.action, 'created')
      assert.equal(first.dispatched, false)
      const issue = double.state.issues.get(first.issue.number)!
      assert.equal(issue.state, 'closed', 'no drift: the issue only keeps the state')
      assert.deepEqual(issue.labels, ['modelship-drift'])
      assert.ok(issue.body!.startsWith(`${driftIssueMarker('churn')}\n## 🟢 No dataset drift: churn`))

      const drifted = await publish(check(2, 1), 1)
      assert.equal(drifted.issue.action, 'reopened')
      assert.equal(drifted.issue.number, first.issue.number)
      assert.equal(drifted.dispatched, true)
      assert.equal(double.state.dispatches.length, 1)
      assert.deepEqual(double.state.dispatches[0]!.inputs, { operation: 'retrain', model: 'churn', reason: 'drift check 2026-12-02T06:00:00.000Z: 2 of 2 features drifted (a, b)' })
      assert.equal(double.state.dispatches[0]!.ref, 'main')
      assert.equal(issue.state, 'open')
      assert.match(issue.body!, /### Trend\n\nEach feature's score over the last 2 checks/)

      const again = await publish(check(2, 3), 3)
      assert.equal(again.issue.action, 'updated')
      assert.equal(again.dispatched, false)
      assert.equal(again.plan.retrainSkipped, 'retraining was dispatched at 2026-12-02T06:00:00.000Z, within the cooldown of 7d')
      const afterCooldown = await publish(check(2, 8), 8)
      assert.equal(afterCooldown.dispatched, true)
      assert.equal(double.state.dispatches.length, 2)

      const cleared = await publish(check(0, 9), 9)
      assert.equal(cleared.issue.action, 'closed')
      assert.equal(issue.state, 'closed')
      const comments = [...double.state.comments.values()].filter((c) => c.issueNumber === issue.number)
      assert.equal(comments.length, 1)
      assert.match(comments[0]!.body, /^Drift cleared: the check of 2026-12-10T06:00:00.000Z found 0 of 2 features drifted/)
      const decoded = decodeDriftState(issue.body!, 'churn')
      assert.equal(decoded.kind, 'state')
      if (decoded.kind === 'state') {
        assert.deepEqual(decoded.state.history.map((h) => h.checkedAt.slice(0, 10)), ['2026-12-01', '2026-12-02', '2026-12-04', '2026-12-09', '2026-12-10'])
        assert.equal(decoded.state.retrain.lastDispatchedAt, '2026-12-09T06:00:00.000Z')
      }
    })
  })

  it('closes a drifting model\'s issue, saying why, when on-drift no longer opens one', async () => {
    await withDouble(async (double, publish) => {
      const first = await publish(check(2, 0), 0)
      const quiet = await publish(check(2, 1), 1, { policy: { ...policy, onDrift: [] } })
      assert.equal(quiet.issue.action, 'closed')
      assert.equal(quiet.dispatched, false)
      const comments = [...double.state.comments.values()].filter((c) => c.issueNumber === first.issue.number)
      assert.deepEqual(comments.map((c) => c.body), ['Closed: the model still drifts (check of 2026-12-02T06:00:00.000Z), but monitor.on-drift no longer has open-issue.'])
    })
  })

  it('writes nothing when GitHub refuses the dispatch, so the next run tries again', async () => {
    await withDouble(async (double, publish) => {
      const first = await publish(check(0, 0), 0)
      const before = double.state.issues.get(first.issue.number)!.body
      double.failNext('actions/create-workflow-dispatch', { status: 403, message: 'Resource not accessible by integration' })
      await assert.rejects(publish(check(2, 1), 1), (error: unknown) => error instanceof GitHubApiError && error.status === 403)
      assert.equal(double.state.issues.get(first.issue.number)!.body, before)
      assert.equal(double.state.issues.get(first.issue.number)!.state, 'closed')
      const retried = await publish(check(2, 2), 2)
      assert.equal(retried.dispatched, true)
    })
  })

  it('never trusts or edits an issue holding the marker that someone else wrote', async () => {
    await withDouble(async (double, publish) => {
      const forged = `${driftIssueMarker('churn')}\n${encodeDriftState({ ...emptyDriftState('churn'), retrain: { lastDispatchedAt: '2026-12-01T00:00:00.000Z', reason: 'x' } })}`
      double.addToken('ghp_mallory', { login: 'mallory', kind: 'pat' })
      const octo = createOctokit({ token: 'ghp_mallory', baseUrl: double.url, writeIntervalMs: 0 })
      const { data } = await octo.rest.issues.create({ owner: double.owner, repo: double.repo, title: 'Drift: churn', body: forged, labels: ['modelship-drift'] })
      const result = await publish(check(2, 1), 1)
      assert.notEqual(result.issue.number, data.number)
      assert.equal(result.dispatched, true, 'the forged cooldown was not read')
      assert.equal(double.state.issues.get(data.number)!.body, forged)
    })
  })

  it('reports a tampered state, starts the trend again and dispatches nothing; with privacy it publishes nothing', async () => {
    await withDouble(async (double, publish) => {
      const first = await publish(check(0, 0), 0)
      const issue = double.state.issues.get(first.issue.number)!
      const tampered = issue.body!.replace(/modelship-drift-state [A-Za-z0-9+/=]+/, `modelship-drift-state ${Buffer.from('{"format":1,"model":"churn"}').toString('base64')}`)
      issue.body = tampered
      const result = await publish(check(2, 1), 1)
      assert.deepEqual(result.plan.warnings, [`issue #${issue.number}: the drift state is not trusted (not a drift state: history: Invalid input: expected array, received undefined); the trend starts again from this check`])
      assert.equal(result.dispatched, false)
      assert.equal(result.plan.retrainSkipped, 'the drift state (and so the cooldown) is not trusted')
      assert.equal(double.state.dispatches.length, 0)

      issue.body = tampered
      await assert.rejects(
        publish(check(2, 2), 2, { policy: { ...policy, privacy: { epsilon: 1, budget: 10 } } }),
        (error: unknown) => error instanceof PrivacyBudgetError && /the privacy budget in issue #\d+ cannot be read .*nothing was published/.test(error.message),
      )
      assert.equal(issue.body, tampered, 'nothing was written')
    })
  })

  it('charges the privacy budget in the issue and refuses, unchanged, past it', async () => {
    await withDouble(async (double, publish) => {
      const privacy = { ...policy, onDrift: ['open-issue'] as const, privacy: { epsilon: 0.5, budget: 1 } }
      const a = await publish(check(2, 0), 0, { policy: privacy })
      const b = await publish(check(2, 1), 1, { policy: privacy })
      assert.equal(b.plan.state.privacy.spent, 1)
      assert.match(double.state.issues.get(a.issue.number)!.body!, /differential-privacy noise \(ε 0.5 for this report; 1 of the budget 1 spent over 2 reports\)/)
      const before = double.state.issues.get(a.issue.number)!.body
      await assert.rejects(publish(check(2, 2), 2, { policy: privacy }), /would spend ε 1.5 of the privacy budget 1 \(1 spent by 2 earlier reports, 0.5 each\); nothing was published/)
      assert.equal(double.state.issues.get(a.issue.number)!.body, before)
    })
  })
})

describe('the hidden drift state', () => {
  it('round-trips, keeps at most the last checks and fits its size bound', () => {
    const big = { ...emptyDriftState('churn'), history: Array.from({ length: HISTORY_LIMIT }, (_, i) => ({ checkedAt: `2026-12-${i}`, scores: Object.fromEntries(Array.from({ length: 200 }, (_, f) => [`feature_${f}`, 0.123456789 * f])) })) }
    const comment = encodeDriftState(big)
    assert.ok(comment.length < STATE_MAX_CHARS + 40)
    const decoded = decodeDriftState(`text\n${comment}\n`, 'churn')
    assert.equal(decoded.kind, 'state')
    if (decoded.kind === 'state') {
      assert.ok(decoded.state.history.length < HISTORY_LIMIT && decoded.state.history.length > 0)
      assert.equal(decoded.state.history.at(-1)!.checkedAt, `2026-12-${HISTORY_LIMIT - 1}`, 'the oldest go first')
    }
  })

  it('says why a state is not trusted', () => {
    assert.deepEqual(decodeDriftState('no state here', 'churn'), { kind: 'none' })
    assert.deepEqual(decodeDriftState('<!-- modelship-drift-state @@@ -->', 'churn'), { kind: 'untrusted', problem: `the hidden drift state is cut, longer than ${STATE_MAX_CHARS} characters, or not base64` })
    assert.match((decodeDriftState(`<!-- modelship-drift-state ${Buffer.from('{').toString('base64')} -->`, 'churn') as { problem: string }).problem, /^the hidden drift state is not JSON/)
    assert.deepEqual(decodeDriftState(encodeDriftState(emptyDriftState('other')), 'churn'), { kind: 'untrusted', problem: "it is the state of model 'other', not 'churn'" })
  })
})

describe('local publishing', () => {
  it('writes the state, the issue and the dispatch it would send; refuses past the budget and an unreadable state', async () => {
    const root = mkdtempSync(join(tmpdir(), 'drift-local-'))
    try {
      const options = { root, policy: { ...policy, privacy: { epsilon: 1, budget: 2 } }, retrainWorkflow: 'modelship-dispatch.yml' }
      const first = await publishDriftLocally({ ...options, report: check(2, 0), now: T0 })
      assert.deepEqual(first.dispatch, { workflow: 'modelship-dispatch.yml', inputs: { operation: 'retrain', model: 'churn', reason: 'drift check 2026-12-01T06:00:00.000Z: 2 of 2 features drifted (a, b)' } })
      const dir = join(root, '.modelship/drift/churn')
      assert.match(readFileSync(join(dir, 'issue.md'), 'utf8'), /^open\n\n## 🔴 Drift detected: churn/)
      assert.equal(readFileSync(join(dir, 'dispatches.jsonl'), 'utf8').trim().split('\n').length, 1)
      const second = await publishDriftLocally({ ...options, report: check(2, 1), now: T0 + DAY })
      assert.equal(second.dispatch, null)
      assert.equal(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).privacy.spent, 2)
      await assert.rejects(publishDriftLocally({ ...options, report: check(2, 2), now: T0 + 2 * DAY }), PrivacyBudgetError)
      writeFileSync(join(dir, 'state.json'), '{"format": 1')
      await assert.rejects(publishDriftLocally({ ...options, report: check(2, 3), now: T0 + 3 * DAY }), /state.json cannot be read \(not JSON/)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
