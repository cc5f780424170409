import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { runCli } from '../../src/cli/run-cli.js'
import { capture, sweepRepository, sweepSpecYaml } from './helpers.js'

test('modelship report --sweep puts the leaderboard in the report of its model, after fairness; a sweep of another model is refused', async () => {
  const repo = sweepRepository(sweepSpecYaml(['  sweep:', '    params: { model: [champion.onnx, candidate.onnx] }', '    metric: roc_auc'].join('\n')))
  try {
    const swept = capture(repo.dir)
    assert.equal(await runCli(['sweep', 'churn'], swept), 0, swept.stderr)
    const evaluation = '.modelship/sweeps/churn/t01/evaluation.json'
    const io = capture(repo.dir)
    assert.equal(await runCli(['report', evaluation, '--sweep', '.modelship/sweeps/churn/sweep.json'], io), 0, io.stderr)
    const leaderboard = readFileSync(join(repo.dir, '.modelship/sweeps/churn/leaderboard.md'), 'utf8').trimEnd()
    assert.ok(io.stdout.includes(`\n\n${leaderboard}\n\n`), io.stdout)
    assert.ok(io.stdout.indexOf('### Sweep of churn') > io.stdout.indexOf('Fairness'), 'after the fairness section')
    const plain = capture(repo.dir)
    assert.equal(await runCli(['report', evaluation], plain), 0)
    assert.ok(!plain.stdout.includes('### Sweep of churn'))

    const other = JSON.parse(readFileSync(join(repo.dir, '.modelship/sweeps/churn/sweep.json'), 'utf8'))
    writeFileSync(join(repo.dir, 'other.json'), JSON.stringify({ ...other, model: 'prices' }))
    const refused = capture(repo.dir)
    assert.equal(await runCli(['report', evaluation, '--sweep', 'other.json'], refused), 2)
    assert.match(refused.stderr, /--sweep other\.json is a sweep of prices, and no evaluation given is of prices; pass its evaluation\.json too, or leave the sweep out/)
    writeFileSync(join(repo.dir, 'broken.json'), '{"schemaVersion": 1}')
    const broken = capture(repo.dir)
    assert.equal(await runCli(['report', evaluation, '--sweep', 'broken.json'], broken), 1)
    assert.match(broken.stderr, /broken\.json is not a sweep\.json of version 1: .*run modelship sweep again to rewrite it/)
  } finally {
    repo.remove()
  }
})
