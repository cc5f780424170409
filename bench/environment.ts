/**
 * First-run set-up of example-repo's Python environments (churn and house-prices), built with pip
 * (the venv module and pip) and with uv, in the same run, each from empty caches as on a fresh
 * runner or clone: `planEnvironment(...).prepare()`, the very code `modelship train` runs. Prints
 * each side's time per environment, its total, the disk the environments and the cache take, and
 * the ratio pip/uv of the totals.
 *
 * Each side runs in a child process of its own (this file with --side) that is killed when it
 * passes --timeout-seconds, so the bench is bounded: a side that did not finish is printed as
 * "> N s" and the ratio as a lower bound. Needs Python 3.11 and network access to PyPI; uv must be
 * on PATH (pip install uv), else only pip is measured.
 *
 * Usage: node --import tsx bench/environment.ts [--models churn,house-prices] [--timeout-seconds 600] [--order pip,uv]
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { planEnvironment, type PythonInstaller } from '../src/train/environments.js'
import type { TrainLogger } from '../src/train/logger.js'

const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback
}
const models = option('models', 'churn,house-prices').split(',').filter(Boolean)
const exampleRepo = resolve(fileURLToPath(new URL('../example-repo', import.meta.url)))

/** What one side reports: seconds per environment and the disk used. */
interface SideResult {
  installer: PythonInstaller
  seconds: Record<string, number>
  envBytes: number
  /** Environments and cache together, a hard-linked file counted once. */
  totalBytes: number
}

/** Disk use of folders in bytes (`du -c`: a file hard-linked into several of them counts once). */
function diskBytes(...paths: string[]): number {
  const out = execFileSync('du', ['-sbc', ...paths], { encoding: 'utf8' })
  return Number(out.trim().split('\n').at(-1)!.split(/\s+/)[0])
}

/** One side, in this (child) process: build every model's environment in `state` with `installer`. */
async function runSide(installer: PythonInstaller, state: string): Promise<void> {
  const quiet: TrainLogger = { info() {}, warning() {}, output() {}, group: (_name, fn) => fn() }
  // Empty caches of the side's own: a first run on a fresh machine, and nothing shared with the other side.
  const env = { ...process.env, PIP_CACHE_DIR: join(state, 'pip-cache'), UV_CACHE_DIR: join(state, 'uv-cache') }
  const seconds: Record<string, number> = {}
  for (const model of models) {
    const workingDirectory = join(exampleRepo, 'models', model)
    const started = performance.now()
    const plan = await planEnvironment({ kind: 'python', version: '3.11', requirements: 'requirements.txt' }, { workingDirectory, stateDir: state, env, installer })
    await plan.prepare(quiet)
    seconds[model] = (performance.now() - started) / 1000
  }
  const cache = join(state, installer === 'uv' ? 'uv-cache' : 'pip-cache')
  const envs = join(state, 'envs')
  const result: SideResult = { installer, seconds, envBytes: diskBytes(envs), totalBytes: diskBytes(envs, cache) }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

/** Runs one side in a child process; undefined when it ran past the limit (it is killed) or failed. */
function measure(installer: PythonInstaller, timeoutSeconds: number): Promise<SideResult | { failed: string } | undefined> {
  const state = mkdtempSync(join(tmpdir(), `modelship-bench-env-${installer}-`))
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--side', installer, '--state', state, '--models', models.join(',')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk))
    let timedOut = false
    let killTimer: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      timedOut = true
      // SIGTERM lets the side exit through runCommand's exit handler, which kills pip or uv (they run
      // in process groups of their own); SIGKILL to the side's group if that does not end it.
      child.kill('SIGTERM')
      killTimer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000)
    }, timeoutSeconds * 1000)
    child.on('close', (code) => {
      clearTimeout(timer)
      clearTimeout(killTimer)
      rmSync(state, { recursive: true, force: true })
      if (timedOut) done(undefined)
      else if (code !== 0) done({ failed: err.trim().split('\n').slice(-5).join('\n') })
      else done(JSON.parse(out.trim().split('\n').at(-1)!) as SideResult)
    })
  })
}

async function main(): Promise<void> {
  const side = option('side', '')
  if (side === 'pip' || side === 'uv') {
    // Exit (running the exit handlers that stop pip or uv) when the bench stops this side.
    process.on('SIGTERM', () => process.exit(143))
    return runSide(side, option('state', ''))
  }
  const timeoutSeconds = Number(option('timeout-seconds', '600'))
  const hasUv = (() => {
    try {
      execFileSync('uv', ['--version'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()
  const order = option('order', 'pip,uv').split(',').filter((name): name is PythonInstaller => name === 'pip' || (name === 'uv' && hasUv))
  if (!hasUv) console.log('uv is not on PATH (pip install uv): only pip is measured')
  console.log(`first-run set-up of example-repo's ${models.join(' and ')} environments, empty caches, at most ${timeoutSeconds} s a side; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  const totals: Partial<Record<PythonInstaller, number>> = {}
  const over: Partial<Record<PythonInstaller, boolean>> = {}
  for (const installer of order) {
    const result = await measure(installer, timeoutSeconds)
    if (result === undefined) {
      over[installer] = true
      totals[installer] = timeoutSeconds
      console.log(`${installer.padEnd(3)}  > ${timeoutSeconds} s (stopped at the limit)`)
    } else if ('failed' in result) {
      console.log(`${installer.padEnd(3)}  failed:\n${result.failed}`)
    } else {
      const total = Object.values(result.seconds).reduce((a, b) => a + b, 0)
      totals[installer] = total
      const each = Object.entries(result.seconds).map(([model, s]) => `${model} ${s.toFixed(1)} s`).join(', ')
      console.log(
        `${installer.padEnd(3)}  ${total.toFixed(1)} s (${each}); environments ${(result.envBytes / 2 ** 20).toFixed(0)} MiB, with the cache ${(result.totalBytes / 2 ** 20).toFixed(0)} MiB on disk`,
      )
    }
  }
  if (totals.pip !== undefined && totals.uv !== undefined && !over.uv) {
    console.log(`ratio pip/uv: ${over.pip ? '> ' : ''}${(totals.pip / totals.uv).toFixed(1)}`)
  }
}

await main()
