/**
 * `modelship demo`: the lifecycle on a throwaway repository with the local backend, each step
 * through the same CLI commands a user runs, printing what each decided, where its outputs went and
 * how long it took. The server follows deploy/staging.yaml through a bare remote in the folder, as
 * a production server follows GitHub: the demo pushes and pokes it, and waits on its log lines for
 * each decision. A step whose command fails fails the demo; the server and the temporary folder are
 * removed at the end, on failure and on Ctrl-C.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CliIo } from '../cli/command.js'
import { formatDuration } from '../format-duration.js'
import { addCallsFeature, DEMO_MODEL, demoRows, git, publish, pull, writeDemoRemote, writeDemoRepo } from './demo-repo.js'
import { ReconcilingServer } from './reconciling-server.js'

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
  status: 'ok' | 'failed'
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
  let served = ''
  let server: ReconcilingServer | undefined
  let callsCommit = ''
  const lastCommit = async () => (await git(dir, ['log', '-1', '--format=%h %s'])).trim()
  // Deploys `version` (the latest) at the spec's canary share, pushes it, pokes the server and sends
  // requests until the reconciler decides on it; a decision other than `expected` fails the step.
  // Then waits for the reconciler's commit and pulls it; answers the decision.
  const rollOut = async (version: string, expected: 'promoted' | 'reverted'): Promise<string> => {
    const live = server!
    await pull(dir)
    await cli(['deploy', `${DEMO_MODEL}@latest`, '--environment', 'staging', '--no-push', '--backend', 'local', '--reason', 'demo'], true)
    await publish(dir)
    say(`   git: ${await lastCommit()}; pushed, and the server poked to fetch it\n`)
    const mark = live.mark
    await live.poke()
    const named = `${DEMO_MODEL} ${version.replaceAll('.', '\\.')}`
    const decision = live.waitFor(new RegExp(`reconciler: (promoted|reverted) ${named}[ :]`), mark)
    const seen = await trafficUntil(live.url, decision, 5000)
    const line = (await decision).replace(/^.*?reconciler: /, '')
    say(`   ${seen.sent} requests while the canary was watched: ${formatCounts(seen.byStatus)}\n   reconciler: ${line}\n`)
    if (!line.startsWith(expected)) throw new StepFailed(`expected the reconciler to have ${expected} ${version}, but it ${line}`)
    const action = expected === 'promoted' ? 'promote' : 'rollback'
    say(`   ${await live.waitFor(new RegExp(`reconciler: committed [0-9a-f]{7}: ${action} ${named} `), mark)}\n`)
    await pull(dir)
    return line
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
        served = await writeDemoRemote(dir)
        return `${firstLine(text)}; commit ${await lastCommit()} pushed to the demo's remote`
      }),
      () => step('live traffic to a server following staging (modelship serve --environment staging)', async () => {
        server = await ReconcilingServer.start(options.cliArgv, served, 'staging', (child) => children.add(child))
        say(`   modelship serve --environment staging (pid ${server.child.pid}) listening on ${server.url}\n`)
        const synced = await server.waitFor(/reconciler: in sync with /)
        say(`   ${synced}\n`)
        const { ok, yes } = await sendTraffic(server.url, 50)
        return `${ok} of 50 requests answered by ${server.url} (${yes} predicted churn)`
      }),
      () => step('canary of a second version', async () => {
        await cli(['train', DEMO_MODEL, '--no-cache', '--param', 'epochs=600'], true)
        await cli(['evaluate', DEMO_MODEL, '--out', 'out/evaluation-2.json'], true)
        const registered = lineLike(await cli(['registry', 'register', DEMO_MODEL, '--evaluation', 'out/evaluation-2.json', '--backend', 'local'], true), /^registered /)
        say(`   trained with epochs=600; ${registered}\n`)
        const decision = await rollOut('v0.0.2', 'promoted')
        return `${decision}; git: ${await lastCommit()}`
      }),
    ]
    for (const next of run) if (!(await next())) return steps
    const drifted = await step('drift injected and detected', async () => {
      await writeFile(join(dir, 'data/current.csv'), demoRows(400, 4, 4))
      const text = await cli(['drift', DEMO_MODEL, '--reference', 'data/train.csv', '--current', 'data/current.csv'], false, [0, 1])
      if (!/DRIFT/.test(text)) throw new StepFailed('usage was shifted by +4 in data/current.csv, yet no drift was reported')
      return firstLine(text)
    })
    if (!drifted) return steps
    const retrained = await step('retraining started', async () => {
      // The retraining adds a feature (support calls) that the clients do not send yet: the
      // version is fine on its own data, and refuses the two-column requests v0.0.2 answers.
      callsCommit = await addCallsFeature(dir)
      await cli(['train', DEMO_MODEL, '--no-cache'], true)
      await cli(['evaluate', DEMO_MODEL, '--out', 'out/evaluation-3.json'], true)
      return `retrained with a new feature, calls (3 inputs; the clients still send 2); ${lineLike(await cli(['registry', 'register', DEMO_MODEL, '--evaluation', 'out/evaluation-3.json', '--backend', 'local'], true), /^registered /)}`
    })
    if (!retrained) return steps
    const reverted = await step("the retrained version's canary breaching a limit, automatic rollback", async () => {
      say('   v0.0.3 passes its own smoke request (built from its 3-input signature), then refuses with 400 the two-column requests of its canary share, which v0.0.2 answers\n')
      const decision = await rollOut('v0.0.3', 'reverted')
      const { ok } = await sendTraffic(server!.url, 20)
      const rollback = await lastCommit()
      // The rollback restored what serves; the spec still names calls, so the feature goes back out
      // of the spec too (the clients do not send it), and the spec fits the serving version again.
      await git(dir, ['revert', '--no-edit', callsCommit])
      await publish(dir)
      say(`   git: ${await lastCommit()} (the spec back to the serving version's features)\n`)
      return `${decision}; ${ok} of 20 requests answered after the revert; git: ${rollback}`
    })
    if (!reverted) return steps
    await step('batch scoring of a file', async () => {
      // Scored by the version staging serves after the revert; the reverted one wants a column the file lacks.
      const text = await cli(['batch-score', DEMO_MODEL, 'data/score.csv', '--model', `${DEMO_MODEL}@v0.0.2`, '--backend', 'local', '--output', 'out/batch', '--format', 'csv', '--progress', 'none', '--workers', '1'])
      return `${firstLine(text)} with ${DEMO_MODEL}@v0.0.2; results in out/batch`
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
  return steps.map((s) => `${s.name.padEnd(width)}  ${s.status.padEnd(6)}  ${formatDuration(s.ms)}`).join('\n') + '\n'
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

/** One request shaped as the demo's clients send it: usage and tenure, two columns. */
async function infer(url: string, usage: number, tenure: number): Promise<{ status: number; label?: unknown; text: string }> {
  const response = await fetch(`${url}/v2/models/${DEMO_MODEL}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [usage, tenure] }] }),
  })
  const text = await response.text()
  if (!response.ok) return { status: response.status, text }
  const body = JSON.parse(text) as { outputs: { name: string; data: unknown[] }[] }
  return { status: response.status, label: body.outputs.find((o) => o.name === 'label')?.data[0], text }
}

/** `count` requests one after the other; any answer but 200 fails the step. */
async function sendTraffic(url: string, count: number): Promise<{ ok: number; yes: number }> {
  let ok = 0
  let yes = 0
  for (const row of demoRows(count, 5).trim().split('\n').slice(1)) {
    const [usage, tenure] = row.split(',').map(Number)
    const answer = await infer(url, usage!, tenure!)
    if (answer.status !== 200) throw new StepFailed(`the server answered ${answer.status}: ${answer.text}`)
    ok++
    if (answer.label === 1) yes++
  }
  return { ok, yes }
}

/**
 * Requests one after the other until `done` settles (a line the server prints), counted by status;
 * after `limit` requests without it the step fails, so a decision that never comes cannot hang the demo.
 */
async function trafficUntil(url: string, done: Promise<unknown>, limit: number): Promise<{ sent: number; byStatus: Map<number, number> }> {
  let finished = false
  void done.then(() => (finished = true), () => (finished = true))
  const byStatus = new Map<number, number>()
  const rows = demoRows(limit, 6).trim().split('\n').slice(1)
  let sent = 0
  for (; !finished && sent < limit; sent++) {
    const [usage, tenure] = rows[sent]!.split(',').map(Number)
    const { status } = await infer(url, usage!, tenure!)
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
  }
  if (!finished) throw new StepFailed(`the server decided nothing within ${limit} requests`)
  return { sent, byStatus }
}

function formatCounts(byStatus: Map<number, number>): string {
  return [...byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${n} answered ${status}`).join(', ')
}
