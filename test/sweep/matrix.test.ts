// The sweep as matrix jobs: plan, one trial per job (each in its own checkout, as on separate
// runners), and the selection from the uploaded trial folders, which must match the local sweep.
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { runCli } from '../../src/cli/run-cli.js'
import { readSweepResult, type SweepResult } from '../../src/sweep/index.js'
import { capture, sweepRepository, sweepSpecYaml } from './helpers.js'

const SWEEP = [
  '  sweep:',
  '    params: { model: [champion.onnx, candidate.onnx] }',
  '    candidates:',
  '      - { name: broken, command: [node, train.mjs, --exit, "3"], params: { C: 2 } }',
  '    budget: 3',
  '    parallelism: 2',
  '    metric: roc_auc',
].join('\n')

// What does not depend on where or when a trial ran.
const comparable = (sweep: SweepResult): unknown => ({
  ...sweep,
  createdAt: null,
  trials: sweep.trials.map((trial) => ({ ...trial, runId: null, cacheHit: null, error: trial.error?.message.split('\n')[0] ?? null })),
})

test('sweep plan --json: one matrix entry per trial, on the spec runners, with the training job keys', async () => {
  const repo = sweepRepository(sweepSpecYaml(SWEEP))
  try {
    const io = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'plan', 'churn', '--json'], io), 0, io.stderr)
    const matrix = JSON.parse(io.stdout)
    assert.deepEqual(
      matrix.include.map((entry: Record<string, unknown>) => [entry.trial, entry.candidate, entry.params, entry.model, entry.spec]),
      [
        ['t01', 'train', 'model=champion.onnx', 'churn', 'models/churn/model.yaml'],
        ['t02', 'train', 'model=candidate.onnx', 'churn', 'models/churn/model.yaml'],
        ['t03', 'broken', 'C=2, model=champion.onnx', 'churn', 'models/churn/model.yaml'],
      ],
    )
    assert.deepEqual(matrix.include[0]['runs-on'], ['ubuntu-latest'])
    assert.equal(typeof matrix.include[0]['timeout-minutes'], 'number')
    assert.equal(matrix.parallelism, 2)
    const text = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'plan', 'churn'], text), 0)
    assert.match(text.stdout, /^t01 {2}train {2}model=champion\.onnx\n/)
    assert.match(text.stdout, /\n3 trials, 2 at once, on ubuntu-latest; the budget leaves 1 grid combinations out\n$/)
  } finally {
    repo.remove()
  }
})

test('sweep trial in separate checkouts, then sweep select --from: the same leaderboard and winner as the local sweep', async () => {
  const local = sweepRepository(sweepSpecYaml(SWEEP))
  const jobs = [1, 2, 3].map(() => sweepRepository(sweepSpecYaml(SWEEP)))
  const select = sweepRepository(sweepSpecYaml(SWEEP))
  try {
    const io = capture(local.dir)
    assert.equal(await runCli(['sweep', 'churn'], io), 0, io.stderr)
    const expected = await readSweepResult(join(local.dir, '.modelship/sweeps/churn/sweep.json'))

    // Each job runs its trial and "uploads" its folder; the select job "downloads" them all into trials/.
    for (const [index, job] of jobs.entries()) {
      const id = `t0${index + 1}`
      const out = capture(job.dir)
      const code = await runCli(['sweep', 'trial', 'churn', id], out)
      assert.equal(code, id === 't03' ? 1 : 0, out.stderr)
      if (id === 't03') assert.match(out.stderr, /modelship sweep: t03 did not train: train\.command \(node train\.mjs --exit 3\) exited with code 3/)
      assert.match(out.stdout, new RegExp(`wrote \\.modelship/sweeps/churn/${id}/trial\\.json\\n$`))
      cpSync(join(job.dir, '.modelship/sweeps/churn', id), join(select.dir, 'trials', id), { recursive: true })
    }
    const chosen = capture(select.dir)
    assert.equal(await runCli(['sweep', 'select', 'churn', '--from', 'trials', '--markdown', 'summary.md'], chosen), 0, chosen.stderr)
    const sweep = await readSweepResult(join(select.dir, '.modelship/sweeps/churn/sweep.json'))
    assert.deepEqual(comparable(sweep), comparable(expected))
    assert.equal(sweep.selected, 't01')
    assert.match(chosen.stdout, /\nselected t01: t01 has the highest roc_auc/)
    assert.equal(readFileSync(join(select.dir, 'summary.md'), 'utf8'), readFileSync(join(select.dir, '.modelship/sweeps/churn/leaderboard.md'), 'utf8'))
    // The winner's outputs are the model's outputs, with the sweep in them for register.
    const outputs = join(select.dir, '.modelship/outputs/churn')
    assert.deepEqual(readFileSync(join(outputs, 'model.onnx')), readFileSync(join(select.dir, 'trials/t01/outputs/model.onnx')))
    assert.deepEqual(await readSweepResult(join(outputs, 'sweep.json')), sweep)
  } finally {
    for (const repo of [local, ...jobs, select]) repo.remove()
  }
})

test('sweep select: a trial whose job uploaded nothing is an error row and cannot win; a broken or foreign trial.json stops with its name', async () => {
  const repo = sweepRepository(sweepSpecYaml(SWEEP))
  try {
    for (const id of ['t01', 't02']) assert.equal(await runCli(['sweep', 'trial', 'churn', id], capture(repo.dir)), 0)
    const trials = join(repo.dir, '.modelship/sweeps/churn')
    rmSync(join(trials, 't01'), { recursive: true })
    const io = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'select', 'churn', '--from', '.modelship/sweeps/churn'], io), 1)
    const sweep = await readSweepResult(join(trials, 'sweep.json'))
    assert.deepEqual(sweep.trials.map((trial) => trial.status), ['error', 'failed', 'error'])
    assert.match(sweep.trials[0]!.error!.message, /^no trial\.json in \.modelship\/sweeps\/churn\/t01: its job did not finish or upload its results$/)
    assert.equal(sweep.selected, null)
    assert.equal(existsSync(join(repo.dir, '.modelship/outputs/churn')), false)

    const file = join(trials, 't02/trial.json')
    const good = readFileSync(file, 'utf8')
    writeFileSync(file, '{ not json')
    const broken = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'select', 'churn', '--from', '.modelship/sweeps/churn'], broken), 1)
    assert.match(broken.stderr, /t02\/trial\.json is not JSON \(.*\); run the trial's job again/)
    assert.doesNotMatch(broken.stderr, /\n\s+at /, 'no stack trace')

    writeFileSync(file, JSON.stringify({ ...JSON.parse(good), status: 'maybe' }))
    const wrong = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'select', 'churn', '--from', '.modelship/sweeps/churn'], wrong), 1)
    assert.match(wrong.stderr, /t02\/trial\.json is not a trial's record: status: /)

    writeFileSync(file, JSON.stringify({ ...JSON.parse(good), overrides: { model: 'other.onnx' } }))
    const foreign = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'select', 'churn', '--from', '.modelship/sweeps/churn'], foreign), 1)
    assert.match(foreign.stderr, /records t02 \(train \{"model":"other\.onnx"\}\), not this spec's t02 \(train \{"model":"candidate\.onnx"\}\): the trials ran from another version of models\/churn\/model\.yaml/)

    // A file that is there but cannot be read is not "no result".
    rmSync(file)
    mkdirSync(file)
    const unreadable = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'select', 'churn', '--from', '.modelship/sweeps/churn'], unreadable), 1)
    assert.match(unreadable.stderr, /cannot read \.modelship\/sweeps\/churn\/t02\/trial\.json \(EISDIR/)
    rmSync(file, { recursive: true })

    // Two trials ranked on different test data would compare nothing.
    mkdirSync(join(trials, 't01'))
    writeFileSync(file, good)
    const other = JSON.parse(good)
    writeFileSync(join(trials, 't01/trial.json'), JSON.stringify({ ...other, id: 't01', overrides: { model: 'champion.onnx' }, testData: { path: 'data/churn/test.csv', sha256: 'f'.repeat(64) } }))
    const mixed = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'select', 'churn', '--from', '.modelship/sweeps/churn'], mixed), 1)
    assert.match(mixed.stderr, /t02 was evaluated on data\/churn\/test\.csv \(sha256 [0-9a-f]{12}\) but an earlier trial on data\/churn\/test\.csv \(sha256 ffffffffffff\): trials are ranked only on the same test data/)
  } finally {
    repo.remove()
  }
})

test('sweep plan/trial/select: usage errors name the fix', async () => {
  const repo = sweepRepository(sweepSpecYaml(SWEEP))
  try {
    const cases: [string[], RegExp][] = [
      [['sweep', 'plot', 'churn'], /unknown sweep step 'plot'; use plan, trial or select/],
      [['sweep', 'trial', 'churn'], /missing the trial to run; e\.g\. 'modelship sweep trial churn t01'/],
      [['sweep', 'trial', 'churn', 't09'], /churn's sweep has no trial 't09'; modelship sweep plan churn lists them/],
      [['sweep', 'select', 'churn'], /select needs --from <dir>/],
      [['sweep', 'plan', 'churn', 't01'], /unexpected 't01': only 'sweep trial <model> <trial>' takes a third argument/],
      [['sweep', 'churn', '--json'], /--json is for sweep plan only/],
      [['sweep', 'churn', '--from', 'x'], /--from is for sweep select only/],
    ]
    for (const [args, message] of cases) {
      const io = capture(repo.dir)
      assert.equal(await runCli(args, io), 2, args.join(' '))
      assert.match(io.stderr, message)
    }
  } finally {
    repo.remove()
  }
})
