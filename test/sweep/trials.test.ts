import assert from 'node:assert/strict'
import { test } from 'node:test'
import { expandTrials, runPool, seededRandom, selectTrial, type SweepTrialResult } from '../../src/sweep/index.js'
import type { SweepSpec } from '../../src/spec/index.js'

const train = { command: ['node', 'train.mjs'], params: { C: 1, penalty: 'l2', depth: 3 } } as never

function sweep(overrides: Partial<SweepSpec>): SweepSpec {
  return { strategy: 'grid', params: {}, candidates: [], budget: 20, parallelism: 1, seed: 0, metric: 'roc_auc', ...overrides }
}

test('a grid is every combination, first param slowest, for train.command then each candidate, cut at the budget', () => {
  const { trials, leftOut } = expandTrials(
    { train },
    sweep({ params: { C: [0.1, 1], penalty: ['l1', 'l2'] }, candidates: [{ name: 'gbm', command: ['node', 'gbm.mjs'], params: { depth: 5 }, mitigation: true }], budget: 6 }),
  )
  assert.deepEqual(
    trials.map((trial) => [trial.id, trial.candidate, trial.overrides]),
    [
      ['t01', 'train', { C: 0.1, penalty: 'l1' }],
      ['t02', 'train', { C: 0.1, penalty: 'l2' }],
      ['t03', 'train', { C: 1, penalty: 'l1' }],
      ['t04', 'train', { C: 1, penalty: 'l2' }],
      ['t05', 'gbm', { depth: 5, C: 0.1, penalty: 'l1' }],
      ['t06', 'gbm', { depth: 5, C: 0.1, penalty: 'l2' }],
    ],
  )
  assert.equal(leftOut, 2)
  assert.deepEqual(trials[4]!.command, ['node', 'gbm.mjs'])
  assert.deepEqual(trials[4]!.params, { C: 0.1, penalty: 'l1', depth: 5 })
})

test('no searched params: one trial per command', () => {
  const { trials } = expandTrials({ train }, sweep({ candidates: [{ name: 'gbm', command: ['node', 'gbm.mjs'], params: {}, mitigation: true }] }))
  assert.deepEqual(trials.map((trial) => [trial.candidate, trial.overrides]), [['train', {}], ['gbm', {}]])
})

test('a random search is the same for the same seed, another for another seed, within its ranges, without repeats', () => {
  const spec = sweep({
    strategy: 'random',
    budget: 12,
    seed: 42,
    params: {
      C: { min: 0.001, max: 100, distribution: 'log-uniform' },
      depth: { min: 2, max: 6, distribution: 'int-uniform' },
      rate: { min: 0.1, max: 0.2, distribution: 'uniform' },
      penalty: ['l1', 'l2'],
    },
  })
  const first = expandTrials({ train }, spec).trials
  assert.deepEqual(expandTrials({ train }, spec).trials, first)
  assert.notDeepEqual(expandTrials({ train }, { ...spec, seed: 43 }).trials, first)
  assert.equal(first.length, 12)
  for (const { overrides } of first) {
    const { C, depth, rate, penalty } = overrides as { C: number; depth: number; rate: number; penalty: string }
    assert.ok(C >= 0.001 && C <= 100, `C ${C}`)
    assert.ok(Number.isInteger(depth) && depth >= 2 && depth <= 6, `depth ${depth}`)
    assert.ok(rate >= 0.1 && rate <= 0.2, `rate ${rate}`)
    assert.ok(['l1', 'l2'].includes(penalty))
  }
  // Only 2 × 2 distinct trials exist over lists alone: the budget cannot be met, and none repeats.
  const small = expandTrials({ train }, sweep({ strategy: 'random', budget: 10, params: { C: [1, 2], penalty: ['l1', 'l2'] } })).trials
  assert.equal(new Set(small.map((trial) => JSON.stringify(trial.overrides))).size, small.length)
  assert.equal(small.length, 4)
})

test('seededRandom is mulberry32: reproducible numbers in [0, 1)', () => {
  const a = seededRandom(1)
  const values = [a(), a(), a()]
  const b = seededRandom(1)
  assert.deepEqual([b(), b(), b()], values)
  assert.ok(values.every((value) => value >= 0 && value < 1))
})

test('runPool runs at most the limit at once, in order, and keeps result order', async () => {
  let running = 0
  let most = 0
  const started: number[] = []
  const gates: (() => void)[] = []
  const pool = runPool([0, 1, 2, 3, 4], 2, async (item) => {
    started.push(item)
    running++
    most = Math.max(most, running)
    await new Promise<void>((resolve) => gates.push(resolve))
    running--
    return item * 10
  })
  // Release the waiting items one by one, newest last, until all five ran.
  for (let released = 0; released < 5; released++) {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve))
    assert.ok(running <= 2)
    gates.shift()!()
  }
  assert.deepEqual(await pool, [0, 10, 20, 30, 40])
  assert.equal(most, 2)
  assert.deepEqual(started, [0, 1, 2, 3, 4])
  await assert.rejects(runPool([1], 0, async () => 1), /at least 1, got 0/)
  await assert.rejects(runPool([1, 2], 2, async (item) => { if (item === 2) throw new Error('boom'); return item }), /boom/)
})

function trial(id: string, status: SweepTrialResult['status'], value: number | null): SweepTrialResult {
  return {
    id, candidate: 'train', command: ['x'], overrides: {}, params: {}, mitigated: false, status, runId: id, cacheHit: false,
    metrics: status === 'error' ? {} : { roc_auc: value }, gates: [], fairness: [],
    error: status === 'error' ? { stage: 'train', message: 'exited 1' } : null,
  }
}

test('selection: the best passing trial; a better one that failed a check or errored never wins; ties go to the earlier', () => {
  const trials = [trial('t01', 'passed', 0.8), trial('t02', 'failed', 0.95), trial('t03', 'error', null), trial('t04', 'passed', 0.85), trial('t05', 'passed', 0.85)]
  assert.deepEqual(selectTrial(trials, 'roc_auc', true), {
    selected: 't04',
    reason: 't04 has the highest roc_auc (0.85) of the 3 trials that passed every gate and fairness bound; 1 failed a gate or fairness bound, 1 did not train or evaluate',
  })
  assert.equal(selectTrial(trials, 'roc_auc', false).selected, 't01')
  assert.deepEqual(selectTrial([trial('t01', 'failed', 0.9), trial('t02', 'passed', null)], 'roc_auc', true), {
    selected: null,
    reason: 'no trial of 2 passed every gate and fairness bound with a roc_auc value; 1 failed a gate or fairness bound, 1 had no roc_auc value',
  })
})
