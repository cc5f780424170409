// scripts/gpu-check.sh, run here with the fake nvidia-smi on PATH: the same script runs unchanged on a
// machine with a real GPU.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { REPO_ROOT } from '../support/run-action.js'

const SCRIPT = join(REPO_ROOT, 'scripts/gpu-check.sh')
const FAKES = join(REPO_ROOT, 'test/fixtures/train')

function gpuCheck(bin: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sh', [SCRIPT], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    // Bounds a hang, below the runner's 600 s test timeout; a busy 2-core machine may need a minute.
    timeout: 150_000,
    env: {
      PATH: `${join(FAKES, bin)}:${process.env.PATH}`,
      HOME: process.env.HOME,
      NODE: process.execPath,
      GPU_CHECK_SECONDS: '1',
      GPU_CHECK_INTERVAL: '0.05',
    },
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('scripts/gpu-check.sh', () => {
  test('on a GPU machine: the GPUs, the action log, outputs, summary and the sampled GPU section of run.json; exit 0', () => {
    const { status, stdout, stderr } = gpuCheck('bin-gpu')
    assert.equal(status, 0, stdout + stderr)
    assert.ok(stdout.startsWith('== nvidia-smi\n0, NVIDIA A100-SXM4-40GB, 535.129.03, 40960, 4, 0\n'), stdout)
    assert.match(stdout, /\n== train action \(v\d+\.\d+\.\d+\): model churn-gpu, sleeping 1s, sampling every 0\.05s\n/)
    assert.match(stdout, /\ncache-hit<<(ghadelimiter_[\w-]+)\nfalse\n\1\n/)
    assert.match(stdout, /\n\| 0 \| NVIDIA A100-SXM4-40GB \| 535\.129\.03 \| 50% \| 50% \| 2000 MiB \| 2000 MiB \| 40960 MiB \| \d+ \|\n/)
    assert.match(stdout, /\n== run\.json gpu\n\{\n {2}"count": 1,\n {2}"visibleDevices": "0",\n {2}"sampleIntervalMs": 50,/)
    assert.match(stdout, /\ngpu-check: OK: GPU 0 NVIDIA A100-SXM4-40GB \(driver 535\.129\.03\), \d+ samples, utilization peak 50% mean 50\.0%, memory peak 2000 of 40960 MiB\n$/)
    assert.equal(stderr, '')
  })

  test('on a machine whose driver does not answer: exit 1 before anything runs', () => {
    const { status, stdout, stderr } = gpuCheck('bin-no-driver')
    assert.equal(status, 1)
    assert.ok(stdout.includes("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver"), stdout)
    assert.equal(stderr, 'gpu-check: nvidia-smi failed: this machine has no working NVIDIA GPU and driver\n')
    assert.ok(!stdout.includes('== train action'), stdout)
  })
})
