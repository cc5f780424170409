// train → evaluate → register with no paths given: each step finds what the one before left.
import assert from 'node:assert/strict'
import { appendFileSync, copyFileSync, cpSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { createTestRepo } from '../git/test-repo.js'
import { REPO_ROOT } from '../support/run-action.js'
import { TRAIN_REPO, cli, readRun } from './train-fixture.js'

describe('train, evaluate and register chain by default', () => {
  const repo = createTestRepo()
  after(() => repo.remove())
  cpSync(TRAIN_REPO, repo.dir, { recursive: true })
  appendFileSync(join(repo.dir, 'models/churn/model.yaml'), 'deploy:\n  - { environment: staging }\n')
  repo.write({ '.gitignore': '.modelship/\n' })
  repo.git('config', 'user.name', 'Chain Tester')
  repo.git('config', 'user.email', 'chain@example.com')
  repo.commit('models')
  const outputs = join(repo.dir, '.modelship/outputs/churn')
  const kept = (id: string): string => join(repo.dir, '.modelship/runs/churn', id, 'evaluation.json')
  let first: Record<string, any>

  test('evaluate <model> takes the latest training and keeps its evaluation with that run', async () => {
    assert.equal((await cli(['train', 'churn'], repo.dir)).code, 0)
    first = readRun(outputs)
    const { code, stdout, stderr } = await cli(['evaluate', 'churn', '--no-explain'], repo.dir)
    assert.equal(code, 0, stderr)
    assert.ok(stdout.endsWith(`recorded with run ${first.id} in .modelship/runs/churn/${first.id}/evaluation.json\n`), stdout)
    assert.equal(JSON.parse(readFileSync(kept(first.id), 'utf8')).training.runId, first.id)
  })

  test('with --format json the note goes to stderr and stdout stays the document', async () => {
    const { code, stdout, stderr } = await cli(['evaluate', 'churn', '--no-explain', '--format', 'json'], repo.dir)
    assert.equal(code, 0, stderr)
    assert.equal(JSON.parse(stdout).model, 'churn')
    assert.ok(stderr.endsWith(`recorded with run ${first.id} in .modelship/runs/churn/${first.id}/evaluation.json\n`), stderr)
  })

  test('runs shows the evaluation: its verdict and test metrics beside the training ones', async () => {
    const { stdout } = await cli(['runs', 'churn'], repo.dir)
    const row = stdout.split('\n').find((line) => line.startsWith(first.id))
    assert.match(row ?? '', / trained +passed +test:accuracy=\S+ test:roc_auc=\S+ train:accuracy=0\.8 train:roc_auc=0\.8351$/)
  })

  test('train --param overrides a param, records it, and a later training keeps the earlier evaluation', async () => {
    const { code, stdout, stderr } = await cli(['train', 'churn', '--param', 'C=0.5'], repo.dir)
    assert.equal(code, 0, stderr)
    const second = readRun(outputs)
    assert.notEqual(second.id, first.id)
    assert.deepEqual(second.params, { C: 0.5 })
    assert.deepEqual(second.paramOverrides, { C: 0.5 })
    assert.ok(stdout.includes('\n  params      C=0.5 (from --param)\n'), stdout)
    assert.ok(stderr.includes('training churn with {"C":0.5}'), stderr)
    // Another param is another cache key: it trained rather than restored the first run's outputs.
    assert.notEqual(second.cache.key, first.cache.key)
    assert.ok(existsSync(kept(first.id)))
  })

  test('register <model> wants the evaluation of the latest run, not an older run\'s', async () => {
    const { code, stderr } = await cli(['registry', 'register', 'churn'], repo.dir)
    assert.equal(code, 1)
    assert.equal(
      stderr,
      'modelship registry: the run in .modelship/outputs/churn has no evaluation.json; evaluate it first with modelship evaluate churn --champion registry, or pass --evaluation <file>\n',
    )
  })

  test('register <model> finds the evaluation evaluate kept', async () => {
    assert.equal((await cli(['evaluate', 'churn', '--no-explain'], repo.dir)).code, 0)
    const { code, stdout, stderr } = await cli(['registry', 'register', 'churn'], repo.dir)
    assert.equal(code, 0, stderr)
    assert.match(stdout, /^Registered churn@v0\.0\.1 from commit [0-9a-f]{7} /)
  })

  test('register refuses a model.onnx that changed after training checked it', async () => {
    assert.equal((await cli(['train', 'churn', '--param', 'C=0.25'], repo.dir)).code, 0)
    const run = readRun(outputs)
    // Another valid model in its place, evaluated as it is now: only run.json's sha256 tells.
    copyFileSync(join(REPO_ROOT, 'test/fixtures/models/churn-candidate.onnx'), join(outputs, 'model.onnx'))
    assert.equal((await cli(['evaluate', 'churn', '--no-explain', '--out', '.modelship/outputs/churn/evaluation.json'], repo.dir)).code, 0)
    const { code, stderr } = await cli(['registry', 'register', 'churn'], repo.dir)
    assert.equal(code, 1)
    const checked = run.outputs.find((output: { path: string }) => output.path === 'model.onnx').sha256
    assert.match(
      stderr,
      new RegExp(
        `^modelship registry: \\.modelship/outputs/churn/model\\.onnx is not the model\\.onnx run ${run.id} checked \\(sha256 [0-9a-f]{12}… now, ${checked.slice(0, 12)}… in run\\.json\\): it changed after training; train again \\(modelship train churn\\) and register that run\\n$`,
      ),
    )
  })

  test('an evaluation of a model that is not the run\'s own is not recorded with the run', async () => {
    // The run the previous test tampered with: its evaluation judged other bytes.
    const run = readRun(outputs)
    assert.equal(existsSync(kept(run.id)), false)
  })

  test('runs --compare shows test metrics beside the training ones', async () => {
    const { code, stdout } = await cli(['runs', 'churn', '--compare', first.id, 'previous'], repo.dir)
    assert.equal(code, 0)
    const labels = stdout.split('\n').map((line) => line.split(/ {2,}/)[0])
    assert.ok(labels.includes('test metric accuracy') && labels.includes('train metric accuracy'), stdout)
  })

  test('train --param refuses a name the spec does not have (exit 2)', async () => {
    const { code, stderr } = await cli(['train', 'churn', '--param', 'c=1'], repo.dir)
    assert.equal(code, 2)
    assert.equal(
      stderr.split('\n')[0],
      "modelship train: --param c: train.params of models/churn/model.yaml has no 'c' (it has C); did you mean 'C'? A new param goes into train.params first, so every run has a value for it",
    )
  })

  test('evaluate <model> without a training says how to get one (exit 2)', async () => {
    const { code, stderr } = await cli(['evaluate', 'churn-gpu'], repo.dir)
    assert.equal(code, 2)
    assert.equal(
      stderr.split('\n')[0],
      'modelship evaluate: churn-gpu has no training outputs in .modelship/outputs/churn-gpu; train it first (modelship train churn-gpu), or pass --candidate <model.onnx or run folder>',
    )
  })
})
