/**
 * `modelship demo`: the lifecycle on a throwaway repository with the local backend, each step
 * through the same CLI commands a user runs, printing what each decided, where its outputs went and
 * how long it took. A step whose command fails fails the demo; the server and the temporary folder
 * are removed at the end, on failure and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { CliIo } from '../cli/command.js'
import { formatDuration } from '../format-duration.js'
import { DEMO_MODEL, demoRows, git, writeDemoRepo } from './demo-repo.js'

/** Runs one `modelship` command line with the given io; resolves to its exit code. */
export type RunCommand = (argv: string[], io: CliIo) => Promise<number>

/** What the demo needs from its caller. */
export interface DemoOptions {
  out(text: string): void
  runCommand: RunCommand
  /** The argv that starts `modelship` as a child process (for the server). */
  cliArgv: readonly string[]
  /** Keep the temporary repository (its path is printed). */
  keep?: boolean
}

/** One step's outcome, for the summary. */
export interface DemoStep {
  name: string
  status: 'ok' | 'failed' | 'not available yet'
  ms: number
  detail: string
}

class StepFailed extends Error {}

/** Runs the demo; resolves to the steps, in order. Throws nothing for a failed step: it is in the list. */
export async function runDemo(options: DemoOptions): Promise<DemoStep[]> {
  const dir = await mkdtemp(join(tmpdir(), 'modelship-demo-'))
  const steps: DemoStep[] = []
  const children = new Set<ChildProcess>()
  const say = (text: string) => options.out(text)
  // Ctrl-C: stop the server and remove the folder before exiting as interrupted.
  // The children are waited for, so nothing of the demo is left once the process has exited.
  const onSignal = (signal: NodeJS.Signals) => {
    void stopAll(children)
      .then(() => rm(dir, { recursive: true, force: true }))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  // `allowed`: exit codes that are a finding, not a failure (drift exits 1 when it finds drift).
  const cli = async (argv: string[], quiet = false, allowed: readonly number[] = [0]): Promise<string> => {
    let text = ''
    const io: CliIo = { cwd: dir, out: (t) => void (text += t), err: (t) => void (text += t) }
    const code = await options.runCommand(argv, io)
    if (!quiet || !allowed.includes(code)) say(indent(text))
    if (!allowed.includes(code)) throw new StepFailed(`modelship ${argv.join(' ')} exited ${code}`)
    return text
  }
  const step = async (name: string, body: () => Promise<string>): Promise<boolean> => {
    say(`\n== ${name}\n`)
    const started = performance.now()
    try {
      const detail = await body()
      const ms = performance.now() - started
      steps.push({ name, status: 'ok', ms, detail })
      say(`-> ${detail} (${formatDuration(ms)})\n`)
      return true
    } catch (error) {
      const ms = performance.now() - started
      const detail = error instanceof Error ? error.message : String(error)
      steps.push({ name, status: 'failed', ms, detail })
      say(`-> FAILED: ${detail} (${formatDuration(ms)})\n`)
      return false
    }
  }
  const unavailable = (name: string, why: string) => {
    steps.push({ name, status: 'not available yet', ms: 0, detail: why })
    say(`\n== ${name}\n-> not available yet: ${why}\n`)
  }

  try {
    say(`Demo repository: ${dir} (git, local registry in .modelship/, no network)\n`)
    await writeDemoRepo(dir, await nodeMajor(dir))
    const run = [
      () => step('validate', async () => (await cli(['validate'])).trim().split('\n').at(-1)!),
      () => step('train (node environment, ONNX written by the training script)', async () => {
        await cli(['train', DEMO_MODEL, '--no-cache'], true)
        const run = JSON.parse(await readFile(join(dir, '.modelship/outputs', DEMO_MODEL, 'run.json'), 'utf8'))
        return `run ${run.id ?? run.runId ?? '(see run.json)'}; outputs in .modelship/outputs/${DEMO_MODEL}`
      }),
      () => step('evaluate, with the pull-request report', async () => {
        const text = await cli(['evaluate', DEMO_MODEL, '--out', 'out/evaluation.json'])
        await cli(['report', 'out/evaluation.json'])
        return `${text.split('\n')[0]}; evaluation in out/evaluation.json`
      }),
      () => step('register', async () => {
        const text = await cli(['registry', 'register', DEMO_MODEL, '--evaluation', 'out/evaluation.json', '--backend', 'local'])
        return lineLike(text, /^registered /)
      }),
      () => step('deploy through the desired state (deploy/staging.yaml)', async () => {
        const text = await cli(['deploy', `${DEMO_MODEL}@latest`, '--environment', 'staging', '--traffic', '100', '--no-push', '--backend', 'local', '--reason', 'demo'])
        return `${firstLine(text)}; commit ${(await git(dir, ['log', '-1', '--format=%h %s'])).trim()}`
      }),
      () => step('live traffic to a local server', async () => {
        const server = await startServer(options.cliArgv, dir, children)
        say(`   modelship serve (pid ${server.child.pid}) listening on ${server.url}\n`)
        const { ok, yes } = await sendTraffic(server.url, 50)
        await stopServer(server.child, children)
        return `${ok} of 50 requests answered by ${server.url} (${yes} predicted churn); server stopped`
      }),
    ]
    for (const next of run) if (!(await next())) return steps
    unavailable('canary of a second version', 'the demo does not drive modelship serve --environment (the reconciler) yet')
    const drifted = await step('drift injected and detected', async () => {
      await writeFile(join(dir, 'data/current.csv'), demoRows(400, 4, 4))
      const text = await cli(['drift', DEMO_MODEL, '--reference', 'data/train.csv', '--current', 'data/current.csv'], false, [0, 1])
      if (!/DRIFT/.test(text)) throw new StepFailed('usage was shifted by +4 in data/current.csv, yet no drift was reported')
      return firstLine(text)
    })
    if (!drifted) return steps
    const retrained = await step('retraining started', async () => {
      // Two epochs stand in for a worse retrained model, so the next steps have a breach to find.
      await cli(['train', DEMO_MODEL, '--no-cache', '--param', 'epochs=2'], true)
      await cli(['evaluate', DEMO_MODEL, '--out', 'out/evaluation-2.json'], true)
      return `retrained with epochs=2; ${lineLike(await cli(['registry', 'register', DEMO_MODEL, '--evaluation', 'out/evaluation-2.json', '--backend', 'local'], true), /^registered /)}`
    })
    if (!retrained) return steps
    unavailable('the retrained canary breaching a limit, automatic rollback', 'the demo does not drive the reconciler yet; modelship rollback below is the manual path')
    const rolledBack = await step('rollback through the desired state', async () => {
      await cli(['deploy', `${DEMO_MODEL}@latest`, '--environment', 'staging', '--traffic', '10', '--no-push', '--backend', 'local', '--reason', 'retrained canary'], true)
      const text = await cli(['rollback', '--environment', 'staging', '--model', DEMO_MODEL, '--no-push', '--backend', 'local', '--reason', 'demo: canary breached'])
      return firstLine(text)
    })
    if (!rolledBack) return steps
    await step('batch scoring of a file', async () => {
      const text = await cli(['batch-score', DEMO_MODEL, 'data/score.csv', '--model', `.modelship/outputs/${DEMO_MODEL}`, '--output', 'out/batch', '--format', 'csv', '--progress', 'none', '--workers', '1'])
      return `${firstLine(text)}; results in out/batch`
    })
    return steps
  } finally {
    await stopAll(children)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    if (options.keep) say(`\nkept ${dir}\n`)
    else await rm(dir, { recursive: true, force: true })
  }
}

/** The summary table: each step, its status and time. */
export function renderSummary(steps: readonly DemoStep[]): string {
  const width = Math.max(...steps.map((s) => s.name.length))
  return steps.map((s) => `${s.name.padEnd(width)}  ${s.status.padEnd(17)}  ${s.status === 'not available yet' ? '' : formatDuration(s.ms)}`.trimEnd()).join('\n') + '\n'
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '   ')
}

function lineLike(text: string, pattern: RegExp): string {
  return text.split('\n').find((line) => pattern.test(line)) ?? firstLine(text)
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? ''
}

async function nodeMajor(cwd: string): Promise<string> {
  const { execFile } = await import('node:child_process')
  return new Promise((resolve) => {
    execFile('node', ['--version'], { cwd }, (error, stdout) => resolve((!error && /^v(\d+)/.exec(stdout)?.[1]) || process.versions.node.split('.')[0]!))
  })
}

/** Starts `modelship serve` on a free port and waits for its "serving … on URL" line (no fixed sleep). */
async function startServer(cliArgv: readonly string[], dir: string, children: Set<ChildProcess>): Promise<{ url: string; child: ChildProcess }> {
  const [command, ...args] = cliArgv
  // Started from this process's folder, where its --import flags (tsx under npm run) resolve.
  const model = `${DEMO_MODEL}=${join(dir, '.modelship/outputs', DEMO_MODEL)}`
  const child = spawn(command!, [...args, 'serve', '--model', model, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let output = ''
  child.stdout!.on('data', (chunk) => void (output += chunk))
  return new Promise((resolve, reject) => {
    // serve says where it listens on stderr, once it is listening.
    const lines = createInterface({ input: child.stderr! })
    lines.on('line', (line) => {
      output += `${line}\n`
      const url = /^serving .* on (http:\/\/\S+)/.exec(line)?.[1]
      if (url) resolve({ url, child })
    })
    child.once('exit', (code) => reject(new StepFailed(`modelship serve exited ${code} before serving:\n${indent(output)}`)))
    child.once('error', (error) => reject(new StepFailed(`could not start modelship serve: ${error.message}`)))
  })
}

async function stopServer(child: ChildProcess, children: Set<ChildProcess>): Promise<void> {
  await stopAll(new Set([child]))
  children.delete(child)
}

/** SIGTERM to each child still running, resolved when all have exited. */
async function stopAll(children: Set<ChildProcess>): Promise<void> {
  await Promise.all(
    [...children].map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined
      const exited = new Promise<void>((done) => child.once('exit', () => done()))
      child.kill('SIGTERM')
      return exited
    }),
  )
}

async function sendTraffic(url: string, count: number): Promise<{ ok: number; yes: number }> {
  let ok = 0
  let yes = 0
  const rows = demoRows(count, 5).trim().split('\n').slice(1)
  for (const row of rows) {
    const [usage, tenure] = row.split(',').map(Number)
    const response = await fetch(`${url}/v2/models/${DEMO_MODEL}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [usage, tenure] }] }),
    })
    if (!response.ok) throw new StepFailed(`the server answered ${response.status}: ${await response.text()}`)
    const body = (await response.json()) as { outputs: { name: string; data: unknown[] }[] }
    ok++
    if (body.outputs.find((o) => o.name === 'label')?.data[0] === 1) yes++
  }
  return { ok, yes }
}
