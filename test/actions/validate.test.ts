import assert from 'node:assert/strict'
import { cpSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { run } from '../../actions/validate/main.js'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { runMain } from '../../src/action/run-main.js'
import { SUMMARY_CUT_NOTE } from '../../src/action/summary.js'
import { createTestRepo, type TestRepo } from '../git/test-repo.js'
import { REPO_ROOT, runAction } from '../support/run-action.js'

const FIXTURES = resolve(REPO_ROOT, 'test/fixtures/validate')
const EXAMPLE_REPO = resolve(REPO_ROOT, 'example-repo')
const CHURN_ENTRY = { model: 'churn', spec: 'models/churn/model.yaml', 'runs-on': ['ubuntu-latest'], accelerator: 'none', 'timeout-minutes': 90, python: '3.11', 'python-requirements': '' }

describe('validate, in process with a recording environment', () => {
  test('a broken repository: every problem annotated at its line, 10 errors shown, the rest in the summary, step failed', async () => {
    const env = createRecordingEnv({ workspace: FIXTURES, inputs: { path: 'broken-repo', 'changed-since': '' } })
    assert.equal(await runMain(run, env), 1)
    const { record } = env
    assert.equal(record.annotations.length, 16)
    assert.deepEqual(record.annotations[0], {
      level: 'error',
      file: 'broken-repo/deploy/production.yaml',
      line: 5,
      column: 14,
      title: 'Modelship: models[0].model',
      message: "'fraud' has no spec in this repository; expected one of: churn, prices",
    })
    assert.deepEqual(record.annotations[1], {
      level: 'warning',
      file: 'broken-repo/models/churn/model.yaml',
      line: 7,
      column: 9,
      title: 'Modelship: data.test',
      message: "'data/churn.csv' is also the training data; metrics on data the model was trained on overstate its quality: use a held-out file",
    })
    assert.equal(record.shownAnnotations.filter((a) => a.level === 'error').length, 10)
    assert.equal(record.shownAnnotations.filter((a) => a.level === 'warning').length, 1)
    assert.match(record.summary, /^## Modelship validate: ❌ invalid: 15 errors, 1 warning in 2 models, 1 environment\n/)
    assert.match(record.summary, /\| churn \| models\/churn\/model\.yaml \| ⚠️ 1 warning \|\n\| prices \| models\/prices\/model\.yaml \| ❌ 14 errors \|/)
    assert.match(record.summary, /\| production \| deploy\/production\.yaml \| ❌ 1 error \|/)
    assert.match(record.summary, /### 5 more problems not shown as annotations\n/)
    assert.match(record.summary, /\| models\/prices\/model\.yaml:20:23 \| evaluate\.metrics\[1\]: 'r3' is not a metric of regression; did you mean 'r2'\? \|/)
    assert.deepEqual(record.outputs, { valid: 'false', models: JSON.stringify({ include: [CHURN_ENTRY] }) })
    assert.equal(
      record.failure,
      "invalid: 15 errors, 1 warning in 2 models, 1 environment; the first is deploy/production.yaml:5:14 models[0].model: 'fraud' has no spec in this repository; expected one of: churn, prices. " +
        'Each problem is annotated on its line (GitHub shows the first 10) and listed in the job summary.',
    )
  })

  test('a path that does not exist fails the step with an annotation that names no file', async () => {
    const env = createRecordingEnv({ workspace: FIXTURES, inputs: { path: 'no-such-repo' } })
    assert.equal(await runMain(run, env), 1)
    const message = `repository root ${join(FIXTURES, 'no-such-repo')} is not a folder; run from the repository or pass its path`
    assert.deepEqual(env.record.annotations, [{ level: 'error', title: 'Modelship', message }])
    assert.deepEqual(env.record.outputs, { valid: 'false', models: '{"include":[]}' })
    assert.match(env.record.summary, /No models found/)
    assert.equal(
      env.record.failure,
      `invalid: 1 error in 0 models, 0 environments; the first is ${message}. Each problem is annotated on its line (GitHub shows the first 10) and listed in the job summary.`,
    )
  })
})

describe('validate, bundled, run as the runner does', () => {
  for (const node of ['node20', 'node24'] as const) {
    test(`${node}: example-repo is valid and every model is in the matrix`, async () => {
      const result = await runAction({ action: 'validate', workspace: EXAMPLE_REPO, node })
      assert.equal(result.exitCode, 0, result.stdout + result.stderr)
      assert.equal(result.outputs.valid, 'true')
      const matrix = JSON.parse(result.outputs.models ?? '') as { include: { model: string }[] }
      assert.deepEqual(
        matrix.include.map((entry) => entry.model),
        ['churn', 'house-prices'],
      )
      assert.deepEqual(result.annotations, [])
      assert.match(result.summary, /^## Modelship validate: ✅ valid: 2 models, 2 environments\n/)
      assert.ok(result.log.includes('valid: 2 models, 2 environments'), result.stdout)
    })

    test(`${node}: a broken repository fails the step with annotations relative to the workspace`, async () => {
      const result = await runAction({ action: 'validate', workspace: FIXTURES, inputs: { path: 'broken-repo' }, node })
      assert.equal(result.exitCode, 1)
      assert.equal(result.stderr, '')
      const errors = result.annotations.filter((a) => a.level === 'error')
      // 10 problem annotations, then the step's failure message (GitHub keeps it as a red log line).
      assert.equal(errors.length, 11)
      assert.deepEqual(errors[1], {
        level: 'error',
        file: 'broken-repo/models/prices/model.yaml',
        line: 5,
        column: 1,
        title: 'Modelship: colour',
        message: "unknown key 'colour'; remove it or use one of: apiVersion, kind, name, description, task, data, train, evaluate, register, deploy, monitor",
      })
      assert.match(errors[10]?.message ?? '', /^invalid: 15 errors, 1 warning in 2 models, 1 environment; the first is /)
      assert.ok(result.log.includes("error: broken-repo/models/prices/model.yaml:20:23: 'r3' is not a metric of regression; did you mean 'r2'?"), result.stdout)
      assert.equal(result.outputs.valid, 'false')
      assert.deepEqual(JSON.parse(result.outputs.models ?? ''), { include: [CHURN_ENTRY] })
      assert.match(result.summary, /### 5 more problems not shown as annotations/)
    })
  }

  test('a bad changed-since ref fails the step with the message and no stack trace', async () => {
    const result = await runAction({ action: 'validate', workspace: EXAMPLE_REPO, inputs: { 'changed-since': 'no-such-branch' } })
    assert.equal(result.exitCode, 1)
    const failure = result.annotations.at(-1)
    assert.equal(failure?.level, 'error')
    assert.match(failure?.message ?? '', /^changed-since: 'no-such-branch' is not a branch, tag or commit in the repository at /)
    assert.doesNotMatch(result.stdout, /\n\s+at /)
  })
})

describe('validate with changed-since on a real repository', () => {
  let repo: TestRepo
  before(() => {
    repo = createTestRepo()
    cpSync(join(FIXTURES, 'broken-repo'), repo.dir, { recursive: true })
    repo.write({ 'models/other/model.yaml': 'apiVersion: modelship/v1\n' })
    repo.commit('start')
    repo.git('checkout', '-q', '-b', 'feature')
    writeFileSync(join(repo.dir, 'data/churn.csv'), 'tenure,monthly_charges,contract,churned\n5,2.5,a,0\n7,4.5,b,1\n')
    // A deleted model is never in the matrix.
    repo.git('rm', '-q', '-r', 'models/other')
    repo.commit('new churn data, drop other')
  })
  after(() => repo.remove())

  test('only models whose inputs changed since the merge base are in the matrix', async () => {
    const env = createRecordingEnv({ workspace: repo.dir, inputs: { 'changed-since': 'main' } })
    await runMain(run, env)
    assert.equal(env.record.outputs.models, JSON.stringify({ include: [CHURN_ENTRY] }))
    assert.match(env.record.summary, /### Models to train \(changed since `main`\)\n\n`churn`\n/)
  })

  test('nothing changed: an empty matrix', async () => {
    const env = createRecordingEnv({ workspace: repo.dir, inputs: { 'changed-since': 'feature' } })
    await runMain(run, env)
    assert.equal(env.record.outputs.models, '{"include":[]}')
    assert.match(env.record.summary, /### Models to train \(changed since `feature`\)\n\nNone\.\n/)
  })

  test('bundled: the same matrix from the runner emulation', async () => {
    const result = await runAction({ action: 'validate', workspace: repo.dir, inputs: { 'changed-since': 'main' } })
    assert.equal(result.outputs.models, JSON.stringify({ include: [CHURN_ENTRY] }))
    assert.ok(result.log.includes('models changed since main: churn'), result.stdout)
  })
})

test('the summary is cut at 1 MiB with a note', async () => {
  const env = createRecordingEnv({ workspace: FIXTURES, inputs: { path: 'broken-repo' } })
  await env.summary('x'.repeat(1024 * 1024 - 500))
  await runMain(run, env)
  assert.ok(env.record.summary.endsWith(SUMMARY_CUT_NOTE))
})
