import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { PROCESS_TREE_VARIABLE, ProcessTreeGuard, hasProcfs } from '../../src/train/process-tree.js'
import { runCommand } from '../../src/train/run-command.js'
import { train } from '../../src/train/train.js'
import { FIXTURES, RecordingLogger, alive, tempDir } from './helpers.js'
import { trainOptions, trainRepo } from './train-fixture.js'

const ESCAPER = join(FIXTURES, 'escaper.mjs')
const linux = hasProcfs()

/** Waits until the process is gone: it is not our child, so there is no event; the test timeout bounds this. */
async function gone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 20))
}

function escapedPid(lines: readonly string[]): number {
  const line = lines.find((l) => l.startsWith('escaped '))
  assert.ok(line, lines.join('\n'))
  return Number(line.slice('escaped '.length))
}

describe('runCommand and processes that leave the process group', { skip: !linux && 'needs /proc (Linux)' }, () => {
  it('kills a child that started its own session once the command has exited, and says so', async () => {
    const dir = await tempDir()
    const log = new RecordingLogger()
    const result = await runCommand({ argv: [process.execPath, ESCAPER], cwd: dir, env: process.env, log })
    assert.equal(result.outcome, 'succeeded')
    const pid = escapedPid(log.printed)
    assert.deepEqual(result.strays, [pid])
    assert.deepEqual(log.warnings, [
      `'${process.execPath}' left 1 process running when it ended (pid ${pid}); killed, so nothing it started can change its outputs after they are checked`,
    ])
    await gone(pid)
  })

  it('ends even when the escaped child holds the command\'s output pipes open', async () => {
    const dir = await tempDir()
    const log = new RecordingLogger()
    // The child inherits stdout and stderr: were it not killed, the pipes would never close and runCommand never return.
    const script = "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'inherit' }); c.unref(); console.log('escaped ' + c.pid)"
    const result = await runCommand({ argv: [process.execPath, '-e', script], cwd: dir, env: process.env, log })
    assert.equal(result.outcome, 'succeeded')
    const pid = escapedPid(log.printed)
    assert.deepEqual(result.strays, [pid])
    await gone(pid)
  })

  it('reports no strays for a command that leaves nothing behind', async () => {
    const dir = await tempDir()
    const log = new RecordingLogger()
    const result = await runCommand({ argv: [process.execPath, '-e', 'console.log(1)'], cwd: dir, env: process.env, log })
    assert.deepEqual(result.strays, [])
    assert.deepEqual(log.warnings, [])
  })
})

describe('train and a child that leaves the session', { skip: !linux && 'needs /proc (Linux)' }, () => {
  it('kills the child before the check, and records the model.onnx it checked', async () => {
    const root = await trainRepo()
    const log = new RecordingLogger()
    const { record, outputDir } = await train(trainOptions(root, log, { command: [process.execPath, ESCAPER] }))
    const pid = escapedPid(log.printed)
    // Killed (SIGKILL) before the outputs were hashed and checked; the test timeout bounds the wait for the reaper.
    assert.ok(log.warnings.some((w) => w.includes(`left 1 process running when it ended (pid ${pid})`)), log.lines.join('\n'))
    await gone(pid)
    const checked = record.outputs.find((o) => o.path === 'model.onnx')
    assert.equal(checked?.sha256, createHash('sha256').update('checked bytes').digest('hex'))
    assert.equal(readFileSync(join(outputDir, 'model.onnx'), 'utf8'), 'checked bytes')
  })
})

describe('ProcessTreeGuard', { skip: !linux && 'needs /proc (Linux)' }, () => {
  it('gives the command a marker variable of its own', () => {
    const a = new ProcessTreeGuard().variables[PROCESS_TREE_VARIABLE]
    const b = new ProcessTreeGuard().variables[PROCESS_TREE_VARIABLE]
    assert.match(a ?? '', /^[0-9a-f]{32}$/)
    assert.notEqual(a, b)
  })

  it('kills an orphan that scrubbed its environment once a scan has seen it', async () => {
    // A huge interval: only the scans the test asks for happen, so the test knows what was seen.
    const guard = new ProcessTreeGuard(3_600_000)
    const parent = spawn(process.execPath, [ESCAPER, '--scrub', '--stay'], {
      env: { ...process.env, ...guard.variables },
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    guard.watch(parent.pid!)
    const line = await new Promise<string>((resolve) => {
      parent.stdout.setEncoding('utf8')
      parent.stdout.on('data', (text: string) => text.includes('escaped') && resolve(text.trim()))
    })
    const pid = escapedPid([line])
    guard.scan()
    // Now the parent exits and its child is re-parented away from the tree; the scan remembered it.
    const exited = new Promise((resolve) => parent.once('exit', resolve))
    parent.stdin.end()
    await exited
    assert.equal(alive(pid), true)
    assert.deepEqual(guard.killAll(), [pid])
    await gone(pid)
  })

  it('finds an orphan it never saw by the marker it inherited', async () => {
    const guard = new ProcessTreeGuard(3_600_000)
    const parent = spawn(process.execPath, [ESCAPER], { env: { ...process.env, ...guard.variables }, stdio: ['ignore', 'pipe', 'inherit'] })
    // No watch(): no scan has seen the child, as when it escaped between two scans.
    let out = ''
    parent.stdout.setEncoding('utf8')
    parent.stdout.on('data', (text: string) => (out += text))
    await new Promise((resolve) => parent.once('close', resolve))
    const pid = escapedPid(out.split('\n'))
    assert.equal(alive(pid), true)
    assert.deepEqual(guard.killAll(), [pid])
    await gone(pid)
  })

  it('leaves alone processes that are not of its tree', async () => {
    const other = spawn(process.execPath, ['-e', "console.log('up'); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise((resolve) => other.stdout.once('data', resolve))
    const guard = new ProcessTreeGuard(3_600_000)
    const command = spawn(process.execPath, ['-e', ''], { env: { ...process.env, ...guard.variables }, stdio: 'ignore' })
    guard.watch(command.pid!)
    await new Promise((resolve) => command.once('exit', resolve))
    assert.deepEqual(guard.killAll(), [])
    assert.equal(alive(other.pid!), true)
    const exited = new Promise((resolve) => other.once('exit', resolve))
    other.kill('SIGKILL')
    await exited
  })
})
