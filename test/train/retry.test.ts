import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { describeFailure, isRetryable, runWithRetries, type FailureContext } from '../../src/train/retry.js'
import type { CommandOutcome, CommandResult } from '../../src/train/run-command.js'
import { RecordingLogger } from './helpers.js'

function result(outcome: CommandOutcome, exitCode: number | null = null, signal: NodeJS.Signals | null = null, tail: string[] = []): CommandResult {
  const at = new Date('2026-01-01T00:00:00Z')
  return { outcome, exitCode, signal, tail, strays: [], startedAt: at, endedAt: at }
}

const context: FailureContext = {
  argv: ['python', 'train.py', '--epochs', '3'],
  attempt: 3,
  attempts: 3,
  workingDirectory: 'models/churn',
  path: '/venv/bin:/usr/bin',
  environment: 'python',
  timeoutMinutes: 120,
  killGraceMs: 10_000,
}

describe('isRetryable', () => {
  const cases: [CommandResult, boolean][] = [
    [result('timed-out', null, 'SIGTERM'), true],
    [result('signalled', null, 'SIGKILL'), true],
    [result('signalled', null, 'SIGTERM'), true],
    [result('signalled', null, 'SIGINT'), true],
    [result('signalled', null, 'SIGHUP'), true],
    [result('signalled', null, 'SIGSEGV'), false],
    [result('signalled', null, 'SIGABRT'), false],
    [result('exited', 137), true],
    [result('exited', 143), true],
    [result('exited', 1), false],
    [result('exited', 2), false],
    [result('not-found'), false],
    [result('not-executable'), false],
    [result('cancelled', null, 'SIGTERM'), false],
  ]
  for (const [input, expected] of cases) {
    it(`${input.outcome} ${input.exitCode ?? input.signal ?? ''} → ${expected ? 'retry' : 'no retry'}`, () => {
      assert.equal(isRetryable(input), expected)
    })
  }
})

describe('runWithRetries', () => {
  it('retries a killed attempt and stops at the first success', async () => {
    const log = new RecordingLogger()
    const seen: number[] = []
    const outcomes = [result('signalled', null, 'SIGKILL'), result('succeeded', 0)]
    const results = await runWithRetries({
      retries: 3,
      delayMs: 0,
      log,
      attempt: async (n) => {
        seen.push(n)
        return outcomes[n - 1]!
      },
    })
    assert.deepEqual(seen, [1, 2])
    assert.deepEqual(results.map((r) => r.outcome), ['signalled', 'succeeded'])
    assert.deepEqual(log.warnings, ['Attempt 1 of 4 was killed by SIGKILL; retrying from the checkpoint folder'])
  })

  it('does not retry a plain non-zero exit', async () => {
    const results = await runWithRetries({
      retries: 3,
      delayMs: 0,
      log: new RecordingLogger(),
      attempt: async () => result('exited', 1),
    })
    assert.equal(results.length, 1)
  })

  it('stops when the retries are spent', async () => {
    const results = await runWithRetries({
      retries: 2,
      delayMs: 0,
      log: new RecordingLogger(),
      attempt: async () => result('timed-out', null, 'SIGTERM'),
    })
    assert.equal(results.length, 3)
  })
})

describe('describeFailure', () => {
  it('a missing program names it, the PATH and the environment hint', () => {
    assert.equal(
      describeFailure(result('not-found'), context),
      "train.command: 'python' was not found (working directory models/churn; PATH=/venv/bin:/usr/bin). " +
        'Check the spelling; the virtualenv of train.environment.python is first on PATH; is the program installed by the requirements?',
    )
    assert.match(
      describeFailure(result('not-found'), { ...context, environment: 'none' }),
      /install it on the runner, or set train\.environment \(python or node\)/,
    )
  })

  it('a non-zero exit quotes the output tail and says it is not retried', () => {
    assert.equal(
      describeFailure(result('exited', 1, null, ['Traceback (most recent call last):', 'ValueError: bad']), context),
      'train.command (python train.py --epochs 3) exited with code 1 on attempt 3 of 3. Last 2 lines of its output:\n' +
        '  Traceback (most recent call last):\n  ValueError: bad\n' +
        'A non-zero exit is a failure of the training code and is not retried; fix the error above.',
    )
  })

  it('exit 137 points at memory', () => {
    assert.equal(
      describeFailure(result('exited', 137), context),
      'train.command (python train.py --epochs 3) exited with code 137 on attempt 3 of 3 and retries are spent. It printed nothing.\n' +
        'Exit 137/143 means the process was killed (often out of memory); use a bigger runner or smaller batches.',
    )
  })

  it('a timeout names timeout-minutes and the fix', () => {
    assert.equal(
      describeFailure(result('timed-out', null, 'SIGTERM', ['epoch 7']), context),
      'train.command (python train.py --epochs 3) ran past train.compute.timeout-minutes (120) on attempt 3 of 3 ' +
        'and was stopped (SIGTERM, then SIGKILL after 10 s). Last 1 lines of its output:\n  epoch 7\n' +
        'Raise timeout-minutes, make training faster, or write checkpoints so a retry can resume.',
    )
  })

  it('a signal says whether it was a crash', () => {
    assert.match(describeFailure(result('signalled', null, 'SIGKILL'), context), /killed by SIGKILL on attempt 3 of 3 and retries are spent\. .*out-of-memory killer/s)
    assert.match(describeFailure(result('signalled', null, 'SIGSEGV'), context), /killed by SIGSEGV on attempt 3 of 3 \(a crash; not retried\)/)
  })

  it('a program that is not executable gets the chmod fix', () => {
    assert.equal(
      describeFailure(result('not-executable'), { ...context, argv: ['./train.sh'] }),
      "train.command: './train.sh' is not executable (working directory models/churn). " +
        'Make it executable (git update-index --chmod=+x ./train.sh) or run it through its interpreter, e.g. [bash, ./train.sh]',
    )
  })
})
