import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, test } from 'node:test'
import { run } from '../../actions/train/main.js'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { runMain } from '../../src/action/run-main.js'
import { formatDuration } from '../../src/format-duration.js'
import { REPO_ROOT, runAction } from '../support/run-action.js'

const TRAIN_REPO = resolve(REPO_ROOT, 'test/fixtures/train-repo')
const FAKES = resolve(REPO_ROOT, 'test/fixtures/train')
const scratch = mkdtempSync(join(tmpdir(), 'modelship-train-action-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

let workspaces = 0
/** A fresh copy of the fixture repository as the checked-out workspace. */
function workspace(): string {
  const dir = join(scratch, `workspace-${++workspaces}`)
  cpSync(TRAIN_REPO, dir, { recursive: true })
  return dir
}

/** The test process's environment without anything that would make the action use a real Actions cache. */
function localVars(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const { ACTIONS_CACHE_URL: _a, ACTIONS_RESULTS_URL: _b, ...rest } = process.env
  return { ...rest, ...extra }
}

function readRun(path: string): Record<string, any> {
  return JSON.parse(readFileSync(path, 'utf8'))
}

describe('train action, in process with a recording environment', () => {
  const dir = workspace()

  test('trains: outputs, a log group per phase, a summary with the facts and metrics; the local cache without a cache service', async () => {
    const env = createRecordingEnv({ workspace: dir, inputs: { model: 'churn' }, vars: localVars() })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    const outputDir = join(dir, '.modelship/outputs/churn')
    const record = readRun(join(outputDir, 'run.json'))
    assert.deepEqual(env.record.outputs, {
      'output-dir': outputDir,
      'run-record': join(outputDir, 'run.json'),
      'cache-hit': 'false',
      attempts: '1',
      'duration-seconds': (record.timing.durationMs / 1000).toFixed(1),
      'setup-seconds': (record.timing.setupMs / 1000).toFixed(1),
      'training-seconds': (record.timing.trainingMs / 1000).toFixed(1),
    })
    assert.deepEqual(
      env.record.log.filter((line) => line.startsWith('[group] ')),
      [
        '[group] Validate models/churn/model.yaml',
        '[group] Resolve the training environment',
        `[group] Look for churn in the local cache ${join(dir, '.modelship/cache')}`,
        '[group] Prepare the training environment',
        '[group] Train churn',
        '[group] Check the outputs',
        `[group] Save churn to the local cache ${join(dir, '.modelship/cache')}`,
      ],
    )
    assert.ok(env.record.log.includes('Cache: the local folder .modelship/cache (no Actions cache service on this runner)'), env.record.log.join('\n'))
    assert.ok(env.record.log.includes('training churn with {"C":1}'), env.record.log.join('\n'))
    const duration = formatDuration(record.timing.durationMs)
    assert.equal(
      env.record.summary,
      [
        `## Modelship train: ✅ churn trained in ${duration}`,
        '',
        '| Fact | Value |',
        '| --- | --- |',
        `| Run | ${record.id} |`,
        `| Duration | ${duration} (environment ${formatDuration(record.timing.setupMs)}, training ${formatDuration(record.timing.trainingMs)}) |`,
        `| Attempts | 1: succeeded after ${formatDuration(record.attempts[0].durationMs)} |`,
        `| Cache | miss; saved under ${record.cache.key} |`,
        `| Environment | the runner's PATH (${process.platform}-${process.arch}) |`,
        '| GPUs | none asked for |',
        '| Commit | not a git repository |',
        '| Outputs | .modelship/outputs/churn (metrics.json, model.onnx, run.json) |',
        '',
        '### Training metrics from metrics.json',
        '',
        "The training script's own numbers on the data it chose (by convention its training data); actions/evaluate measures the test data.",
        '',
        '| Metric | Value |',
        '| --- | --- |',
        '| roc_auc | 0.8351 |',
        '| accuracy | 0.8 |',
        '',
      ].join('\n'),
    )
    assert.equal(env.record.annotations.length, 0)
  })

  test('the second run restores from the cache: cache-hit true, 0 attempts, the summary names the run that trained', async () => {
    const first = readRun(join(dir, '.modelship/outputs/churn/run.json'))
    const env = createRecordingEnv({ workspace: dir, inputs: { model: 'churn' }, vars: localVars() })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    assert.equal(env.record.outputs['cache-hit'], 'true')
    assert.equal(env.record.outputs.attempts, '0')
    assert.match(env.record.summary, /^## Modelship train: ✅ churn restored from the cache in /)
    assert.ok(env.record.summary.includes(`| Cache | hit: ${first.cache.key} (trained by run ${first.id}) |\n`), env.record.summary)
    assert.ok(env.record.summary.includes('| Attempts | 0 (outputs restored from the cache) |\n'), env.record.summary)
  })

  test("cache 'false' trains again", async () => {
    const env = createRecordingEnv({ workspace: dir, inputs: { model: 'churn', cache: 'false' }, vars: localVars() })
    assert.equal(await runMain(run, env), 0, env.record.failure)
    assert.equal(env.record.outputs['cache-hit'], 'false')
    assert.equal(env.record.outputs.attempts, '1')
    assert.ok(env.record.log.includes("Cache: off (the cache input is 'false')"), env.record.log.join('\n'))
    assert.ok(env.record.summary.includes('| Cache | off |\n'), env.record.summary)
  })

  test('a bad input fails the step naming the input, the value and the fix', async () => {
    const env = createRecordingEnv({ workspace: dir, inputs: { model: 'churn', cache: 'yes', 'gpu-sample-interval': '0' }, vars: localVars() })
    assert.equal(await runMain(run, env), 1)
    assert.equal(
      env.record.failure,
      "input 'cache': expected 'true' or 'false'; got 'yes'\n" +
        "input 'gpu-sample-interval': expected a number of seconds above 0; got '0'\n" +
        "Fix the step's 'with:' block in your workflow.",
    )
    const missing = createRecordingEnv({ workspace: dir, inputs: {}, vars: localVars() })
    assert.equal(await runMain(run, missing), 1)
    assert.equal(
      missing.record.failure,
      "input 'model': the model to train is required, e.g. 'churn' for models/churn/model.yaml; it is not set\nFix the step's 'with:' block in your workflow.",
    )
  })

  test('an unknown model fails the step with the closest name', async () => {
    const env = createRecordingEnv({ workspace: dir, inputs: { model: 'churm' }, vars: localVars() })
    assert.equal(await runMain(run, env), 1)
    assert.match(env.record.failure ?? '', /^model 'churm' has no spec: models\/churm\/model\.yaml does not exist in .*; did you mean 'churn'\?/)
  })

  test('an invalid spec: each problem annotated at its line relative to the workspace, the step failed, nothing trained', async () => {
    const broken = workspace()
    const spec = join(broken, 'models/churn/model.yaml')
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('target: churned', 'target: tenure'))
    const env = createRecordingEnv({ workspace: scratch, inputs: { model: 'churn', path: broken.slice(scratch.length + 1) }, vars: localVars() })
    assert.equal(await runMain(run, env), 1)
    const [annotation] = env.record.annotations
    assert.equal(annotation?.level, 'error')
    assert.equal(annotation?.file, `${broken.slice(scratch.length + 1)}/models/churn/model.yaml`)
    assert.equal(annotation?.line, 11)
    assert.match(env.record.failure ?? '', /^models\/churn\/model\.yaml is not a valid spec \(1 problem\); the first is models\/churn\/model\.yaml:11:/)
    assert.match(env.record.failure ?? '', /Each problem is annotated on its line; fix them and run again\.$/)
    assert.match(env.record.summary, /^## Modelship train: ❌ churn failed\n\n```text\nmodels\/churn\/model\.yaml is not a valid spec/)
    assert.ok(!existsSync(join(broken, '.modelship')))
  })

  test('a failing training command fails the step with its message and a failure summary', async () => {
    const env = createRecordingEnv({ workspace: dir, inputs: { model: 'churn-failing' }, vars: localVars() })
    assert.equal(await runMain(run, env), 1)
    assert.equal(
      env.record.failure,
      [
        'train.command (node train.mjs --exit 3) exited with code 3 on attempt 1 of 1. Last 3 lines of its output:',
        '  training churn-failing with {}',
        '  loading data',
        '  Traceback: out of memory while loading data',
        'A non-zero exit is a failure of the training code and is not retried; fix the error above.',
      ].join('\n'),
    )
    assert.ok(env.record.summary.startsWith('## Modelship train: ❌ churn-failing failed\n\n```text\ntrain.command (node train.mjs --exit 3) exited with code 3'), env.record.summary)
    assert.deepEqual(env.record.outputs, {})
  })
})

describe('train action, bundled, run as the runner does', () => {
  for (const node of ['node20', 'node24'] as const) {
    test(`${node}: an nvidia-gpu spec on a runner with GPUs: the preflight picks one, sampling reaches run.json and the summary`, async () => {
      const dir = workspace()
      const calls = join(dir, 'nvidia-smi-calls.log')
      const result = await runAction({
        action: 'train',
        workspace: dir,
        node,
        inputs: { model: 'churn-gpu', 'gpu-sample-interval': '0.05' },
        env: {
          PATH: `${join(FAKES, 'bin-gpu')}:${process.env.PATH}`,
          FAKE_NVIDIA_SMI_LOG: calls,
          // The trainer finishes once the sampler has taken two readings, however slow the machine.
          TRAIN_FIXTURE_WAIT_SAMPLES: '2',
        },
      })
      assert.equal(result.exitCode, 0, result.stdout + result.stderr)
      assert.equal(result.stderr, '')
      const outputDir = join(dir, '.modelship/outputs/churn-gpu')
      assert.equal(result.outputs['output-dir'], outputDir)
      assert.equal(result.outputs['run-record'], join(outputDir, 'run.json'))
      assert.equal(result.outputs['cache-hit'], 'false')
      assert.equal(result.outputs.attempts, '1')
      assert.match(result.outputs['duration-seconds'] ?? '', /^\d+\.\d$/)
      const record = readRun(join(outputDir, 'run.json'))
      const [device] = record.gpu.devices
      assert.equal(record.gpu.count, 1)
      assert.equal(record.gpu.visibleDevices, '0')
      assert.equal(record.gpu.sampleIntervalMs, 50)
      assert.deepEqual(
        { ...device, samples: undefined },
        {
          index: 0,
          name: 'NVIDIA A100-SXM4-40GB',
          driverVersion: '535.129.03',
          memoryTotalMiB: 40960,
          utilizationPercent: { peak: 50, mean: 50 },
          memoryUsedMiB: { peak: 2000, mean: 2000 },
          samples: undefined,
        },
      )
      assert.ok(device.samples >= 2, String(device.samples))
      assert.ok(
        result.summary.includes(
          '### GPUs (sampled every 50ms)\n\n' +
            '| GPU | Name | Driver | Utilization peak | Utilization mean | Memory peak | Memory mean | Memory total | Samples |\n' +
            '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n' +
            `| 0 | NVIDIA A100-SXM4-40GB | 535.129.03 | 50% | 50% | 2000 MiB | 2000 MiB | 40960 MiB | ${device.samples} |\n`,
        ),
        result.summary,
      )
      assert.ok(result.summary.includes('| GPUs | 1 (CUDA_VISIBLE_DEVICES=0) |\n'), result.summary)
      assert.ok(result.log.includes('GPUs: using 0 (NVIDIA A100-SXM4-40GB, 40960 MiB, driver 535.129.03) of 2'), result.stdout)
      assert.match(result.stdout, /::group::Check GPUs\n/)
      assert.match(result.stdout, /::group::Train churn-gpu\nAttempt 1 of 1: node train\.mjs --model churn\.onnx --sleep-seconds 5\n/)
    })

    test(`${node}: an nvidia-gpu spec on a runner without nvidia-smi fails before training, saying which runner to use`, async () => {
      const dir = workspace()
      const empty = mkdtempSync(join(scratch, 'no-tools-'))
      const result = await runAction({ action: 'train', workspace: dir, node, inputs: { model: 'churn-gpu' }, env: { PATH: empty } })
      assert.equal(result.exitCode, 1, result.stdout)
      const failure = result.annotations.at(-1)
      assert.equal(failure?.level, 'error')
      assert.equal(
        failure?.message,
        'train.compute.accelerator is nvidia-gpu but this runner has no nvidia-smi on PATH: it is not a GPU runner. ' +
          'Run this training on a runner with an NVIDIA GPU and driver: set train.compute.runs-on to its labels ' +
          '(e.g. [self-hosted, linux, gpu], or the name of a GitHub-hosted GPU larger runner), or set ' +
          'train.compute.accelerator: none to train on CPU',
      )
      assert.match(result.summary, /^## Modelship train: ❌ churn-gpu failed\n/)
      assert.deepEqual(result.outputs, {})
      assert.doesNotMatch(result.stdout, /\n\s+at /)
      assert.ok(!result.log.some((line) => line.startsWith('training churn-gpu')), result.stdout)
    })
  }

  test('a line of training output that looks like a workflow command reaches the log as text, not as a command', async () => {
    const sneaky = workspace()
    const trainer = join(sneaky, 'trainer/train.mjs')
    writeFileSync(trainer, readFileSync(trainer, 'utf8').replace("console.log('wrote model.onnx", "console.log('::error::injected by the training code')\nconsole.log('wrote model.onnx"))
    const result = await runAction({ action: 'train', workspace: sneaky, inputs: { model: 'churn' } })
    assert.equal(result.exitCode, 0, result.stdout)
    assert.ok(result.log.includes('::error::injected by the training code'), result.stdout)
    assert.deepEqual(result.annotations, [])
  })

  test('a runner whose NVIDIA driver does not answer fails with the driver fix', async () => {
    const dir = workspace()
    const result = await runAction({
      action: 'train',
      workspace: dir,
      inputs: { model: 'churn-gpu' },
      env: { PATH: `${join(FAKES, 'bin-no-driver')}:${process.env.PATH}` },
    })
    assert.equal(result.exitCode, 1, result.stdout)
    assert.match(
      result.annotations.at(-1)?.message ?? '',
      /^train\.compute\.accelerator is nvidia-gpu but nvidia-smi failed \(exit 9\): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver\. /,
    )
  })
})
