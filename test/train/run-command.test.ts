import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { TrainError } from '../../src/errors.js'
import { LineSplitter, expandCommand, formatArgv, runCommand } from '../../src/train/run-command.js'
import { RecordingLogger, TRAINER, alive, tempDir } from './helpers.js'

const node = process.execPath

function split(chunks: (string | Buffer)[]): string[] {
  const lines: string[] = []
  const splitter = new LineSplitter((line) => lines.push(line))
  for (const chunk of chunks) splitter.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  splitter.end()
  return lines
}

describe('LineSplitter', () => {
  it('ends lines at \\n, \\r\\n and a lone \\r, across chunks', () => {
    assert.deepEqual(split(['a\nb\r', '\nc\rd', 'e\r\n', 'tail']), ['a', 'b', 'c', 'de', 'tail'])
  })

  it('decodes a UTF-8 character split between chunks', () => {
    const bytes = Buffer.from('zürich\n')
    assert.deepEqual(split([bytes.subarray(0, 2), bytes.subarray(2)]), ['zürich'])
  })

  it('keeps empty lines', () => {
    assert.deepEqual(split(['a\n\nb\n']), ['a', '', 'b'])
  })
})

describe('expandCommand', () => {
  const variables = {
    outputs: '/out',
    checkpoints: '/ckpt',
    trainData: '/d/train.csv',
    testData: '/d/test.csv',
    params: { C: 1.5, solver: 'lbfgs' },
  }

  it('replaces the known placeholders inside arguments', () => {
    assert.deepEqual(
      expandCommand(['python', '--out=${outputs}/model.onnx', '${data.train}', '--C', '${params.C}', '${params.solver}'], variables),
      ['python', '--out=/out/model.onnx', '/d/train.csv', '--C', '1.5', 'lbfgs'],
    )
  })

  it('leaves $${...} as a literal ${...} and touches nothing else', () => {
    assert.deepEqual(expandCommand(['$${outputs}', '$HOME', '$(id)'], variables), ['${outputs}', '$HOME', '$(id)'])
  })

  it('rejects an unknown placeholder, naming the known ones', () => {
    assert.throws(
      () => expandCommand(['python', '--out', '${output}/m.onnx'], variables),
      (error: unknown) =>
        error instanceof TrainError &&
        error.message ===
          "train.command[2]: '${output}' is not a known placeholder in '${output}/m.onnx'; expected one of " +
            '${outputs}, ${checkpoints}, ${data.train}, ${data.test}, ${params.C}, ${params.solver} (write $${ for a literal ${)',
    )
  })
})

describe('formatArgv', () => {
  it('quotes arguments a shell would split', () => {
    assert.equal(formatArgv(['python', 'train.py', '--name', "it's here"]), `python train.py --name 'it'\\''s here'`)
  })
})

describe('runCommand', () => {
  it('streams stdout and stderr line by line and succeeds on exit 0', async () => {
    const log = new RecordingLogger()
    const dir = await tempDir()
    const result = await runCommand({
      argv: [node, '-e', "console.log('one'); console.error('two'); process.stdout.write('three')"],
      cwd: dir,
      env: process.env,
      log,
    })
    assert.equal(result.outcome, 'succeeded')
    assert.equal(result.exitCode, 0)
    assert.deepEqual(
      log.output_.sort((a, b) => a.line.localeCompare(b.line)),
      [
        { line: 'one', stream: 'stdout' },
        { line: 'three', stream: 'stdout' },
        { line: 'two', stream: 'stderr' },
      ],
    )
  })

  it('passes arguments without a shell', async () => {
    const log = new RecordingLogger()
    const dir = await tempDir()
    const result = await runCommand({
      argv: [node, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', '$(echo hacked)', 'a; rm -rf /', '*'],
      cwd: dir,
      env: process.env,
      log,
    })
    assert.equal(result.outcome, 'succeeded')
    assert.deepEqual(log.printed, ['["$(echo hacked)","a; rm -rf /","*"]'])
  })

  it('reports a non-zero exit with the last 20 lines of output', async () => {
    const log = new RecordingLogger()
    const dir = await tempDir()
    // One stream only: the order of lines across stdout and stderr depends on the scheduler.
    const script = "for (let i = 1; i <= 25; i++) console.log('line ' + i); process.exitCode = 3"
    const result = await runCommand({ argv: [node, '-e', script], cwd: dir, env: process.env, log })
    assert.equal(result.outcome, 'exited')
    assert.equal(result.exitCode, 3)
    assert.equal(result.signal, null)
    assert.equal(log.printed.length, 25)
    assert.deepEqual(result.tail, Array.from({ length: 20 }, (_, i) => `line ${i + 6}`))
  })

  it('reports a program that is not on PATH', async () => {
    const dir = await tempDir()
    const result = await runCommand({
      argv: ['no-such-trainer-xyz', 'train.py'],
      cwd: dir,
      env: { PATH: dir },
      log: new RecordingLogger(),
    })
    assert.equal(result.outcome, 'not-found')
  })

  it('reports a program that is not executable', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'train.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 })
    const result = await runCommand({ argv: ['./train.sh'], cwd: dir, env: process.env, log: new RecordingLogger() })
    assert.equal(result.outcome, 'not-executable')
  })

  it('reports a process killed by a signal', async () => {
    const dir = await tempDir()
    const result = await runCommand({
      argv: [node, '-e', "process.kill(process.pid, 'SIGKILL')"],
      cwd: dir,
      env: process.env,
      log: new RecordingLogger(),
    })
    assert.equal(result.outcome, 'signalled')
    assert.equal(result.signal, 'SIGKILL')
    assert.equal(result.exitCode, null)
  })

  it('on timeout sends SIGTERM, then SIGKILL to a command that ignores it, and stops its children too', async (t) => {
    // The test drives the clock: the timeout fires only once the script has printed that its SIGTERM
    // handler and its child are in place, and SIGKILL only once it has answered SIGTERM, however long
    // a busy machine takes to start node.
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const dir = await tempDir()
    const pidFile = join(dir, 'grandchild.pid')
    const log = new RecordingLogger()
    const running = runCommand({
      argv: [node, TRAINER, '--ignore-term', '--grandchild', pidFile, '--sleep'],
      cwd: dir,
      env: process.env,
      timeoutMs: 1000,
      killGraceMs: 200,
      log,
    })
    await log.waitFor('sleeping')
    t.mock.timers.tick(1000)
    await log.waitFor('ignoring SIGTERM')
    t.mock.timers.tick(200)
    const result = await running
    t.mock.timers.reset()
    assert.equal(result.outcome, 'timed-out')
    assert.equal(result.signal, 'SIGKILL')
    const grandchild = Number(await readFile(pidFile, 'utf8'))
    // The grandchild was in the command's process group, so it was stopped with it. It is not our
    // child, so there is no exit event to wait for: look until it is gone (the test timeout bounds this).
    while (alive(grandchild)) await new Promise((r) => setTimeout(r, 20))
  })

  it('stops the command when cancelled', async () => {
    const dir = await tempDir()
    const controller = new AbortController()
    const log = new RecordingLogger()
    const running = runCommand({ argv: [node, TRAINER, '--sleep'], cwd: dir, env: process.env, signal: controller.signal, log })
    await log.waitFor('sleeping')
    controller.abort()
    const result = await running
    assert.equal(result.outcome, 'cancelled')
    assert.equal(result.signal, 'SIGTERM')
  })

  it('rejects an empty command', async () => {
    await assert.rejects(
      runCommand({ argv: [], cwd: '.', env: process.env, log: new RecordingLogger() }),
      new TrainError('train.command is empty; give the program and its arguments as a list'),
    )
  })
})
