/**
 * What the reconciler tests share: a real bare remote, a developer clone that registers versions of
 * model `lin` (real ONNX files from test/fixtures/onnx) in the local registry and commits desired
 * states, a clone the server follows, and real server processes on loopback whose stderr lines are
 * the signals a test waits for (never a fixed sleep).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderDesiredState, type ModelTraffic } from '../../src/deploy/desired-state.js'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { register } from '../../src/registry/register.js'
import { collectingLog, createScratchRepo, GIT_ENV, type ScratchRepo } from '../registry/support/registry-fixture.js'

const here = dirname(fileURLToPath(import.meta.url))
export const ROOT = join(here, '..', '..')
/** Three float features in one [N, 3] input. */
export const GOOD_MODEL = join(ROOT, 'test/fixtures/onnx/linear-regression.onnx')
/** Fourteen features: a version that refuses every request shaped for GOOD_MODEL, yet passes its own smoke request. */
export const OTHER_SIGNATURE_MODEL = join(ROOT, 'test/fixtures/onnx/linear-regression-14.onnx')
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef'

/** `deploy[]` of lin's spec for staging. */
export interface CanaryText {
  traffic?: number
  maxErrorRate?: number
  maxP99Ms?: number
  duration?: string
  /** `health-check.period-seconds`: how often the canary is probed during its window. */
  healthPeriodSeconds?: number
}

function specText(canary: CanaryText | undefined): string {
  const canaryYaml = canary
    ? `, canary: { traffic: ${canary.traffic ?? 50}, max-error-rate: ${canary.maxErrorRate ?? 0.01}, max-p99-ms: ${canary.maxP99Ms ?? 60000}, duration: ${canary.duration ?? '1s'} }`
    : ''
  const healthYaml = canary?.healthPeriodSeconds !== undefined ? `, health-check: { period-seconds: ${canary.healthPeriodSeconds} }` : ''
  return [
    'apiVersion: modelship/v1',
    'kind: Model',
    'name: lin',
    'task: regression',
    'data: { train: data/train.csv, test: data/test.csv, target: y, features: [a, b, c] }',
    'train: { command: [python, train.py], environment: { python: "3.11", requirements: requirements.txt } }',
    'evaluate: { metrics: [rmse] }',
    'deploy:',
    `  - { environment: staging${canaryYaml}${healthYaml} }`,
    '',
  ].join('\n')
}

const scratch: string[] = []
/** Removes every folder the fixtures made. */
export function cleanUp(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true })
}
function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  scratch.push(dir)
  return dir
}

/** A developer's clone and the bare remote, with lin's spec; `register` adds versions, `deploy` commits desired states. */
export class Origin {
  readonly remote: string
  readonly dev: ScratchRepo
  private readonly backend: LocalRegistryBackend
  private desiredText: string | undefined

  constructor(canary: CanaryText | undefined) {
    this.remote = temp('modelship-remote-')
    gitIn(this.remote, 'init', '-q', '--bare', '-b', 'main')
    this.dev = createScratchRepo('modelship-dev-')
    scratch.push(this.dev.dir)
    this.dev.git('remote', 'add', 'origin', this.remote)
    this.setSpec(canary)
    this.backend = new LocalRegistryBackend({ repoDir: this.dev.dir })
  }

  /** Commits lin's spec with these canary settings and pushes. */
  setSpec(canary: CanaryText | undefined): void {
    mkdirSync(join(this.dev.dir, 'models/lin'), { recursive: true })
    writeFileSync(join(this.dev.dir, 'models/lin/model.yaml'), specText(canary))
    this.dev.git('add', 'models/lin/model.yaml')
    this.dev.git('commit', '-q', '-m', 'lin spec')
    this.push()
  }

  /** Registers `onnx` as the next version of lin and pushes its tags and release ref; answers the version. */
  async register(onnx: string): Promise<string> {
    const assets = temp('modelship-assets-')
    copyFileSync(onnx, join(assets, 'model.onnx'))
    for (const name of ['evaluation.json', 'run.json', 'reference-profile.json']) writeFileSync(join(assets, name), '{}\n')
    writeFileSync(join(assets, 'model-card.md'), '# lin\n')
    writeFileSync(join(assets, 'spec.yaml'), 'name: lin\n')
    this.pull()
    const commit = this.dev.commit(`train ${onnx}`)
    const result = await register({ model: 'lin', commit, assetsDir: assets, backend: this.backend, log: collectingLog() })
    this.push()
    return result.version.toString()
  }

  /** Commits lin's entries as the staging desired state and pushes; answers the commit. */
  deploy(models: ModelTraffic[], message = 'deploy'): string {
    this.pull()
    const text = renderDesiredState({ name: 'staging', models }, this.desiredText)
    mkdirSync(join(this.dev.dir, 'deploy'), { recursive: true })
    writeFileSync(join(this.dev.dir, 'deploy/staging.yaml'), text)
    this.desiredText = text
    this.dev.git('add', 'deploy/staging.yaml')
    this.dev.git('commit', '-q', '-m', message)
    this.push()
    return this.dev.git('rev-parse', 'HEAD').trim()
  }

  /** The remote's desired-state file and the subject and body of its last commit. */
  head(): { text: string; subject: string; body: string } {
    return {
      text: gitIn(this.remote, 'show', 'main:deploy/staging.yaml'),
      subject: gitIn(this.remote, 'log', '-1', '--format=%s', 'main').trim(),
      body: gitIn(this.remote, 'log', '-1', '--format=%b', 'main').trim(),
    }
  }

  /** Brings the developer clone up to the remote (the reconciler may have committed). */
  pull(): void {
    this.dev.git('pull', '-q', '--rebase', 'origin', 'main')
    this.desiredText = this.dev.git('ls-files', 'deploy/staging.yaml').trim() ? this.dev.git('show', 'HEAD:deploy/staging.yaml') : undefined
  }

  private push(): void {
    this.dev.git('push', '-q', 'origin', 'main', '--tags')
    this.dev.git('push', '-q', 'origin', 'refs/modelship/*:refs/modelship/*')
  }

  /** A fresh clone for a server to follow. */
  cloneForServer(): string {
    const dir = temp('modelship-served-')
    gitIn(dir, 'clone', '-q', this.remote, '.')
    return dir
  }
}

/** git in `cwd` with the tests' fixed identity. */
export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** A server process and its stderr lines; `waitFor` resolves on the first line (seen or to come) that matches. */
export class ServerProcess {
  readonly lines: string[] = []
  url = ''
  private waiters: Array<{ pattern: RegExp; from: number; resolve: (line: string) => void; reject: (e: Error) => void }> = []
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  constructor(readonly child: ChildProcess) {
    let buffer = ''
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (chunk: string) => {
      buffer += chunk
      let at: number
      while ((at = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, at)
        buffer = buffer.slice(at + 1)
        this.lines.push(line)
        if (process.env.RECONCILER_TEST_VERBOSE) process.stderr.write(`  [server] ${line}\n`)
        this.check()
      }
    })
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal }
        for (const w of this.waiters.splice(0)) w.reject(new Error(`the server exited (${signal ?? code}) before printing a line matching ${w.pattern}; its output:\n${this.lines.join('\n')}`))
        resolve(this.exited)
      })
    })
  }

  /** Index of the next line; pass it to `waitFor` to match only lines after now. */
  get mark(): number {
    return this.lines.length
  }

  waitFor(pattern: RegExp, from = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.exited) {
        const seen = this.lines.slice(from).find((l) => pattern.test(l))
        if (seen) resolve(seen)
        else reject(new Error(`the server has exited; no line matches ${pattern}:\n${this.lines.join('\n')}`))
        return
      }
      this.waiters.push({ pattern, from, resolve, reject })
      this.check()
    })
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      const line = this.lines.slice(w.from).find((l) => w.pattern.test(l))
      if (line === undefined) return true
      w.resolve(line)
      return false
    })
  }

  /** Sends a line to a child that holds at a point (the test child script). */
  resume(): void {
    this.child.stdin!.write('continue\n')
  }

  async kill(): Promise<void> {
    if (this.exited) return
    this.child.kill('SIGKILL')
    await this.exit
  }

  async stop(): Promise<void> {
    if (this.exited) return
    this.child.kill('SIGTERM')
    await this.exit
  }

  async poke(): Promise<void> {
    const response = await fetch(`${this.url}/v2/repository/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    if (response.status !== 202) throw new Error(`poke answered ${response.status}: ${await response.text()}`)
  }

  async status(): Promise<any> {
    return await (await fetch(`${this.url}/v2/deploy/status`)).json()
  }

  /** One inference shaped for GOOD_MODEL; answers the status and the version that served it. */
  async infer(id: string): Promise<{ status: number; version: string | undefined }> {
    const response = await fetch(`${this.url}/v2/models/lin/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }),
    })
    const body = (await response.json()) as { model_version?: string }
    return { status: response.status, version: body.model_version }
  }
}

/** Options of `startServer`. */
export interface StartOptions {
  /** Use the test child (test/deploy/reconciler-child.ts) instead of the CLI; it can hold at a point. */
  holdAt?: string
  stateDir?: string
  extraEnv?: Record<string, string>
}

/** Starts `modelship serve --environment staging` (or the child script) on a free loopback port and waits until it listens. */
export async function startServer(repoDir: string, options: StartOptions = {}): Promise<ServerProcess> {
  const args = options.holdAt !== undefined || options.stateDir !== undefined
    ? ['--import', 'tsx', join(here, 'reconciler-child.ts'), repoDir, options.stateDir ?? '', options.holdAt ?? '']
    : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--environment', 'staging', '--repo', repoDir, '--port', '0', '--poll', '3600']
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // A token in the tests' own environment (a CI job's) must not send statuses anywhere.
    env: { ...GIT_ENV, GITHUB_TOKEN: '', MODELSHIP_GITHUB_TOKEN: '', MODELSHIP_SERVE_ADMIN_TOKENS: ADMIN_TOKEN, ...options.extraEnv },
    stdio: ['pipe', 'ignore', 'pipe'],
  })
  const server = new ServerProcess(child)
  const line = await server.waitFor(/serving environment staging .* on (http:\/\/\S+)/)
  server.url = /on (http:\/\/\S+)/.exec(line)![1]!
  return server
}

/**
 * Sends requests one after the other until `done` resolves (a line the server prints), counting
 * answers by version and status; gives up after `limit` requests so a missing signal fails the test.
 */
export async function trafficUntil(server: ServerProcess, done: Promise<unknown>, limit = 5000): Promise<{ byVersion: Record<string, number>; failed: number; sent: number }> {
  let finished = false
  void done.then(() => (finished = true), () => (finished = true))
  const byVersion: Record<string, number> = {}
  let failed = 0
  let sent = 0
  while (!finished && sent < limit) {
    const answer = await server.infer(`r${sent}`)
    sent++
    if (answer.status !== 200) failed++
    else byVersion[answer.version!] = (byVersion[answer.version!] ?? 0) + 1
  }
  if (!finished) throw new Error(`no signal after ${limit} requests; server output:\n${server.lines.join('\n')}`)
  await done
  return { byVersion, failed, sent }
}
