import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { describe, it } from 'node:test'
import { TrainError } from '../../src/errors.js'
import {
  GPU_QUERY_FIELDS,
  GpuSampler,
  gpuNumber,
  parseGpuCsv,
  preflightGpus,
  summarizeGpuSamples,
  type GpuInfo,
} from '../../src/train/gpu.js'
import { FIXTURES, RecordingLogger, tempDir } from './helpers.js'

const withBin = (bin: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${join(FIXTURES, bin)}${delimiter}${process.env.PATH}`,
  CUDA_VISIBLE_DEVICES: undefined,
  CUDA_DEVICE_ORDER: undefined,
  ...extra,
})

const a100: GpuInfo = {
  index: 0,
  name: 'NVIDIA A100-SXM4-40GB',
  driverVersion: '535.129.03',
  memoryTotalMiB: 40960,
  memoryUsedMiB: 4,
  utilizationPercent: 0,
}

describe('parseGpuCsv', () => {
  it("reads nvidia-smi's csv,noheader,nounits lines, keeping [N/A] and [Not Supported] as text", () => {
    const text = '0, NVIDIA H100 80GB HBM3, 550.54.15, 81559, 1, 0\n1, Tesla T4, 550.54.15, 15360, [N/A], [Not Supported]\n'
    assert.deepEqual(parseGpuCsv(text, GPU_QUERY_FIELDS), [
      { index: '0', name: 'NVIDIA H100 80GB HBM3', driver_version: '550.54.15', 'memory.total': '81559', 'memory.used': '1', 'utilization.gpu': '0' },
      { index: '1', name: 'Tesla T4', driver_version: '550.54.15', 'memory.total': '15360', 'memory.used': '[N/A]', 'utilization.gpu': '[Not Supported]' },
    ])
  })

  it('keeps a comma inside a product name in the name', () => {
    assert.equal(parseGpuCsv('0, Odd, Name, 1.0, 10, 1, 2', GPU_QUERY_FIELDS)[0]?.name, 'Odd, Name')
  })

  it('rejects a line with too few fields', () => {
    assert.throws(
      () => parseGpuCsv('0, 50', ['index', 'utilization.gpu', 'memory.used']),
      new TrainError("nvidia-smi printed '0, 50', which does not have the 3 fields asked for (index, utilization.gpu, memory.used)"),
    )
  })

  it('turns [N/A] into null and numbers into numbers', () => {
    assert.deepEqual(['81559', '12.5', '[N/A]', '[Not Supported]', 'N/A', ''].map(gpuNumber), [81559, 12.5, null, null, null, null])
  })
})

describe('preflightGpus', () => {
  it('picks the GPUs with the least memory in use and sets CUDA_VISIBLE_DEVICES in PCI order', async () => {
    const log = new RecordingLogger()
    const selection = await preflightGpus(1, withBin('bin-gpu'), log)
    assert.deepEqual(selection.chosen, [a100])
    assert.equal(selection.devices.length, 2)
    assert.deepEqual(selection.devices[1], {
      index: 1,
      name: 'Tesla T4',
      driverVersion: '535.129.03',
      memoryTotalMiB: 15360,
      memoryUsedMiB: 1024,
      utilizationPercent: null,
    })
    assert.deepEqual(selection.variables, { CUDA_VISIBLE_DEVICES: '0', CUDA_DEVICE_ORDER: 'PCI_BUS_ID' })
    assert.deepEqual(log.lines, ['info: GPUs: using 0 (NVIDIA A100-SXM4-40GB, 40960 MiB, driver 535.129.03) of 2'])
  })

  it('gives the command every GPU it asks for', async () => {
    const selection = await preflightGpus(2, withBin('bin-gpu', { CUDA_DEVICE_ORDER: 'FASTEST_FIRST' }), new RecordingLogger())
    assert.deepEqual(selection.variables, { CUDA_VISIBLE_DEVICES: '0,1' })
  })

  it('fails when the runner has fewer GPUs than asked for', async () => {
    await assert.rejects(
      preflightGpus(3, withBin('bin-gpu'), new RecordingLogger()),
      new TrainError(
        'train.compute.gpus is 3 but this runner has 2 GPUs (0: NVIDIA A100-SXM4-40GB, 1: Tesla T4). ' +
          'Use a runner with 3 GPUs (train.compute.runs-on) or lower train.compute.gpus',
      ),
    )
  })

  it('fails on a machine with a driver and no GPU ("No devices were found")', async () => {
    await assert.rejects(
      preflightGpus(1, withBin('bin-no-devices'), new RecordingLogger()),
      new TrainError(
        'train.compute.gpus is 1 but this runner has 0 GPUs (none). Use a runner with 1 GPU (train.compute.runs-on) or lower train.compute.gpus',
      ),
    )
  })

  it('fails with the driver message when nvidia-smi cannot reach the driver', async () => {
    await assert.rejects(
      preflightGpus(1, withBin('bin-no-driver'), new RecordingLogger()),
      new TrainError(
        "train.compute.accelerator is nvidia-gpu but nvidia-smi failed (exit 9): NVIDIA-SMI has failed because it couldn't " +
          'communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running. ' +
          "The runner's NVIDIA driver is missing or not loaded; fix the driver on the runner, or run this training on a runner " +
          'with an NVIDIA GPU and driver: set train.compute.runs-on to its labels (e.g. [self-hosted, linux, gpu], or the name ' +
          'of a GitHub-hosted GPU larger runner), or set train.compute.accelerator: none to train on CPU',
      ),
    )
  })

  it('says the runner is not a GPU runner when nvidia-smi is missing', async () => {
    const empty = await tempDir()
    await assert.rejects(
      preflightGpus(1, { PATH: empty }, new RecordingLogger()),
      new TrainError(
        'train.compute.accelerator is nvidia-gpu but this runner has no nvidia-smi on PATH: it is not a GPU runner. ' +
          'Run this training on a runner with an NVIDIA GPU and driver: set train.compute.runs-on to its labels ' +
          '(e.g. [self-hosted, linux, gpu], or the name of a GitHub-hosted GPU larger runner), or set ' +
          'train.compute.accelerator: none to train on CPU',
      ),
    )
  })

  it('respects a CUDA_VISIBLE_DEVICES that is already set', async () => {
    const selection = await preflightGpus(1, withBin('bin-gpu', { CUDA_VISIBLE_DEVICES: '1' }), new RecordingLogger())
    assert.deepEqual(selection.variables, {})
    assert.equal(selection.visibleDevices, '1')
    assert.deepEqual(selection.chosen.map((d) => d.index), [1])
  })

  it('fails when a preset CUDA_VISIBLE_DEVICES leaves too few GPUs', async () => {
    await assert.rejects(
      preflightGpus(2, withBin('bin-gpu', { CUDA_VISIBLE_DEVICES: '1' }), new RecordingLogger()),
      new TrainError(
        "train.compute.gpus is 2 but CUDA_VISIBLE_DEVICES='1' leaves 1 visible (the runner has 2: 0: NVIDIA A100-SXM4-40GB, 1: Tesla T4); " +
          'unset CUDA_VISIBLE_DEVICES or list 2 GPUs in it',
      ),
    )
  })
})

describe('summarizeGpuSamples', () => {
  it('keeps peak and mean per GPU and skips [N/A] readings', () => {
    const t4: GpuInfo = { ...a100, index: 1, name: 'Tesla T4', memoryTotalMiB: 15360 }
    const usage = summarizeGpuSamples(
      [a100, t4],
      [
        { index: 0, utilizationPercent: 10, memoryUsedMiB: 1000 },
        { index: 1, utilizationPercent: null, memoryUsedMiB: 500 },
        { index: 0, utilizationPercent: 90, memoryUsedMiB: 3000 },
        { index: 0, utilizationPercent: 50, memoryUsedMiB: null },
        { index: 7, utilizationPercent: 100, memoryUsedMiB: 1 },
      ],
    )
    assert.deepEqual(usage, [
      {
        index: 0,
        name: 'NVIDIA A100-SXM4-40GB',
        driverVersion: '535.129.03',
        memoryTotalMiB: 40960,
        utilizationPercent: { peak: 90, mean: 50 },
        memoryUsedMiB: { peak: 3000, mean: 2000 },
        samples: 3,
      },
      {
        index: 1,
        name: 'Tesla T4',
        driverVersion: '535.129.03',
        memoryTotalMiB: 15360,
        utilizationPercent: null,
        memoryUsedMiB: { peak: 500, mean: 500 },
        samples: 1,
      },
    ])
  })
})

describe('GpuSampler', () => {
  it('samples the chosen GPUs until stopped', async () => {
    const dir = await tempDir()
    const callLog = join(dir, 'calls.log')
    const state = join(dir, 'state')
    await writeFile(state, '75 12000 [N/A] 1024\n')
    const sampler = new GpuSampler(
      [a100],
      withBin('bin-gpu', { FAKE_NVIDIA_SMI_LOG: callLog, FAKE_NVIDIA_SMI_STATE: state }),
      new RecordingLogger(),
      5,
    )
    sampler.start()
    const sampled = async (): Promise<number> => (await readFile(callLog, 'utf8').catch(() => '')).split('\n').filter(Boolean).length
    while ((await sampled()) < 3) await new Promise((r) => setTimeout(r, 5))
    const [usage] = await sampler.stop()
    assert.ok(usage !== undefined && usage.samples >= 3, JSON.stringify(usage))
    assert.deepEqual(usage.utilizationPercent, { peak: 75, mean: 75 })
    assert.deepEqual(usage.memoryUsedMiB, { peak: 12000, mean: 12000 })
    const calls = await sampled()
    await new Promise((r) => setTimeout(r, 30))
    assert.equal(await sampled(), calls, 'no samples after stop()')
  })

  it('warns once when sampling fails and goes on', async () => {
    const dir = await tempDir()
    const callLog = join(dir, 'calls.log')
    const log = new RecordingLogger()
    const sampler = new GpuSampler([a100], withBin('bin-no-driver', { FAKE_NVIDIA_SMI_LOG: callLog }), log, 5)
    sampler.start()
    // Samples run one after another: once the third has started, two have failed, however slow the machine.
    const calls = async (): Promise<number> => (await readFile(callLog, 'utf8').catch(() => '')).split('\n').filter(Boolean).length
    while ((await calls()) < 3) await new Promise((r) => setTimeout(r, 5))
    const [usage] = await sampler.stop()
    assert.equal(usage?.samples, 0)
    assert.equal(usage?.utilizationPercent, null)
    assert.equal(log.warnings.length, 1)
    assert.match(log.warnings[0]!, /^GPU sampling failed, the run record will miss some samples: exit 9: NVIDIA-SMI has failed/)
  })
})
