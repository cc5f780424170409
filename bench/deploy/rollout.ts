/**
 * bench/deploy: the reconciler under load on loopback. A bare remote, a developer clone that
 * registers versions of `lin` (real ONNX files) in the local registry and commits desired states,
 * and `modelship serve --environment staging` in its own process following a clone of the remote
 * (polling every `--poll` seconds; nothing pokes it). autocannon sends V2 inference requests at
 * concurrency 16 throughout, and every answer is recorded with the version that served it. Phases:
 *
 * 1. rollout: v0.0.2 (the same model as v0.0.1) deployed at 100 %; canary at the spec's 10 % for
 *    `--canary` seconds, then promoted. Measured: desired-state commit pushed → first answer from v0.0.2.
 * 2. breach: v0.0.3, a model with another input signature (it refuses the requests v0.0.1 answers, yet
 *    passes its own smoke request), deployed at 100 %; its canary is reverted by the reconciler. Each
 *    refusal is retried on v0.0.2, whose answer says `Modelship-Retried-From: v0.0.3`.
 *    Measured: the breaching answer (the 10th refusal, when the reconciler judges) → the last answer
 *    v0.0.3 had a part in, after which v0.0.2 holds all traffic; and that git then holds the rollback commit.
 * 3. manual rollback: v0.0.1 (the standby) deployed at 100 %. Measured: commit → first answer from v0.0.1.
 *
 * Failed requests are counted per phase (non-200 answers and connection errors). The goal (issue 12):
 * zero failed requests in every phase, a breach reverted within 1 s, a rollout picked up within one
 * poll interval plus download and load.
 *
 *   node --import tsx bench/deploy/rollout.ts [--poll 2] [--canary 5] [--connections 16]
 */
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannonModule from 'autocannon'
import { renderDesiredState, type ModelTraffic } from '../../src/deploy/desired-state.js'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { register } from '../../src/registry/register.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const { values } = parseArgs({ options: { poll: { type: 'string', default: '2' }, canary: { type: 'string', default: '5' }, connections: { type: 'string', default: '16' } } })
const pollSeconds = Number(values.poll)
const canarySeconds = Number(values.canary)
const connections = Number(values.connections)

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
const scratch = mkdtempSync(join(tmpdir(), 'modelship-bench-deploy-'))
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

// The repository: lin's spec with a canary, pushed to a bare remote.
const remote = join(scratch, 'remote.git')
const dev = join(scratch, 'dev')
mkdirSync(remote)
mkdirSync(dev)
git(remote, 'init', '-q', '--bare', '-b', 'main')
git(dev, 'init', '-q', '-b', 'main')
git(dev, 'remote', 'add', 'origin', remote)
mkdirSync(join(dev, 'models/lin'), { recursive: true })
writeFileSync(
  join(dev, 'models/lin/model.yaml'),
  [
    'apiVersion: modelship/v1',
    'kind: Model',
    'name: lin',
    'task: regression',
    'data: { train: data/train.csv, test: data/test.csv, target: y, features: [a, b, c] }',
    'train: { command: [python, train.py], environment: { python: "3.11", requirements: requirements.txt } }',
    'evaluate: { metrics: [rmse] }',
    'deploy:',
    `  - { environment: staging, canary: { traffic: 10, max-error-rate: 0.01, max-p99-ms: 500, duration: ${canarySeconds}s } }`,
    '',
  ].join('\n'),
)
git(dev, 'add', '.')
git(dev, 'commit', '-q', '-m', 'lin spec')
const push = () => {
  git(dev, 'push', '-q', 'origin', 'main', '--tags')
  git(dev, 'push', '-q', 'origin', 'refs/modelship/*:refs/modelship/*')
}
push()

const backend = new LocalRegistryBackend({ repoDir: dev })
async function registerVersion(onnx: string): Promise<string> {
  const assets = mkdtempSync(join(scratch, 'assets-'))
  copyFileSync(join(ROOT, 'test/fixtures/onnx', onnx), join(assets, 'model.onnx'))
  for (const name of ['evaluation.json', 'run.json', 'reference-profile.json']) writeFileSync(join(assets, name), '{}\n')
  writeFileSync(join(assets, 'model-card.md'), '# lin\n')
  writeFileSync(join(assets, 'spec.yaml'), 'name: lin\n')
  git(dev, 'pull', '-q', '--rebase', 'origin', 'main')
  git(dev, 'commit', '-q', '--allow-empty', '-m', `train ${onnx}`)
  const commit = git(dev, 'rev-parse', 'HEAD').trim()
  const result = await register({ model: 'lin', commit, assetsDir: assets, backend, log: { info: () => undefined, warn: () => undefined } })
  push()
  return result.version.toString()
}

/** Commits and pushes a desired state; answers the time the push returned (ms, performance clock). */
function deploy(models: ModelTraffic[], message: string): number {
  git(dev, 'pull', '-q', '--rebase', 'origin', 'main')
  let previous: string | undefined
  try {
    previous = git(dev, 'show', 'HEAD:deploy/staging.yaml')
  } catch {
    previous = undefined
  }
  mkdirSync(join(dev, 'deploy'), { recursive: true })
  writeFileSync(join(dev, 'deploy/staging.yaml'), renderDesiredState({ name: 'staging', models }, previous))
  git(dev, 'add', 'deploy/staging.yaml')
  git(dev, 'commit', '-q', '-m', message)
  push()
  return performance.now()
}

const v1 = await registerVersion('linear-regression.onnx')
const v2 = await registerVersion('linear-regression.onnx')
const v3 = await registerVersion('linear-regression-14.onnx')
deploy([{ model: 'lin', version: v1, share: 100 }], `deploy lin ${v1}`)
const served = join(scratch, 'served')
git(scratch, 'clone', '-q', remote, served)

// The server, in its own process group (killed whole on the way out).
const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--environment', 'staging', '--repo', served, '--port', '0', '--poll', String(pollSeconds)], {
  cwd: ROOT,
  env: GIT_ENV,
  stdio: ['ignore', 'ignore', 'pipe'],
  detached: true,
})
const lines: string[] = []
const waiters: Array<{ pattern: RegExp; from: number; resolve: (line: string) => void }> = []
let buffered = ''
child.stderr!.setEncoding('utf8')
child.stderr!.on('data', (chunk: string) => {
  buffered += chunk
  let at: number
  while ((at = buffered.indexOf('\n')) >= 0) {
    lines.push(buffered.slice(0, at))
    buffered = buffered.slice(at + 1)
    for (const w of waiters.splice(0)) {
      const line = lines.slice(w.from).find((l) => w.pattern.test(l))
      if (line) w.resolve(line)
      else waiters.push(w)
    }
  }
})
const cleanUp = () => {
  try {
    process.kill(-child.pid!, 'SIGKILL')
  } catch {
    /* already gone */
  }
  rmSync(scratch, { recursive: true, force: true })
}
process.once('SIGINT', () => {
  cleanUp()
  process.exit(130)
})
child.once('exit', (code, signal) => {
  if (!finished) {
    process.stderr.write(`the server exited (${signal ?? code}):\n${lines.join('\n')}\n`)
    cleanUp()
    process.exit(1)
  }
})
let finished = false
function waitFor(pattern: RegExp, from = 0): Promise<string> {
  return new Promise((resolve) => {
    const line = lines.slice(from).find((l) => pattern.test(l))
    if (line) resolve(line)
    else waiters.push({ pattern, from, resolve })
  })
}

const url = /on (http:\/\/\S+)/.exec(await waitFor(/serving environment staging .* on http/))![1]!
await waitFor(/in sync with .*: lin v0\.0\.1 100%/)

// Load throughout; each answer recorded with the time it arrived and the version that served it.
interface Answer {
  at: number
  status: number
  version: string
  /** The canary version that failed this request before the stable one answered it; '' when none. */
  retriedFrom: string
}
const answers: Answer[] = []
const connectionErrors: number[] = []
const autocannon = autocannonModule as unknown as (options: object, done: (error: Error | null, result: unknown) => void) => { stop(): void; on(event: string, listener: () => void): void }
let loadDone!: () => void
const loadFinished = new Promise<void>((resolve) => (loadDone = resolve))
const load = autocannon(
  {
    url: `${url}/v2/models/lin/infer`,
    connections,
    duration: 600,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }),
        onResponse: (status: number, body: string, _context: unknown, headers: Record<string, string | string[]> = {}) => {
          let version = ''
          try {
            version = String((JSON.parse(body) as { model_version?: string }).model_version ?? '')
          } catch {
            version = ''
          }
          const retried = Object.entries(headers).find(([key]) => key.toLowerCase() === 'modelship-retried-from')?.[1]
          answers.push({ at: performance.now(), status, version, retriedFrom: String(retried ?? '') })
        },
      },
    ],
  },
  () => loadDone(),
)
load.on('reqError', () => connectionErrors.push(performance.now()))

/** Resolves once an answer matching `test` arrived after `since`; answers it. */
function answerWhere(since: number, test: (a: Answer) => boolean): Promise<Answer> {
  return new Promise((resolve) => {
    const check = () => {
      const found = answers.find((a) => a.at >= since && test(a))
      if (found) resolve(found)
      else setImmediate(check)
    }
    check()
  })
}

const failedBetween = (from: number, to: number) => answers.filter((a) => a.at >= from && a.at < to && a.status !== 200).length + connectionErrors.filter((t) => t >= from && t < to).length
const countBetween = (from: number, to: number) => answers.filter((a) => a.at >= from && a.at < to).length
const ms = (n: number) => `${n.toFixed(0)} ms`

await answerWhere(0, (a) => a.version === v1)
const warmStart = performance.now()
await new Promise((resolve) => setTimeout(resolve, 1000))

// 1. rollout
let mark = lines.length
const rolloutCommit = deploy([{ model: 'lin', version: v2, share: 100 }], `deploy lin ${v2}`)
const firstV2 = await answerWhere(rolloutCommit, (a) => a.version === v2)
await waitFor(/reconciler: promoted lin v0\.0\.2/, mark)
const rolloutEnd = performance.now()

// 2. breach
mark = lines.length
const breachCommit = deploy([{ model: 'lin', version: v3, share: 100 }], `deploy lin ${v3}`)
const reverted = await waitFor(/reconciler: reverted lin v0\.0\.3/, mark)
await waitFor(/reconciler: committed [0-9a-f]+: rollback lin v0\.0\.3/, mark)
// Answers still on their way when the reconciler logged are in by the time git has the commit.
const breachEnd = performance.now()
// v0.0.3's refusals come back as v0.0.2's answers retried from v0.0.3 (or as 400s, naming no version, were any not retried).
const refusedByV3 = (a: Answer) => a.retriedFrom === v3 || a.status === 400
const v3Answers = answers.filter((a) => a.at >= breachCommit && a.at < breachEnd && (a.version === v3 || refusedByV3(a)))
const breaching = v3Answers.filter(refusedByV3)[9]
const lastV3 = v3Answers.at(-1)
const gitSays = git(remote, 'log', '-1', '--format=%s', 'main').trim()

// 3. manual rollback
mark = lines.length
const rollbackCommit = deploy([{ model: 'lin', version: v1, share: 100 }], `rollback lin to ${v1}`)
const firstV1 = await answerWhere(rollbackCommit, (a) => a.version === v1)
await waitFor(/reconciler: lin shares: v0\.0\.1 100%/, mark)
await answerWhere(performance.now(), () => true)
const rollbackEnd = performance.now()
load.stop()
await loadFinished

finished = true
const status = (await (await fetch(`${url}/v2/deploy/status`)).json()) as { models: Array<{ versions: unknown[] }> }
cleanUp()

const rows = [
  ['phase', 'requests', 'failed', 'measured'],
  ['steady (v0.0.1)', String(countBetween(warmStart, rolloutCommit)), String(failedBetween(warmStart, rolloutCommit)), ''],
  ['rollout v0.0.2 (canary 10%, then 100%)', String(countBetween(rolloutCommit, rolloutEnd)), String(failedBetween(rolloutCommit, rolloutEnd)), `commit → first answer by v0.0.2: ${ms(firstV2.at - rolloutCommit)} (poll ${pollSeconds}s)`],
  [
    'breached canary v0.0.3',
    String(countBetween(breachCommit, breachEnd)),
    String(failedBetween(breachCommit, breachEnd)),
    breaching && lastV3
      ? `commit → first request to v0.0.3: ${ms(v3Answers[0]!.at - breachCommit)}; breach (10th refusal) → last request to v0.0.3: ${ms(lastV3.at - breaching.at)}; v0.0.3 took ${v3Answers.length} (${v3Answers.filter((a) => a.retriedFrom === v3).length} retried on v0.0.2)`
      : `v0.0.3 answered ${v3Answers.length} (fewer than the 10 a breach needs)`,
  ],
  ['manual rollback to v0.0.1 (standby)', String(countBetween(rollbackCommit, rollbackEnd)), String(failedBetween(rollbackCommit, rollbackEnd)), `commit → first answer by v0.0.1: ${ms(firstV1.at - rollbackCommit)}`],
]
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd())
console.log(`\nreconciler: ${reverted.replace(/^reconciler: /, '')}`)
console.log(`git after the breach: ${gitSays}`)
console.log(`server status after: ${JSON.stringify(status.models[0]?.versions)}`)
console.log(`load: autocannon, ${connections} connections, ${answers.length} answers; Node ${process.versions.node}; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`)
