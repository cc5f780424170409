// modelship demo end to end: every step runs through the real commands on a throwaway repository
// and the server and the folder are gone afterwards; a failing step fails the demo and stops it.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { runCli } from '../../src/cli/run-cli.js'
import { addCallsFeature } from '../../src/demo/demo-repo.js'
import { renderSummary, runDemo, type RunCommand } from '../../src/demo/index.js'

const ROOT = resolve(import.meta.dirname, '../..')
// The server runs as `modelship serve` from source, as `npm run modelship` does.
const CLI_ARGV = [process.execPath, '--import', createRequire(import.meta.url).resolve('tsx'), resolve(ROOT, 'src/cli/main.ts')]

test('the demo runs every step it has, and removes its folder', async () => {
  let text = ''
  const steps = await runDemo({ out: (t) => void (text += t), runCommand: (argv, io) => runCli(argv, io), cliArgv: CLI_ARGV })
  const dir = /^Demo repository: (\S+)/m.exec(text)?.[1]
  assert.ok(dir, text)
  assert.ok(!existsSync(dir), `${dir} was removed`)
  assert.deepEqual(
    steps.map((s) => [s.name, s.status]),
    [
      ['validate', 'ok'],
      ['train (node environment, ONNX written by the training script)', 'ok'],
      ['evaluate, with the pull-request report', 'ok'],
      ['register', 'ok'],
      ['deploy through the desired state (deploy/staging.yaml)', 'ok'],
      ['live traffic to a server following staging (modelship serve --environment staging)', 'ok'],
      ['canary of a second version', 'ok'],
      ['drift injected and detected', 'ok'],
      ['retraining started', 'ok'],
      ["the retrained version's canary breaching a limit, automatic rollback", 'ok'],
      ['batch scoring of a file', 'ok'],
    ],
    text,
  )
  assert.match(text, /^ {3}## /m, 'the pull-request report is printed')
  assert.match(text, /^-> registered demo@v0\.0\.1 /m)
  assert.match(text, /^-> 50 of 50 requests answered by http:\/\/127\.0\.0\.1:\d+ /m)
  assert.match(text, /^-> demo: DRIFT /m)
  assert.match(text, /^ {3}reconciler: in sync with [0-9a-f]{7}: demo v0\.0\.1 100%$/m)
  // The second version: a canary at the share git gave it, promoted by the reconciler, git told.
  assert.match(text, /^ {3}git: [0-9a-f]{7} deploy demo v0\.0\.2 to staging at 20%; pushed/m)
  assert.match(text, /^-> promoted demo v0\.0\.2 after its canary \(\d+ requests, error rate 0%, p99 [\d.]+ ms\); serving v0\.0\.2 100%; git: [0-9a-f]{7} promote demo v0\.0\.2 to 100% in staging /m)
  // The retrained version refuses the clients' two-column requests: reverted by itself, in git.
  assert.match(text, /^-> reverted demo v0\.0\.3: canary at 20% breached: error rate 100% over \d+ requests \(0 failed, \d+ refused\) is above max-error-rate 5%; serving v0\.0\.2 100%; 20 of 20 requests answered after the revert; git: [0-9a-f]{7} rollback demo v0\.0\.3 in staging /m)
  assert.match(text, /^-> scored 1,000 rows \(0 failed\).* with demo@v0\.0\.2;/m)
  assert.match(renderSummary(steps), /^validate +ok +\d/m)
})

test('a step that fails fails the demo and stops it', async () => {
  let text = ''
  const failingTrain: RunCommand = async (argv, io) => {
    if (argv[0] !== 'train') return runCli(argv, io)
    io.err('modelship train: the training command exited 1\n')
    return 1
  }
  const steps = await runDemo({ out: (t) => void (text += t), runCommand: failingTrain, cliArgv: CLI_ARGV })
  assert.deepEqual(
    steps.map((s) => s.status),
    ['ok', 'failed'],
  )
  assert.equal(steps[1]!.detail, 'modelship train demo --no-cache exited 1')
  assert.match(text, /^ {3}modelship train: the training command exited 1$/m)
  const dir = /^Demo repository: (\S+)/m.exec(text)?.[1]
  assert.ok(dir && !existsSync(dir))
})

test('a server that cannot start fails the live-traffic step with its last lines, and stops the demo', async () => {
  let text = ''
  const dies = [process.execPath, '-e', "process.stderr.write('modelship serve: cannot follow staging\\n'); process.exit(2)"]
  const steps = await runDemo({ out: (t) => void (text += t), runCommand: (argv, io) => runCli(argv, io), cliArgv: dies })
  assert.deepEqual(steps.map((s) => s.status), ['ok', 'ok', 'ok', 'ok', 'ok', 'failed'])
  assert.match(steps[5]!.detail, /^modelship serve exited 2 before printing a line matching .*; its last lines:\nmodelship serve: cannot follow staging$/)
  const dir = /^Demo repository: (\S+)/m.exec(text)?.[1]
  assert.ok(dir && !existsSync(dir))
})

test('a second version whose canary the reconciler reverts fails the canary step with its reason', async () => {
  let text = ''
  // The second training first adds a feature the clients do not send: that version breaches.
  const breachingV2: RunCommand = async (argv, io) => {
    if (argv[0] === 'train' && argv.includes('epochs=600')) await addCallsFeature(io.cwd)
    return runCli(argv, io)
  }
  const steps = await runDemo({ out: (t) => void (text += t), runCommand: breachingV2, cliArgv: CLI_ARGV })
  assert.deepEqual(steps.map((s) => [s.name, s.status]).slice(-1), [['canary of a second version', 'failed']], text)
  assert.match(steps.at(-1)!.detail, /^expected the reconciler to have promoted v0\.0\.2, but it reverted demo v0\.0\.2: canary at 20% breached: error rate 100% /)
  const dir = /^Demo repository: (\S+)/m.exec(text)?.[1]
  assert.ok(dir && !existsSync(dir), 'the server stopped and the folder removed after a failed canary')
})

test('Ctrl-C stops the server and removes the folder', async () => {
  const { spawn } = await import('node:child_process')
  const { createInterface } = await import('node:readline')
  const child = spawn(CLI_ARGV[0]!, [...CLI_ARGV.slice(1), 'demo'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let dir: string | undefined
  let url: string | undefined
  let text = ''
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  // Interrupt while the server is up, as soon as the demo says where it listens.
  for await (const line of createInterface({ input: child.stdout! })) {
    text += `${line}\n`
    dir ??= /^Demo repository: (\S+)/.exec(line)?.[1]
    url ??= / listening on (http:\S+)$/.exec(line)?.[1]
    if (url) {
      child.kill('SIGINT')
      break
    }
  }
  assert.equal(await exited, 130, text)
  assert.ok(dir && !existsSync(dir), `${dir} was removed`)
  await assert.rejects(fetch(`${url}/v2/health/live`), 'the server is stopped')
})
