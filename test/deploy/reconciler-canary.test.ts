/** The canary judgement and the reconciler's state file, as pure functions and files. */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { emptyState, judgeCanary, OutcomeWindow, percentile, readState, writeState } from '../../src/deploy/reconciler/index.js'

const limits = { maxErrorRate: 0.01, maxP99Ms: 100, minRequests: 10 }

function window(outcomes: Array<[status: number, ms: number]>): OutcomeWindow {
  const w = new OutcomeWindow()
  for (const [status, ms] of outcomes) w.add(status, ms)
  return w
}
const times = (n: number, status: number, ms = 1): Array<[number, number]> => Array.from({ length: n }, () => [status, ms])

describe('canary judgement', () => {
  it('percentile is the nearest rank; null for no values', () => {
    assert.equal(percentile([], 0.99), null)
    assert.equal(percentile([5], 0.99), 5)
    assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99), 99)
    assert.equal(percentile(Array.from({ length: 1000 }, (_, i) => 1000 - i), 0.99), 990)
  })

  it('judges nothing before minRequests, then 5xx and 408 as failures', () => {
    assert.deepEqual(judgeCanary(window(times(9, 500)).figures(), limits), { breached: false })
    const verdict = judgeCanary(window([...times(9, 200), [503, 1]]).figures(), limits)
    assert.deepEqual(verdict, { breached: true, limit: 'max-error-rate', reason: 'error rate 10% over 10 requests (1 failed, 0 refused) is above max-error-rate 1%' })
    assert.equal(window([...times(99, 200), [408, 1]]).figures().errorRate, 0.01)
    assert.deepEqual(judgeCanary(window([...times(99, 200), [408, 1]]).figures(), limits), { breached: false })
  })

  it("counts only the 400s above the old version's share on the same traffic", () => {
    const baseline = window([...times(90, 200), ...times(10, 400)])
    assert.equal(window([...times(9, 200), [400, 1]]).figures(baseline).errorRate, 0)
    const refusing = window(times(10, 400)).figures(baseline)
    assert.ok(Math.abs(refusing.errorRate - 0.9) < 1e-12)
    assert.equal(judgeCanary(refusing, limits).breached, true)
    // Without a baseline (nothing to compare with) a 400 is the client's.
    assert.equal(window(times(10, 400)).figures().errorRate, 0)
  })

  it('a p99 above the limit breaches; at the limit it does not', () => {
    assert.deepEqual(judgeCanary(window(times(100, 200, 100)).figures(), limits), { breached: false })
    assert.deepEqual(judgeCanary(window([...times(98, 200, 1), ...times(2, 200, 250)]).figures(), limits), {
      breached: true,
      limit: 'max-p99-ms',
      reason: 'p99 latency 250.0 ms over 100 requests is above max-p99-ms 100',
    })
  })

  it('a bounded window keeps its last latencies and every count', () => {
    const w = new OutcomeWindow(3)
    for (const ms of [900, 1, 2, 3]) w.add(200, ms)
    assert.deepEqual(w.figures(), { requests: 4, failures: 0, refused: 0, errorRate: 0, p99Ms: 3 })
  })
})

describe('reconciler state file', () => {
  const dirs: string[] = []
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'modelship-reconciler-state-'))
    dirs.push(d)
    return d
  }

  it('a folder without a state is a first start; a written state reads back', async () => {
    const dir = temp()
    assert.deepEqual(await readState(dir, 'staging'), emptyState('staging'))
    const state = { ...emptyState('staging'), live: { lin: [{ version: 'v0.0.1', share: 100, path: '/x/model.onnx', sha256: 'a'.repeat(64) }] } }
    await writeState(dir, state)
    assert.deepEqual(await readState(dir, 'staging'), state)
  })

  it('a state that is not JSON, not a state, or of another environment is an error naming the file and the fix', async () => {
    const dir = temp()
    const file = join(dir, 'state.json')
    writeFileSync(file, '{"schema":')
    await assert.rejects(readState(dir, 'staging'), { name: 'ModelshipError', message: new RegExp(`^the reconciler state ${file} is not JSON \\(.*\\); move it away to start with nothing live$`) })
    writeFileSync(file, JSON.stringify({ schema: 'modelship/reconciler-state@1', environment: 'staging', live: { lin: [{ version: 'v1' }] }, rollout: null, failures: [], pending: [] }))
    await assert.rejects(readState(dir, 'staging'), { message: new RegExp(`^the reconciler state ${file} is not a modelship reconciler state \\(live\\.lin\\.0\\.share: .*\\); move it away to start with nothing live$`) })
    await writeState(dir, emptyState('production'))
    await assert.rejects(readState(dir, 'staging'), { message: `the reconciler state ${file} belongs to environment 'production', not 'staging'; give each environment its own --state-dir` })
  })

  it('a state that cannot be read says so, never that there is none', async () => {
    const dir = temp()
    // A folder where the file should be: readable by no one, root included.
    mkdirSync(join(dir, 'state.json'))
    await assert.rejects(readState(dir, 'staging'), { message: `could not read the reconciler state ${join(dir, 'state.json')} (EISDIR); check its permissions` })
  })
})
