import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { describe, it } from 'node:test'
import { DataError, ModelError, TrainError } from '../../src/errors.js'
import { RunRecordSchema } from '../../src/train/run-record.js'
import { listRuns } from '../../src/train/runs-store.js'
import { commandEnvironment, train, type TrainOptions } from '../../src/train/train.js'
import { FIXTURES, RecordingLogger, tempDir } from './helpers.js'
import { trainOptions, trainRepo } from './train-fixture.js'

/** A repository with a model folder holding the trainer, data files, and a first commit. */
const repo = trainRepo

/** The shared fixture's options, with the attempt limits and spec hash these tests pin. */
function options(root: string, log: RecordingLogger, overrides: Partial<TrainOptions> = {}): TrainOptions {
  return trainOptions(root, log, { timeoutMinutes: 0, retries: 0, specHash: 'f'.repeat(64), ...overrides })
}

async function seen(outputDir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(outputDir, 'seen.json'), 'utf8'))
}

/** Names in the outputs' parent folder: the outputs themselves, never a staging leftover. */
async function outputSiblings(root: string): Promise<string[]> {
  return (await readdir(join(root, '.modelship', 'outputs'))).sort()
}

describe('train', () => {
  it('runs the command with the MODELSHIP_* variables, moves the outputs into place and records the run', async () => {
    const root = await repo()
    const log = new RecordingLogger()
    const result = await train(
      options(root, log, {
        command: [process.execPath, 'trainer.mjs', '--out', '${outputs}/model.onnx', '--C', '${params.C}'],
        env: {
          ...process.env,
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'acme/models',
          GITHUB_RUN_ID: '42',
          'INPUT_GITHUB-TOKEN': 'secret-token',
          ACTIONS_RUNTIME_TOKEN: 'runtime-token',
          KEEP_ME: 'yes',
        },
      }),
    )
    const out = join(root, '.modelship', 'outputs', 'churn')
    assert.equal(result.outputDir, out)
    assert.deepEqual((await readdir(out)).sort(), ['metrics.json', 'model.onnx', 'run.json', 'seen.json'])
    assert.deepEqual(await outputSiblings(root), ['churn'])

    const saw = await seen(out)
    const staging = saw.MODELSHIP_OUTPUT_DIR as string
    assert.match(staging, /\/\.modelship\/outputs\/\.churn\.attempt-[0-9a-f]{8}$/)
    assert.deepEqual(saw.argv, ['--out', `${staging}/model.onnx`, '--C', '0.75'])
    assert.equal(saw.cwd, join(root, 'models', 'churn'))
    assert.equal(saw.MODELSHIP_PARAMS, '{"C":0.75}')
    assert.equal(saw.MODELSHIP_CHECKPOINT_DIR, join(root, '.modelship', 'checkpoints', 'churn'))
    assert.equal(saw.MODELSHIP_TRAIN_DATA, join(root, 'data', 'train.csv'))
    assert.equal(saw.MODELSHIP_TEST_DATA, join(root, 'data', 'test.csv'))
    assert.equal(saw.MODELSHIP_ATTEMPT, '1')
    assert.equal(saw.MODELSHIP_MODEL, 'churn')
    assert.equal(saw.KEEP_ME, 'yes')
    // Action inputs and runner tokens never reach the training code.
    assert.equal(saw['INPUT_GITHUB-TOKEN'], undefined)
    assert.equal(saw.ACTIONS_RUNTIME_TOKEN, undefined)

    const record = RunRecordSchema.parse(JSON.parse(await readFile(join(out, 'run.json'), 'utf8')))
    assert.deepEqual(record, result.record)
    assert.equal(record.model, 'churn')
    assert.deepEqual(record.params, { C: 0.75 })
    assert.deepEqual(record.metrics, { accuracy: 0.75 })
    assert.equal(record.gpu, null)
    assert.equal(record.attempts.length, 1)
    assert.equal(record.attempts[0]?.outcome, 'succeeded')
    assert.equal(record.attempts[0]?.exitCode, 0)
    assert.deepEqual(record.cache.hit, false)
    assert.match(record.cache.key, /^modelship-train-churn-[0-9a-f]{64}$/)
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
    assert.deepEqual(record.commit, { sha: head, dirty: false })
    assert.equal(record.data.train.path, 'data/train.csv')
    assert.equal(record.data.train.bytes, 12)
    assert.equal(record.specHash, 'f'.repeat(64))
    assert.equal(record.workflowRunUrl, 'https://github.com/acme/models/actions/runs/42')
    assert.deepEqual(record.outputs.map((o) => o.path), ['metrics.json', 'model.onnx', 'seen.json'])
    assert.ok(record.timing.durationMs >= record.attempts[0]!.durationMs)

    // The command's output went to the logger, line by line, inside the training group.
    const at = log.lines.indexOf('group: Train churn')
    assert.ok(at >= 0 && log.lines.indexOf('stdout: line 1') > at, log.lines.join('\n'))
    assert.ok(log.lines.includes('stderr: line 2'))

    // The run is kept for `modelship runs`.
    const runs = await listRuns(join(root, '.modelship', 'runs'), 'churn')
    assert.equal(runs.length, 1)
    assert.equal(runs[0]?.dir, result.runDir)
    assert.deepEqual(runs[0]?.record, record)
    assert.ok(existsSync(join(result.runDir!, 'model.onnx')))
  })

  it('records the sha256 of each data file', async () => {
    const root = await repo()
    const result = await train(options(root, new RecordingLogger()))
    const expected = execFileSync('sha256sum', [join(root, 'data', 'test.csv')], { encoding: 'utf8' }).split(' ')[0]
    assert.equal(result.record.data.test.sha256, expected)
  })

  it('does not retry a plain non-zero exit, keeps the old outputs and says what failed', async () => {
    const root = await repo()
    await train(options(root, new RecordingLogger()))
    const before = await readFile(join(root, '.modelship', 'outputs', 'churn', 'run.json'), 'utf8')
    const log = new RecordingLogger()
    const count = join(root, 'count.txt')
    await assert.rejects(
      train(options(root, log, { command: [process.execPath, 'trainer.mjs', '--lines', '3', '--exit', '2', '--count', count], retries: 2 })),
      (error: unknown) => {
        assert.ok(error instanceof TrainError)
        assert.match(
          error.message,
          /^train\.command \(\S+ trainer\.mjs --lines 3 --exit 2 --count \S+\) exited with code 2 on attempt 1 of 3\. Last 3 lines of its output:\n {2}line \d\n {2}line \d\n {2}line \d\nA non-zero exit is a failure of the training code and is not retried; fix the error above\.$/,
        )
        return true
      },
    )
    assert.equal(await readFile(count, 'utf8'), '1\n')
    assert.equal(await readFile(join(root, '.modelship', 'outputs', 'churn', 'run.json'), 'utf8'), before)
    assert.deepEqual(await outputSiblings(root), ['churn'])
  })

  it('retries an attempt killed by SIGKILL, which resumes from its checkpoint', async () => {
    const root = await repo()
    const log = new RecordingLogger()
    const result = await train(options(root, log, { command: [process.execPath, 'trainer.mjs', '--kill-first'], retries: 1 }))
    const saw = await seen(result.outputDir)
    assert.equal(saw.resumedFrom, 500)
    assert.equal(saw.MODELSHIP_ATTEMPT, '2')
    assert.deepEqual(
      result.record.attempts.map((a) => [a.attempt, a.outcome, a.signal]),
      [
        [1, 'signalled', 'SIGKILL'],
        [2, 'succeeded', null],
      ],
    )
    assert.ok(log.printed.includes('resuming from step 500'))
    assert.deepEqual(log.warnings, ['Attempt 1 of 2 was killed by SIGKILL; retrying from the checkpoint folder'])
    // Each attempt folds into its own log group; the retry warning sits between them, outside both.
    const marks = log.lines.filter((line) => line.startsWith('group: Train') || line.startsWith('warning: Attempt'))
    assert.deepEqual(marks, [
      'group: Train churn: attempt 1 of 2',
      'warning: Attempt 1 of 2 was killed by SIGKILL; retrying from the checkpoint folder',
      'group: Train churn: attempt 2 of 2',
    ])
    // The checkpoints served their purpose and are gone; the first attempt's outputs never show up.
    assert.equal(existsSync(join(root, '.modelship', 'checkpoints', 'churn')), false)
    assert.deepEqual(await outputSiblings(root), ['churn'])
  })

  it('fails after the retries when every attempt is killed', async () => {
    const root = await repo()
    const count = join(root, 'count.txt')
    await assert.rejects(
      train(
        options(root, new RecordingLogger(), {
          command: [process.execPath, '-e', `require('fs').appendFileSync(${JSON.stringify(count)}, 'x'); process.kill(process.pid, 'SIGKILL')`],
          retries: 2,
        }),
      ),
      /^TrainError: train\.command \(.*\) was killed by SIGKILL on attempt 3 of 3 and retries are spent\. It printed nothing\.\nSIGKILL usually comes from the out-of-memory killer/,
    )
    assert.equal(await readFile(count, 'utf8'), 'xxx')
    assert.equal(existsSync(join(root, '.modelship', 'outputs', 'churn')), false)
    assert.deepEqual(await outputSiblings(root), [])
  })

  it('stops an attempt at timeout-minutes and retries it', async () => {
    const root = await repo()
    const log = new RecordingLogger()
    await assert.rejects(
      train(options(root, log, { command: [process.execPath, 'trainer.mjs', '--sleep'], timeoutMinutes: 0.01, retries: 1 })),
      // Which lines made it out before the stop depends on the machine's speed; the rest does not.
      /^TrainError: train\.command \(.*\) ran past train\.compute\.timeout-minutes \(0\.01\) on attempt 2 of 2 and was stopped \(SIGTERM, then SIGKILL after 0\.2 s\)\.(.|\n)*\nRaise timeout-minutes, make training faster, or write checkpoints so a retry can resume\.$/,
    )
    assert.deepEqual(log.warnings, ['Attempt 1 of 2 timed out; retrying from the checkpoint folder'])
  })

  it('fails when the command wrote no model.onnx', async () => {
    const root = await repo()
    await assert.rejects(
      train(options(root, new RecordingLogger(), { command: [process.execPath, 'trainer.mjs', '--no-model'] })),
      new TrainError(
        'train.command succeeded but wrote no model.onnx into its outputs folder; write the ONNX model to ' +
          '$MODELSHIP_OUTPUT_DIR/model.onnx (or ${outputs}/model.onnx in train.command)',
      ),
    )
    assert.deepEqual(await outputSiblings(root), [])
  })

  it('fails when metrics.json is not a JSON object', async () => {
    const root = await repo()
    await assert.rejects(
      train(options(root, new RecordingLogger(), { command: [process.execPath, 'trainer.mjs', '--metrics', '[0.9]'] })),
      new TrainError('The training command wrote metrics.json holding an array; write one JSON object of metric names to numbers, e.g. {"accuracy": 0.91}'),
    )
  })

  it('names a program that is not on PATH', async () => {
    const root = await repo()
    await assert.rejects(
      train(options(root, new RecordingLogger(), { command: ['pyhton', 'train.py'], env: { PATH: '/nonexistent/bin' } })),
      new TrainError(
        "train.command: 'pyhton' was not found (working directory models/churn; PATH=/nonexistent/bin). Check the spelling; " +
          'install it on the runner, or set train.environment (python or node) so Modelship puts an interpreter on PATH',
      ),
    )
  })

  it('calls checkOutputs with the outputs before they are moved into place, and fails with its error', async () => {
    const root = await repo()
    const checked: string[] = []
    const result = await train(
      options(root, new RecordingLogger(), {
        checkOutputs: async (dir) => {
          checked.push(await readFile(join(dir, 'model.onnx'), 'utf8'))
        },
      }),
    )
    assert.deepEqual(checked, ['placeholder model bytes'])
    assert.ok(existsSync(join(result.outputDir, 'model.onnx')))

    const other = await repo()
    await assert.rejects(
      train(
        options(other, new RecordingLogger(), {
          checkOutputs: async () => {
            throw new ModelError('model.onnx: input "tenure" is missing')
          },
        }),
      ),
      new ModelError('model.onnx: input "tenure" is missing'),
    )
    assert.deepEqual(await outputSiblings(other), [])
  })

  it('restores the outputs from the cache when nothing changed, and trains again when the code changed', async () => {
    const root = await repo()
    const count = join(root, 'count.txt')
    const command = [process.execPath, 'trainer.mjs', '--count', count]
    const first = await train(options(root, new RecordingLogger(), { cache: true, command }))
    assert.equal(first.record.cache.hit, false)
    assert.deepEqual(await readdir(join(root, '.modelship', 'cache')), [first.record.cache.key])

    const log = new RecordingLogger()
    const second = await train(options(root, log, { cache: true, command }))
    assert.equal(await readFile(count, 'utf8'), '1\n', 'trained once')
    assert.deepEqual(second.record.cache, {
      enabled: true,
      hit: true,
      key: first.record.cache.key,
      restoredFrom: { id: first.record.id, commit: first.record.commit?.sha ?? null, startedAt: first.record.timing.startedAt },
    })
    assert.deepEqual(second.record.attempts, [])
    assert.deepEqual(second.record.metrics, first.record.metrics)
    assert.deepEqual(second.record.outputs, first.record.outputs)
    assert.ok(log.lines.includes(`info: Cache hit: ${first.record.cache.key}; training is skipped`))
    assert.equal(JSON.parse(await readFile(join(second.outputDir, 'run.json'), 'utf8')).id, second.record.id)

    await writeFile(join(root, 'models', 'churn', 'helper.mjs'), 'export const x = 1\n')
    const third = await train(options(root, new RecordingLogger(), { cache: true, command }))
    assert.equal(third.record.cache.hit, false)
    assert.notEqual(third.record.cache.key, first.record.cache.key)
    assert.equal(await readFile(count, 'utf8'), '1\n1\n')
    assert.equal(third.record.commit?.dirty, false, 'an untracked file does not make the tree dirty')
  })

  it('checks restored outputs again and fails a cache hit that no longer fits', async () => {
    const root = await repo()
    await train(options(root, new RecordingLogger(), { cache: true }))
    const before = await readFile(join(root, '.modelship', 'outputs', 'churn', 'run.json'), 'utf8')
    const checked: string[] = []
    await assert.rejects(
      train(
        options(root, new RecordingLogger(), {
          cache: true,
          checkOutputs: async (dir) => {
            checked.push(dir)
            throw new ModelError('model.onnx: input "contract" is missing')
          },
        }),
      ),
      new ModelError('model.onnx: input "contract" is missing'),
    )
    assert.equal(checked.length, 1)
    assert.match(checked[0]!, /\.churn\.restore-[0-9a-f]{8}$/)
    assert.equal(await readFile(join(root, '.modelship', 'outputs', 'churn', 'run.json'), 'utf8'), before)
    assert.deepEqual(await outputSiblings(root), ['churn'])
  })

  it('empties a checkpoint folder left by a run with another cache key', async () => {
    const root = await repo()
    const checkpoints = join(root, '.modelship', 'checkpoints', 'churn')
    await mkdir(checkpoints, { recursive: true })
    await writeFile(join(checkpoints, '.modelship-key'), 'modelship-train-churn-old\n')
    await writeFile(join(checkpoints, 'state.json'), '{"step": 999}')
    const result = await train(options(root, new RecordingLogger(), { command: [process.execPath, 'trainer.mjs', '--kill-first'], retries: 1 }))
    assert.equal((await seen(result.outputDir)).resumedFrom, 500)
  })

  it('gives the command the chosen GPUs and records their use', async () => {
    const root = await repo()
    const calls = join(root, 'nvidia-smi.log')
    const state = join(root, 'gpu-state')
    await writeFile(state, '88 30000 [N/A] 1024\n')
    const result = await train(
      options(root, new RecordingLogger(), {
        accelerator: 'nvidia-gpu',
        gpus: 1,
        gpuSampleIntervalMs: 5,
        command: [process.execPath, 'trainer.mjs', '--wait-samples', calls, '2'],
        env: {
          ...process.env,
          PATH: `${join(FIXTURES, 'bin-gpu')}${delimiter}${process.env.PATH}`,
          FAKE_NVIDIA_SMI_LOG: calls,
          FAKE_NVIDIA_SMI_STATE: state,
          CUDA_VISIBLE_DEVICES: undefined,
          CUDA_DEVICE_ORDER: undefined,
        },
      }),
    )
    const saw = await seen(result.outputDir)
    assert.equal(saw.CUDA_VISIBLE_DEVICES, '0')
    assert.equal(saw.CUDA_DEVICE_ORDER, 'PCI_BUS_ID')
    const gpu = result.record.gpu!
    assert.equal(gpu.count, 1)
    assert.equal(gpu.visibleDevices, '0')
    assert.equal(gpu.sampleIntervalMs, 5)
    assert.equal(gpu.devices.length, 1)
    const [device] = gpu.devices
    assert.ok(device !== undefined && device.samples >= 2)
    assert.deepEqual({ ...device, samples: 0 }, {
      index: 0,
      name: 'NVIDIA A100-SXM4-40GB',
      driverVersion: '535.129.03',
      memoryTotalMiB: 40960,
      utilizationPercent: { peak: 88, mean: 88 },
      memoryUsedMiB: { peak: 30000, mean: 30000 },
      samples: 0,
    })
  })

  it('stops before training when the runner has no GPU', async () => {
    const root = await repo()
    const count = join(root, 'count.txt')
    await assert.rejects(
      train(
        options(root, new RecordingLogger(), {
          accelerator: 'nvidia-gpu',
          command: [process.execPath, 'trainer.mjs', '--count', count],
          env: { ...process.env, PATH: `${join(FIXTURES, 'bin-no-driver')}${delimiter}${process.env.PATH}` },
        }),
      ),
      /^TrainError: train\.compute\.accelerator is nvidia-gpu but nvidia-smi failed \(exit 9\)/,
    )
    assert.equal(existsSync(count), false)
  })

  it('cancels the command when the signal is aborted, without retrying', async () => {
    const root = await repo()
    const controller = new AbortController()
    const log = new RecordingLogger()
    const running = train(options(root, log, { command: [process.execPath, 'trainer.mjs', '--sleep'], retries: 2, signal: controller.signal }))
    await log.waitFor('sleeping')
    controller.abort()
    await assert.rejects(running, /^TrainError: train\.command \(.*\) was cancelled on attempt 1 of 3; nothing was written to the outputs$/)
  })

  it('rejects a missing data file, working directory or placeholder before running anything', async () => {
    const root = await repo()
    await assert.rejects(
      train(options(root, new RecordingLogger(), { dataFiles: { train: 'data/missing.csv', test: 'data/test.csv' } })),
      new DataError(
        `data.train: 'data/missing.csv' is not a file (looked at ${join(root, 'data', 'missing.csv')}); ` +
          'give a CSV, Arrow IPC or Parquet file relative to the repository root',
      ),
    )
    await assert.rejects(
      train(options(root, new RecordingLogger(), { workingDirectory: 'models/nope' })),
      new TrainError(
        `train.working-directory: 'models/nope' is not a folder (looked at ${join(root, 'models', 'nope')}); give a folder relative to the repository root`,
      ),
    )
    await assert.rejects(
      train(options(root, new RecordingLogger(), { command: ['python', '${params.missing}'] })),
      /^TrainError: train\.command\[1\]: '\$\{params\.missing\}' is not a known placeholder/,
    )
    await assert.rejects(
      train(options(root, new RecordingLogger(), { command: [] })),
      new TrainError('train.command is empty; give the program and its arguments as a list, e.g. [python, train.py]'),
    )
    await assert.rejects(
      train(options(root, new RecordingLogger(), { retries: -1 })),
      new TrainError('train.compute.retries is -1; expected a whole number of 0 or more'),
    )
    assert.equal(existsSync(join(root, '.modelship', 'outputs')), false)
  })
})

describe('training environment set-up', () => {
  it('installs dependencies without the action inputs and runner tokens: npm runs the pull request\'s scripts', async () => {
    const root = await repo()
    const work = join(root, 'models', 'churn')
    // npm ci runs the package's own postinstall script, as pip runs a local package's setup.py.
    await writeFile(
      join(work, 'package.json'),
      JSON.stringify({ name: 'trainer', version: '1.0.0', private: true, scripts: { postinstall: 'node -e "require(\'fs\').writeFileSync(\'install-env.json\', JSON.stringify(Object.keys(process.env)))"' } }),
    )
    await writeFile(
      join(work, 'package-lock.json'),
      JSON.stringify({ name: 'trainer', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'trainer', version: '1.0.0' } } }),
    )
    const log = new RecordingLogger()
    // npm test passes its own config to child processes (the repository's ignore-scripts=true among
    // it): this npm ci must run the package's scripts, as on a runner.
    const env = {
      ...options(root, log).env,
      npm_config_ignore_scripts: undefined,
      INPUT_TOKEN: 'ghs_input',
      ACTIONS_RUNTIME_TOKEN: 'runtime',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
      MODELSHIP_KEPT: 'yes',
    }
    await train(options(root, log, { environment: { kind: 'node' }, env }))
    const seenByInstall = JSON.parse(await readFile(join(work, 'install-env.json'), 'utf8')) as string[]
    assert.ok(seenByInstall.includes('MODELSHIP_KEPT'), seenByInstall.join(' '))
    assert.deepEqual(seenByInstall.filter((name) => ['INPUT_TOKEN', 'ACTIONS_RUNTIME_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'].includes(name)), [])
  })
})

describe('commandEnvironment', () => {
  it("withholds action inputs, runner tokens, the workflow token and the runner's command files, and adds the extras", () => {
    const commandFiles = { GITHUB_ENV: '/t/env', GITHUB_PATH: '/t/path', GITHUB_OUTPUT: '/t/out', GITHUB_STATE: '/t/state', GITHUB_STEP_SUMMARY: '/t/summary' }
    assert.deepEqual(
      commandEnvironment(
        { PATH: '/bin', 'INPUT_GITHUB-TOKEN': 't', INPUT_MODEL: 'm', ACTIONS_RUNTIME_TOKEN: 'r', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'i', GITHUB_TOKEN: 'g', GH_TOKEN: 'h', HOME: '/root', ...commandFiles },
        { MODELSHIP_ATTEMPT: '1' },
      ),
      { PATH: '/bin', HOME: '/root', MODELSHIP_ATTEMPT: '1' },
    )
  })
})
