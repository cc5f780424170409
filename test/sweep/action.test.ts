// actions/sweep in-process: plan → one trial per "job" (each its own checkout) → select from the folders.
import assert from 'node:assert/strict'
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { run } from '../../actions/sweep/main.js'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { readSweepResult, renderLeaderboardMarkdown } from '../../src/sweep/index.js'
import { sweepRepository, sweepSpecYaml } from './helpers.js'

// The runner's PATH, so the trial's `node` trainer is found.
const vars = { PATH: process.env.PATH }

const SWEEP = ['  sweep:', '    params: { model: [candidate.onnx, champion.onnx] }', '    parallelism: 2', '    metric: roc_auc'].join('\n')

test('actions/sweep: plan gives the matrix, trial records each trial, select picks the passing one and writes the leaderboard to the summary', async () => {
  const select = sweepRepository(sweepSpecYaml(SWEEP))
  const jobs = [sweepRepository(sweepSpecYaml(SWEEP)), sweepRepository(sweepSpecYaml(SWEEP))]
  try {
    const plan = createRecordingEnv({ workspace: select.dir, inputs: { operation: 'plan', model: 'churn' } })
    await run(plan)
    const matrix = JSON.parse(plan.record.outputs.matrix!)
    assert.deepEqual(matrix.include.map((entry: { trial: string; params: string }) => [entry.trial, entry.params]), [['t01', 'model=candidate.onnx'], ['t02', 'model=champion.onnx']])
    assert.equal(plan.record.outputs['max-parallel'], '2')

    for (const [index, job] of jobs.entries()) {
      const id = matrix.include[index].trial as string
      const env = createRecordingEnv({ workspace: job.dir, inputs: { operation: 'trial', model: 'churn', trial: id }, vars })
      await run(env)
      assert.equal(env.record.failure, undefined)
      // The candidate's 0.8267 fails the 0.83 threshold: recorded, the step passes, select ranks it out.
      assert.equal(env.record.outputs.status, id === 't01' ? 'failed' : 'passed')
      assert.equal(env.record.outputs['trial-dir'], join(job.dir, '.modelship/sweeps/churn', id))
      assert.match(env.record.summary, new RegExp(`^### Sweep of churn: ${id} (failed|passed)\\n`))
      cpSync(env.record.outputs['trial-dir']!, join(select.dir, 'trials', id), { recursive: true })
    }

    const env = createRecordingEnv({ workspace: select.dir, inputs: { operation: 'select', model: 'churn', from: 'trials' } })
    await run(env)
    assert.equal(env.record.failure, undefined)
    assert.equal(env.record.outputs.selected, 't02')
    const sweep = await readSweepResult(env.record.outputs.sweep!)
    assert.equal(env.record.summary, renderLeaderboardMarkdown(sweep))
    assert.equal(env.record.outputs['output-dir'], join(select.dir, '.modelship/outputs/churn'))
    assert.deepEqual(readFileSync(join(select.dir, '.modelship/outputs/churn/model.onnx')), readFileSync(join(select.dir, 'trainer/champion.onnx')))
  } finally {
    for (const repo of [select, ...jobs]) repo.remove()
  }
})

test('actions/sweep: no passing trial fails the select step with the reason; a missing input or unknown trial is refused with the fix', async () => {
  const repo = sweepRepository(sweepSpecYaml(['  sweep:', '    params: { model: [candidate.onnx] }', '    metric: roc_auc'].join('\n')))
  try {
    const trial = createRecordingEnv({ workspace: repo.dir, inputs: { operation: 'trial', model: 'churn', trial: 't01' }, vars })
    await run(trial)
    assert.equal(trial.record.outputs.status, 'failed')
    const env = createRecordingEnv({ workspace: repo.dir, inputs: { operation: 'select', model: 'churn', from: '.modelship/sweeps/churn' } })
    await run(env)
    assert.equal(env.record.outputs.selected, '')
    assert.match(env.record.failure ?? '', /^churn: no trial selected: no trial of 1 passed every gate and fairness bound with a roc_auc value; 1 failed a gate or fairness bound$/)
    // A trial that cannot train (here: no PATH, so no `node`) fails its step after writing its record.
    const broken = createRecordingEnv({ workspace: repo.dir, inputs: { operation: 'trial', model: 'churn', trial: 't01', cache: 'false' } })
    await run(broken)
    assert.equal(broken.record.outputs.status, 'error')
    assert.match(broken.record.failure ?? '', /^t01 did not train: train\.command: 'node' was not found .*\(recorded in \.modelship\/sweeps\/churn\/t01\/trial\.json\)$/s)
    const cases: [Record<string, string>, RegExp][] = [
      [{ operation: 'trial', model: 'churn' }, /input 'trial' is required with operation 'trial'/],
      [{ operation: 'select', model: 'churn' }, /input 'from' is required with operation 'select'/],
      [{ operation: 'trial', model: 'churn', trial: 't07' }, /churn's sweep has no trial 't07'/],
      [{ operation: 'sweep', model: 'churn' }, /input 'operation': expected 'plan', 'trial' or 'select'; got 'sweep'/],
    ]
    for (const [inputs, message] of cases) await assert.rejects(run(createRecordingEnv({ workspace: repo.dir, inputs })), message)
  } finally {
    repo.remove()
  }
  const plain = sweepRepository(sweepSpecYaml(''))
  try {
    await assert.rejects(run(createRecordingEnv({ workspace: plain.dir, inputs: { operation: 'plan', model: 'churn' } })), /models\/churn\/model\.yaml has no train\.sweep: there is nothing to sweep/)
  } finally {
    plain.remove()
  }
})
