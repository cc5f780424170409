import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ModelError, TrainError } from '../../src/errors.js'
import { formatRunList, listRuns } from '../../src/train/runs-store.js'
import { train } from '../../src/train/train.js'
import { RecordingLogger } from './helpers.js'
import { trainOptions, trainRepo } from './train-fixture.js'

describe('train keeps every run, failed ones marked', () => {
  it('keeps a run whose command failed, with its message and attempts, and writes no outputs', async () => {
    const root = await trainRepo()
    const log = new RecordingLogger()
    const failed = await train(trainOptions(root, log, { command: [process.execPath, 'trainer.mjs', '--exit', '3'] })).catch((e: Error) => e)
    assert.ok(failed instanceof Error)
    const runs = await listRuns(join(root, '.modelship/runs'), 'churn')
    assert.equal(runs.length, 1)
    const { record, dir } = runs[0]!
    assert.equal(record.status, 'failed')
    assert.equal(record.failure, failed.message)
    assert.deepEqual(record.attempts.map((a) => [a.outcome, a.exitCode]), [['exited', 3]])
    assert.deepEqual(record.outputs, [])
    assert.deepEqual(record.metrics, {})
    assert.equal(typeof record.timing.trainingMs, 'number')
    assert.deepEqual(await readdir(dir), ['run.json'])
    assert.equal(existsSync(join(root, '.modelship/outputs/churn')), false)
    assert.ok(log.lines.includes(`info: Kept the failed run ${record.id} in .modelship/runs/churn/${record.id}`), log.lines.join('\n'))
    assert.match(formatRunList('churn', runs), new RegExp(`^${record.id} .* failed +- +-$`, 'm'))
  })

  it('keeps a run whose model.onnx failed the check as failed, with the check\'s message', async () => {
    const root = await trainRepo()
    const log = new RecordingLogger()
    const checkOutputs = async (): Promise<void> => {
      throw new ModelError('model.onnx does not fit the spec: input x is missing')
    }
    await assert.rejects(train(trainOptions(root, log, { checkOutputs })), ModelError)
    const [run] = await listRuns(join(root, '.modelship/runs'), 'churn')
    assert.equal(run?.record.status, 'failed')
    assert.equal(run?.record.failure, 'model.onnx does not fit the spec: input x is missing')
    assert.deepEqual(run?.record.attempts.map((a) => a.outcome), ['succeeded'])
  })

  it('keeps a failed run beside the successful ones, newest first', async () => {
    const root = await trainRepo()
    const log = new RecordingLogger()
    const ok = await train(trainOptions(root, log))
    await assert.rejects(train(trainOptions(root, log, { command: [process.execPath, 'trainer.mjs', '--no-model'] })))
    const runs = await listRuns(join(root, '.modelship/runs'), 'churn')
    assert.deepEqual(runs.map((run) => run.record.status), ['failed', 'succeeded'])
    assert.equal(runs[1]?.record.id, ok.record.id)
    // The outputs of the successful run stay: a failure leaves nothing half-written.
    assert.ok(existsSync(join(root, '.modelship/outputs/churn/model.onnx')))
  })

  it('does not keep a failed run when no runs folder is given', async () => {
    const root = await trainRepo()
    const log = new RecordingLogger()
    await assert.rejects(train(trainOptions(root, log, { runsDir: undefined, command: [process.execPath, 'trainer.mjs', '--exit', '1'] })))
    assert.equal(existsSync(join(root, '.modelship/runs')), false)
  })
})

describe('train records', () => {
  it('environment set-up and training apart from the whole duration', async () => {
    const root = await trainRepo()
    const log = new RecordingLogger()
    const { record } = await train(trainOptions(root, log))
    assert.equal(record.status, 'succeeded')
    const { setupMs, trainingMs, durationMs } = record.timing
    assert.equal(typeof setupMs, 'number')
    assert.equal(typeof trainingMs, 'number')
    assert.ok(setupMs! + trainingMs! <= durationMs, JSON.stringify(record.timing))
    assert.ok(log.lines.some((line) => /^info: Environment ready in /.test(line)), log.lines.join('\n'))
  })

  it('the params overridden on the command line', async () => {
    const root = await trainRepo()
    const log = new RecordingLogger()
    const { record } = await train(trainOptions(root, log, { params: { C: 0.5 }, paramOverrides: { C: 0.5 } }))
    assert.deepEqual(record.params, { C: 0.5 })
    assert.deepEqual(record.paramOverrides, { C: 0.5 })
    assert.deepEqual(record.metrics, { accuracy: 0.5 })
    const plain = await train(trainOptions(root, log))
    assert.equal(plain.record.paramOverrides, undefined)
  })
})

describe('train verifies the outputs against the sha256s taken at the check', () => {
  it('keeps nothing when an output changes after the check, and says which', async () => {
    const root = await trainRepo()
    const log = new RecordingLogger()
    // Stands in for a process that writes after the check (runCommand kills those; this is the last line of defence).
    const checkOutputs = async (dir: string): Promise<void> => writeFile(join(dir, 'model.onnx'), 'other bytes')
    await assert.rejects(train(trainOptions(root, log, { checkOutputs, cache: true })), (error: Error) => {
      assert.ok(error instanceof TrainError)
      assert.match(
        error.message,
        /^The outputs changed after they were checked \(model\.onnx changed \(sha256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\)\); something the training started went on writing\. Nothing was kept: /,
      )
      return true
    })
    assert.equal(existsSync(join(root, '.modelship/outputs/churn')), false)
    assert.deepEqual(await readdir(join(root, '.modelship/cache')).catch(() => []), [])
  })

  it('trains instead of restoring a cache entry whose files are not those its run.json recorded', async () => {
    const root = await trainRepo()
    const log = new RecordingLogger()
    const first = await train(trainOptions(root, log, { cache: true }))
    const entry = join(root, '.modelship/cache', first.record.cache.key)
    await writeFile(join(entry, 'model.onnx'), 'poisoned bytes')
    const again = new RecordingLogger()
    const second = await train(trainOptions(root, again, { cache: true }))
    assert.equal(second.record.cache.hit, false)
    assert.ok(
      again.warnings.some((w) => w.startsWith(`The cache entry ${first.record.cache.key} does not hold the files its run.json recorded (model.onnx changed (sha256 `) && w.endsWith('); training instead')),
      again.lines.join('\n'),
    )
  })
})
