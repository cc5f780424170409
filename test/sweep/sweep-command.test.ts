import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { runCli } from '../../src/cli/run-cli.js'
import { readSweepResult, renderLeaderboardMarkdown } from '../../src/sweep/index.js'
import { capture, sweepRepository, sweepSpecYaml } from './helpers.js'

const SWEEP = [
  '  sweep:',
  '    params: { model: [champion.onnx, candidate.onnx], C: [0.5, 1] }',
  '    candidates:',
  '      - { name: broken, command: [node, train.mjs, --exit, "3"] }',
  '    budget: 6',
  '    parallelism: 2',
  '    metric: roc_auc',
].join('\n')

// The trainer appends a line per training here; a test counts trainings with it.
function withCount<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.TRAIN_FIXTURE_COUNT
  process.env.TRAIN_FIXTURE_COUNT = file
  return fn().finally(() => {
    if (before === undefined) delete process.env.TRAIN_FIXTURE_COUNT
    else process.env.TRAIN_FIXTURE_COUNT = before
  })
}
const trainings = (file: string): number => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0)

test('modelship sweep: trains and evaluates each trial, selects the best that passes, makes it the outputs; a rerun restores unchanged trials; register keeps the sweep in the lineage', async () => {
  const repo = sweepRepository(sweepSpecYaml(SWEEP))
  try {
    const io = capture(repo.dir)
    const code = await withCount(repo.countFile, () => runCli(['sweep', 'churn', '--markdown', 'leaderboard.md'], io))
    assert.equal(code, 0, io.stderr)
    const lines = io.stdout.split('\n')
    assert.equal(lines[0], '   trial  candidate  params                      roc_auc  accuracy  log_loss  gates                      fairness    status')
    assert.equal(lines[1], '*  t01    train      model=champion.onnx C=0.5   0.8351   0.7775    0.4536    passed 1/1                 passed 1/1  passed')
    assert.equal(lines[3], '   t03    train      model=candidate.onnx C=0.5  0.8267   0.765     0.4746    failed: roc_auc threshold  passed 1/1  failed')
    assert.match(lines[5]!, /^ {3}t05 {4}broken {5}model=champion\.onnx C=0\.5 {3}— .* error \(train\): train\.command \(node train\.mjs --exit 3\) exited with code 3 on attempt 1 of 1\. .*out of memory while loading data/)
    assert.equal(
      lines[7],
      'selected t01: t01 has the highest roc_auc (0.8351) of the 2 trials that passed every gate and fairness bound; 2 failed a gate or fairness bound, 2 did not train or evaluate',
    )
    assert.match(io.stderr, /Sweep of churn: 6 trials \(grid\), 2 at once; the budget leaves 2 grid combinations out/)
    assert.equal(trainings(repo.countFile), 6)

    const sweep = await readSweepResult(join(repo.dir, '.modelship/sweeps/churn/sweep.json'))
    assert.equal(sweep.selected, 't01')
    assert.deepEqual(sweep.trials.map((trial) => trial.status), ['passed', 'passed', 'failed', 'failed', 'error', 'error'])
    assert.equal(sweep.trials[4]!.error?.stage, 'train')
    assert.equal(sweep.testData?.path, 'data/churn/test.csv')
    const winner = sweep.trials[0]!
    const outputs = join(repo.dir, '.modelship/outputs/churn')
    assert.equal(JSON.parse(readFileSync(join(outputs, 'run.json'), 'utf8')).id, winner.runId)
    assert.deepEqual(JSON.parse(readFileSync(join(outputs, 'run.json'), 'utf8')).paramOverrides, { model: 'champion.onnx', C: 0.5 })
    assert.deepEqual(await readSweepResult(join(outputs, 'sweep.json')), sweep)
    assert.ok(existsSync(join(repo.dir, `.modelship/runs/churn/${winner.runId}/evaluation.json`)), 'each evaluation is kept with its run')
    const markdown = readFileSync(join(repo.dir, 'leaderboard.md'), 'utf8')
    assert.equal(markdown, renderLeaderboardMarkdown(sweep))
    assert.equal(readFileSync(join(repo.dir, '.modelship/sweeps/churn/leaderboard.md'), 'utf8'), markdown)
    assert.ok(markdown.includes('| t01 | train | model=champion.onnx C=0.5 | 0.8351 | 0.7775 | 0.4536 | passed 1/1 | passed 1/1 | passed | ✅ |'))
    assert.ok(markdown.includes('```mermaid\nxychart-beta\n    title "roc_auc by trial"\n    x-axis [t01, t02, t03, t04]\n'))

    // Unchanged trials come from the cache; only the failed ones train again.
    const again = capture(repo.dir)
    assert.equal(await withCount(repo.countFile, () => runCli(['sweep', 'churn', '--parallelism', '1'], again)), 0, again.stderr)
    assert.equal(trainings(repo.countFile), 8)
    const second = await readSweepResult(join(repo.dir, '.modelship/sweeps/churn/sweep.json'))
    assert.deepEqual(second.trials.map((trial) => trial.cacheHit), [true, true, true, true, false, false])
    assert.equal(second.parallelism, 1)

    const registered = capture(repo.dir)
    const env = { GITHUB_TOKEN: process.env.GITHUB_TOKEN, GITHUB_REPOSITORY: process.env.GITHUB_REPOSITORY }
    delete process.env.GITHUB_TOKEN
    delete process.env.GITHUB_REPOSITORY
    try {
      assert.equal(await runCli(['registry', 'register', 'churn'], registered), 0, registered.stderr)
    } finally {
      for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value
    }
    const { execFileSync } = await import('node:child_process')
    const message = execFileSync('git', ['tag', '-l', '--format=%(contents)', 'churn@v0.0.1'], { cwd: repo.dir, encoding: 'utf8' })
    const lineage = JSON.parse(message.slice(message.indexOf('{')))
    assert.equal(lineage.sweep.selected, 't01')
    assert.equal(lineage.sweep.metric, 'roc_auc')
    assert.equal(lineage.sweep.trials.length, 6)
    assert.deepEqual(lineage.sweep.trials[2], { id: 't03', candidate: 'train', params: { model: 'candidate.onnx', C: 0.5 }, status: 'failed', metrics: second.trials[2]!.metrics })
    assert.match(lineage.sweep.trials[4].error, /^train: train\.command \(node train\.mjs --exit 3\) exited with code 3/)
    assert.ok(typeof lineage.assets['sweep.json'] === 'string', 'sweep.json is an asset with its sha256')
  } finally {
    repo.remove()
  }
})

test('modelship sweep: no trial passing exits 1 and leaves the outputs alone', async () => {
  const repo = sweepRepository(sweepSpecYaml(['  sweep:', '    params: { model: [candidate.onnx] }', '    metric: roc_auc'].join('\n')))
  try {
    const io = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'churn'], io), 1)
    assert.match(io.stdout, /\nno trial selected: no trial of 1 passed every gate and fairness bound with a roc_auc value; 1 failed a gate or fairness bound\n/)
    assert.equal(existsSync(join(repo.dir, '.modelship/outputs/churn')), false)
    assert.equal((await readSweepResult(join(repo.dir, '.modelship/sweeps/churn/sweep.json'))).selected, null)
  } finally {
    repo.remove()
  }
})

test('modelship sweep: a spec without train.sweep, a bad --parallelism and an invalid sweep are refused with the fix', async () => {
  const repo = sweepRepository(sweepSpecYaml(''))
  try {
    const io = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'churn'], io), 2)
    assert.match(io.stderr, /models\/churn\/model\.yaml has no train\.sweep; add one, e\.g\.\n {2}sweep: \{ params: \{ model: \[0\.1, 1, 10\] \}, metric: roc_auc \}/)
    assert.doesNotMatch(io.stderr, /\n\s+at /, 'no stack trace')
    const bad = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'churn', '--parallelism', 'two'], bad), 2)
    assert.match(bad.stderr, /--parallelism 'two' is not a whole number from 1 to 64; e\.g\. --parallelism 2/)
  } finally {
    repo.remove()
  }
  const invalid = sweepRepository(sweepSpecYaml(['  sweep:', '    params: { modl: [a.onnx] }', '    metric: roc_auc'].join('\n')))
  try {
    const io = capture(invalid.dir)
    assert.equal(await runCli(['sweep', 'churn'], io), 1)
    assert.match(io.stderr, /models\/churn\/model\.yaml:\d+:\d+ train\.sweep\.params\.modl: 'modl' is not in train\.params; did you mean 'model'\?/)
    assert.match(io.stderr, /modelship sweep: models\/churn\/model\.yaml has 1 problem; fix it and sweep again/)
  } finally {
    invalid.remove()
  }
})

test('the Markdown leaderboard escapes pipes in params and errors', async () => {
  const markdown = renderLeaderboardMarkdown({
    schemaVersion: 1, model: 'churn', createdAt: '2026-01-01T00:00:00.000Z', strategy: 'grid', seed: 0, metric: 'roc_auc', greaterIsBetter: true,
    parallelism: 1, testData: null, leftOut: 0, selected: null, reason: 'no trial of 1 passed',
    trials: [{ id: 't01', candidate: 'train', command: ['x'], overrides: { sep: 'a|b' }, params: {}, mitigated: false, status: 'error', runId: null, cacheHit: false, metrics: {}, gates: [], fairness: [], error: { stage: 'evaluate', message: 'bad | value\nsecond line' } }],
  })
  assert.ok(markdown.includes('| t01 | train | sep=a\\|b | — | — | — | error (evaluate): bad \\| value / second line |  |'), markdown)
  assert.ok(!markdown.includes('mermaid'), 'no chart without values')
})

test('evaluate.on-fail: sweep: a failed evaluation says a sweep is due, once per commit', async () => {
  const spec = sweepSpecYaml(['  sweep:', '    params: { model: [champion.onnx, candidate.onnx] }', '    metric: roc_auc'].join('\n'), '    - { metric: roc_auc, threshold: 0.9 }')
  const repo = sweepRepository(spec.replace('  fairness:', '  on-fail: sweep\n  fairness:'))
  try {
    const trained = capture(repo.dir)
    assert.equal(await runCli(['train', 'churn'], trained), 0, trained.stderr)
    const first = capture(repo.dir)
    assert.equal(await runCli(['evaluate', 'churn', '--no-explain'], first), 1)
    const { execFileSync } = await import('node:child_process')
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo.dir, encoding: 'utf8' }).trim()
    assert.ok(first.stderr.includes(`evaluate.on-fail is sweep: the candidate failed its gates at commit ${head.slice(0, 7)}, so a sweep is due: modelship sweep churn\n`), first.stderr)
    assert.ok(existsSync(join(repo.dir, '.modelship/sweeps/churn/requested', head)))
    const second = capture(repo.dir)
    assert.equal(await runCli(['evaluate', 'churn', '--no-explain'], second), 1)
    assert.ok(second.stderr.includes(`a sweep was already requested for commit ${head.slice(0, 7)}; not again (at most once per commit)`), second.stderr)
  } finally {
    repo.remove()
  }
})

test('a candidate with mitigation: false trains without the weights, and the leaderboard sets fairness with and without side by side', async () => {
  const sweep = [
    '  mitigation: { method: reweighing, sensitive-features: [gender] }',
    '  sweep:',
    '    candidates:',
    '      - { name: unweighted, command: [node, train.mjs, --model, candidate.onnx], mitigation: false }',
    '    metric: roc_auc',
  ].join('\n')
  const repo = sweepRepository(sweepSpecYaml(sweep, '    - { metric: roc_auc, threshold: 0.8 }'))
  try {
    const io = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'churn', '--verbose'], io), 0, io.stderr)
    const result = await readSweepResult(join(repo.dir, '.modelship/sweeps/churn/sweep.json'))
    assert.deepEqual(result.trials.map((trial) => [trial.id, trial.candidate, trial.mitigated]), [['t01', 'train', true], ['t02', 'unweighted', false]])
    assert.ok(io.stderr.includes('[t01] == Reweigh the training data\n'), 'the mitigated trial computed its weights')
    assert.ok(!io.stderr.includes('[t02] == Reweigh'), 'the other trained without them')
    const markdown = readFileSync(join(repo.dir, '.modelship/sweeps/churn/leaderboard.md'), 'utf8')
    const dpd = (id: string): string => {
      const check = result.trials.find((trial) => trial.id === id)!.fairness[0]!
      return `${String(Number(check.value!.toPrecision(4)))} (${check.status})`
    }
    assert.ok(
      markdown.includes(
        [
          '#### Fairness with and without mitigation',
          '',
          '| | with train.mitigation (t01) | without (t02) |',
          '| --- | ---: | ---: |',
          '| roc_auc | 0.8351 | 0.8267 |',
          `| demographic_parity_difference[gender] | ${dpd('t01')} | ${dpd('t02')} |`,
        ].join('\n'),
      ),
      markdown,
    )
  } finally {
    repo.remove()
  }
})
