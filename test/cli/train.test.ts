import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { formatDuration } from '../../src/format-duration.js'
import { RunRecordSchema } from '../../src/train/run-record.js'
import { TRAIN_REPO, cli, readRun, trainRepo } from './train-fixture.js'

// The fixture trainer appends the model's name to this file each time it runs: the count of trainings.
const scratch = mkdtempSync(join(tmpdir(), 'modelship-train-cli-'))
after(() => rmSync(scratch, { recursive: true, force: true }))
const COUNT = join(scratch, 'trainings')
process.env.TRAIN_FIXTURE_COUNT = COUNT
const trainings = (): string[] => (existsSync(COUNT) ? readFileSync(COUNT, 'utf8').trim().split('\n') : [])

describe('modelship train', () => {
  const repo = trainRepo()
  const head = repo.git('rev-parse', 'HEAD').trim()
  const outputs = join(repo.dir, '.modelship/outputs/churn')

  test('the first run trains: progress on stderr, where everything is on stdout, run.json with the commit and a cache miss', async () => {
    const { code, stdout, stderr } = await cli(['train', 'churn'], repo.dir)
    assert.equal(code, 0, stderr)
    const record = readRun(outputs)
    assert.equal(
      stdout,
      [
        `Trained churn in ${formatDuration(record.timing.durationMs)} (environment ${formatDuration(record.timing.setupMs)}, training ${formatDuration(record.timing.trainingMs)}): run ${record.id} (1 attempt)`,
        '  outputs     .modelship/outputs/churn',
        '  run record  .modelship/outputs/churn/run.json',
        `  kept as     .modelship/runs/churn/${record.id}`,
        `  cache       miss; saved under ${record.cache.key}`,
        '  metrics     train:accuracy=0.8 train:roc_auc=0.8351 (metrics.json of the training command; test metrics: modelship evaluate churn)',
        '',
      ].join('\n'),
    )
    const lines = stderr.split('\n')
    for (const expected of [
      '== Resolve the training environment',
      `Cache miss: ${record.cache.key}`,
      '== Train churn',
      'Attempt 1 of 1: node train.mjs --model churn.onnx',
      'training churn with {"C":1}',
      'wrote model.onnx and metrics.json',
      '== Check the outputs',
      "model.onnx loads and fits models/churn/model.yaml: one input per feature (4); outputs 'label' and 'probabilities'",
      'Trained churn into .modelship/outputs/churn',
    ]) {
      assert.ok(lines.includes(expected), `stderr lacks '${expected}':\n${stderr}`)
    }
    assert.ok(RunRecordSchema.safeParse(record).success)
    assert.deepEqual(record.commit, { sha: head, dirty: false })
    assert.deepEqual(record.cache, { enabled: true, hit: false, key: record.cache.key })
    assert.match(record.cache.key, /^modelship-train-churn-[0-9a-f]{64}$/)
    assert.deepEqual(record.params, { C: 1 })
    assert.deepEqual(record.metrics, { accuracy: 0.8, roc_auc: 0.8351 })
    assert.deepEqual(record.outputs.map((file: { path: string }) => file.path), ['metrics.json', 'model.onnx'])
    assert.deepEqual(readFileSync(join(outputs, 'model.onnx')), readFileSync(join(TRAIN_REPO, 'trainer/churn.onnx')))
    assert.equal(record.data.train.path, 'data/churn/train.csv')
    assert.deepEqual(trainings(), ['churn'])
  })

  test('the second run is a cache hit: nothing trains, and stdout says which run made the outputs', async () => {
    const first = readRun(outputs)
    const { code, stdout, stderr } = await cli(['train', 'churn'], repo.dir)
    assert.equal(code, 0, stderr)
    const record = readRun(outputs)
    assert.equal(
      stdout,
      [
        `Restored churn from the cache in ${formatDuration(record.timing.durationMs)}: run ${record.id} (training skipped)`,
        '  outputs     .modelship/outputs/churn',
        '  run record  .modelship/outputs/churn/run.json',
        `  kept as     .modelship/runs/churn/${record.id}`,
        `  cache       hit: ${first.cache.key} (trained by run ${first.id} at commit ${head.slice(0, 7)})`,
        '  metrics     train:accuracy=0.8 train:roc_auc=0.8351 (metrics.json of the training command; test metrics: modelship evaluate churn)',
        '',
      ].join('\n'),
    )
    assert.ok(stderr.includes(`Cache hit: ${first.cache.key}; training is skipped\n`), stderr)
    assert.equal(record.cache.hit, true)
    assert.deepEqual(record.attempts, [])
    assert.deepEqual(trainings(), ['churn'])
  })

  test('--no-cache trains again and says the cache was off', async () => {
    const { code, stdout, stderr } = await cli(['train', 'churn', '--no-cache'], repo.dir)
    assert.equal(code, 0, stderr)
    assert.match(stdout, /^Trained churn in \S+ \(environment \S+, training \S+\): run \S+ \(1 attempt\)\n/)
    assert.ok(stdout.includes('\n  cache       off (--no-cache)\n'), stdout)
    assert.ok(!stderr.includes('Cache hit'), stderr)
    assert.deepEqual(readRun(outputs).cache.enabled, false)
    assert.deepEqual(trainings(), ['churn', 'churn'])
  })

  test('--out puts the outputs elsewhere; --path finds the repository from anywhere, paths shown from the current folder', async () => {
    const { code, stdout, stderr } = await cli(['train', 'churn', '--path', repo.dir, '--out', 'built/churn'], scratch)
    assert.equal(code, 0, stderr)
    assert.ok(stdout.includes('\n  outputs     built/churn\n  run record  built/churn/run.json\n'), stdout)
    assert.ok(existsSync(join(scratch, 'built/churn/model.onnx')))
    assert.equal(readRun(join(scratch, 'built/churn')).cache.hit, true)
  })

  test('a repository outside the current folder is shown with absolute paths', async () => {
    const { code, stdout, stderr } = await cli(['train', 'churn', '--path', repo.dir], scratch)
    assert.equal(code, 0, stderr)
    assert.ok(stdout.includes(`\n  outputs     ${outputs}\n  run record  ${outputs}/run.json\n`), stdout)
  })

  test('without --path the repository is the nearest folder above that holds models/', async () => {
    const { code, stdout, stderr } = await cli(['train', 'churn'], join(repo.dir, 'trainer'))
    assert.equal(code, 0, stderr)
    assert.ok(stdout.includes('\n  outputs     ../.modelship/outputs/churn\n'), stdout)
  })

  test('a failing command exits 1 with what failed and the last lines it printed, no stack', async () => {
    const { code, stdout, stderr } = await cli(['train', 'churn-failing'], repo.dir)
    assert.equal(code, 1)
    assert.equal(stdout, '')
    const message = stderr.slice(stderr.indexOf('modelship train: '))
    assert.equal(
      message,
      [
        'modelship train: train.command (node train.mjs --exit 3) exited with code 3 on attempt 1 of 1. Last 3 lines of its output:',
        '  training churn-failing with {}',
        '  loading data',
        '  Traceback: out of memory while loading data',
        'A non-zero exit is a failure of the training code and is not retried; fix the error above.',
        '',
      ].join('\n'),
    )
    assert.ok(!stderr.includes('    at '), stderr)
    assert.ok(!existsSync(join(repo.dir, '.modelship/outputs/churn-failing')))
  })

  test('a model that does not fit the spec fails the output check with every mismatch, and leaves no outputs', async () => {
    const { code, stdout, stderr } = await cli(['train', 'churn-as-regression'], repo.dir)
    assert.equal(code, 1)
    assert.equal(stdout, '')
    const message = stderr.slice(stderr.indexOf('modelship train: ')).trimEnd().split('\n')
    assert.equal(
      message[0],
      'modelship train: The model.onnx the training command wrote does not fit models/churn-as-regression/model.yaml (task regression, features tenure, contract, support_calls, gender): 3 problems',
    )
    assert.match(message[1]!, /^ {2}- the model has no input for feature 'gender' /)
    assert.match(message[2]!, /^ {2}- model input 'monthly_charges' \(float32 \[\?, 1\]\) is not one of data\.features; /)
    assert.match(message[3]!, /^ {2}- a regression model needs one float output \(\[N\] or \[N, 1\]\); found 'label' \(int64 \[\?\]\), 'probabilities' \(float32 \[\?, 2\]\); it looks like a classifier/)
    assert.equal(message[4], "Fix the model export in the training code, or the spec's task and data.features; no outputs were kept.")
    assert.ok(!existsSync(join(repo.dir, '.modelship/outputs/churn-as-regression')))
    // The failed run is kept, marked, with the message it failed with.
    const kept = readdirSync(join(repo.dir, '.modelship/runs/churn-as-regression'))
    assert.equal(kept.length, 1)
    const failed = readRun(join(repo.dir, '.modelship/runs/churn-as-regression', kept[0]!))
    assert.equal(failed.status, 'failed')
    assert.equal(failed.failure.split('\n')[0], message[0]!.slice('modelship train: '.length))
    assert.deepEqual(failed.outputs, [])
    const cached = readdirSync(join(repo.dir, '.modelship/cache'))
    assert.ok(!cached.some((entry) => entry.startsWith('modelship-train-churn-as-regression-')), cached.join(', '))
  })

  test('an invalid spec is reported as file:line:col problems and nothing runs (exit 1)', async () => {
    const before = trainings().length
    const spec = join(repo.dir, 'models/churn/model.yaml')
    const original = readFileSync(spec, 'utf8')
    try {
      writeFileSync(spec, original.replace('task: binary-classification', 'task: binary').replace('train: data/churn/train.csv', 'train: data/churn/missing.csv'))
      const { code, stdout, stderr } = await cli(['train', 'churn'], repo.dir)
      assert.equal(code, 1)
      assert.equal(stdout, '')
      const lines = stderr.trimEnd().split('\n')
      assert.equal(lines.length, 3, stderr)
      assert.match(lines[0]!, /^models\/churn\/model\.yaml:6:7 task: /)
      assert.equal(lines[1], "models/churn/model.yaml:8:10 data.train: 'data/churn/missing.csv' does not exist; commit the file or fix the path (relative to the repository root)")
      assert.equal(lines[2], 'modelship train: models/churn/model.yaml has 2 problems; fix them and train again (modelship validate checks the whole repository)')
      assert.equal(trainings().length, before)
    } finally {
      writeFileSync(spec, original)
    }
  })

  test('an unknown model is a usage error (exit 2) with the closest name', async () => {
    const { code, stderr } = await cli(['train', 'chrun'], repo.dir)
    assert.equal(code, 2)
    assert.equal(
      stderr.split('\n')[0],
      `modelship train: model 'chrun' has no spec: models/chrun/model.yaml does not exist in ${repo.dir}; did you mean 'churn'? Models there: churn, churn-as-regression, churn-failing, churn-gpu.`,
    )
  })

  test('no model, or two, is a usage error (exit 2)', async () => {
    const none = await cli(['train'], repo.dir)
    assert.equal(none.code, 2)
    assert.equal(none.stderr.split('\n')[0], "modelship train: missing the model to train; give its name, e.g. 'modelship train churn'")
    const two = await cli(['train', 'churn', 'churn-gpu'], repo.dir)
    assert.equal(two.code, 2)
    assert.equal(two.stderr.split('\n')[0], "modelship train: too many arguments: 'churn-gpu'; 'modelship train' takes at most 1")
  })

  test('help lists the options', async () => {
    const { code, stdout } = await cli(['train', '--help'], repo.dir)
    assert.equal(code, 0)
    for (const option of ['--path <repo>', '--no-cache', '--out <dir>', '--param <name=value>']) assert.ok(stdout.includes(option), stdout)
  })
})
