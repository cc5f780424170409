import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { formatDuration } from '../../src/format-duration.js'
import { cli, readRun, trainRepo } from './train-fixture.js'

describe('modelship runs', () => {
  const repo = trainRepo()
  const outputs = join(repo.dir, '.modelship/outputs/churn')
  let first: Record<string, any>
  let second: Record<string, any>

  before(async () => {
    assert.equal((await cli(['train', 'churn'], repo.dir)).code, 0)
    first = readRun(outputs)
    // Another C: a new cache key, so the second run trains and its metrics differ.
    const spec = join(repo.dir, 'models/churn/model.yaml')
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('params: { C: 1.0 }', 'params: { C: 0.5 }'))
    repo.commit('C 0.5')
    assert.equal((await cli(['train', 'churn'], repo.dir)).code, 0)
    second = readRun(outputs)
  })

  test('lists the runs newest first: id, time, commit, duration, status, evaluation, labelled metrics', async () => {
    const { code, stdout } = await cli(['runs', 'churn'], repo.dir)
    assert.equal(code, 0)
    const lines = stdout.trimEnd().split('\n')
    assert.equal(lines.length, 3)
    assert.match(lines[0]!, /^RUN +WHEN +COMMIT +DURATION +STATUS +EVALUATION +METRICS$/)
    const row = (record: Record<string, any>): RegExp =>
      new RegExp(
        `^${record.id} +${record.timing.startedAt.slice(0, 10)} \\S+Z +${record.commit.sha.slice(0, 7)} +${formatDuration(record.timing.durationMs)} +trained +- +train:accuracy=${record.metrics.accuracy} train:roc_auc=0.8351$`,
      )
    assert.match(lines[1]!, row(second))
    assert.match(lines[2]!, row(first))
    assert.equal(second.metrics.accuracy, 0.75)
  })

  test('--compare with no runs named compares previous with latest: params and metrics with B - A', async () => {
    const { code, stdout } = await cli(['runs', 'churn', '--compare'], repo.dir)
    assert.equal(code, 0)
    const lines = stdout.trimEnd().split('\n').map((line) => line.split(/ {2,}/))
    assert.deepEqual(lines[0], ['', `A ${first.id}`, `B ${second.id}`, 'B - A'])
    assert.deepEqual(lines[1], ['status', 'trained', 'trained'])
    assert.deepEqual(lines[2], ['commit', first.commit.sha.slice(0, 7), second.commit.sha.slice(0, 7), 'changed'])
    assert.deepEqual(lines[4], ['param C', '1', '0.5', '-0.5'])
    assert.deepEqual(lines[5], ['train metric accuracy', '0.8', '0.75', '-0.05'])
    assert.deepEqual(lines[6], ['train metric roc_auc', '0.8351', '0.8351', '+0'])
  })

  test('--compare A B takes ids, unique prefixes, latest and previous', async () => {
    const { code, stdout } = await cli(['runs', 'churn', '--compare', 'latest', first.id.slice(0, 20)], repo.dir)
    assert.equal(code, 0)
    assert.ok(stdout.startsWith(`${' '.repeat(23)}A ${second.id}`), stdout)
    assert.ok(stdout.includes('\nparam C                0.5'), stdout)
  })

  test('a failed training is kept and listed as failed, with why in its run.json', async () => {
    assert.equal((await cli(['train', 'churn-failing'], repo.dir)).code, 1)
    const { code, stdout } = await cli(['runs', 'churn-failing'], repo.dir)
    assert.equal(code, 0)
    const lines = stdout.trimEnd().split('\n')
    assert.equal(lines.length, 2)
    const id = lines[1]!.split(' ')[0]!
    assert.match(lines[1]!, / failed +- +-$/)
    const record = readRun(join(repo.dir, '.modelship/runs/churn-failing', id))
    assert.equal(record.status, 'failed')
    assert.match(record.failure, /^train\.command \(node train\.mjs --exit 3\) exited with code 3 on attempt 1 of 1/)
  })

  test('--path finds the runs from another folder', async () => {
    const { code, stdout } = await cli(['runs', 'churn', '--path', repo.dir], '/')
    assert.equal(code, 0)
    assert.equal(stdout.trimEnd().split('\n').length, 3)
  })

  test('a model without runs says so (exit 0)', async () => {
    const { code, stdout } = await cli(['runs', 'churn-gpu'], repo.dir)
    assert.equal(code, 0)
    assert.equal(stdout, 'No runs of churn-gpu yet.\n')
  })

  test('a run folder with a broken run.json is skipped with a warning, not silently', async () => {
    const dir = join(repo.dir, '.modelship/runs/churn-gpu/20260101T000000Z-abcdef')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'run.json'), '{"id": ')
    try {
      const { code, stdout, stderr } = await cli(['runs', 'churn-gpu'], repo.dir)
      assert.equal(code, 0)
      assert.equal(stdout, 'No runs of churn-gpu yet.\n')
      assert.match(stderr, new RegExp(`^warning: skipped a run: ${join(dir, 'run.json')} is not valid JSON \\(.+\\)\n$`))
    } finally {
      rmSync(join(repo.dir, '.modelship/runs/churn-gpu'), { recursive: true, force: true })
    }
  })

  test('a model with no runs and no spec is a usage error naming the closest model (exit 2)', async () => {
    const { code, stdout, stderr } = await cli(['runs', 'chrun'], repo.dir)
    assert.equal(code, 2)
    assert.equal(stdout, '')
    assert.match(stderr.split('\n')[0]!, /^modelship runs: model 'chrun' has no spec: models\/chrun\/model\.yaml does not exist in .*; did you mean 'churn'\? Models there: /)
  })

  test('a run that does not exist, or one run to compare, or runs without --compare: usage errors (exit 2)', async () => {
    const missing = await cli(['runs', 'churn', '--compare', 'latest', '1999'], repo.dir)
    assert.equal(missing.code, 2)
    assert.equal(
      missing.stderr.split('\n')[0],
      "modelship runs: model 'churn' has no run '1999'; give a run id, a unique prefix of one, latest or previous (`modelship runs churn` lists them)",
    )
    const one = await cli(['runs', 'churn', '--compare', 'latest'], repo.dir)
    assert.equal(one.code, 2)
    assert.equal(one.stderr.split('\n')[0], "modelship runs: --compare takes two runs (A and B) or none; got only 'latest'")
    const loose = await cli(['runs', 'churn', 'latest'], repo.dir)
    assert.equal(loose.code, 2)
    assert.equal(loose.stderr.split('\n')[0], "modelship runs: too many arguments: 'latest'; to compare two runs add --compare")
    const none = await cli(['runs'], repo.dir)
    assert.equal(none.code, 2)
    assert.equal(none.stderr.split('\n')[0], "modelship runs: missing the model; give its name, e.g. 'modelship runs churn'")
  })
})
