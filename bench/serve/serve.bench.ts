/**
 * `modelship serve` under bounded loopback load (autocannon), beside, in the same run:
 *
 * - the floor: a bare node:http server answering a fixed JSON body (bench/serve/floor.mjs);
 * - the peers a user would otherwise pick, serving the same ONNX model (churn-classifier.onnx):
 *   KServe's Python model server and MLServer (V2) and `mlflow models serve` (MLflow protocol), each
 *   from its own venv under .tools/bench-serve/ (installed with --install-peers; skipped with the
 *   reason when absent);
 * - batching: an MLP of 2.6 million weights (bench/serve/make_mlp.py) with batching on and off,
 *   beside in-process batched session.run over the same rows (the ceiling);
 * - a hot swap under load (the repository load route, again and again): failed requests must be 0;
 * - peak memory (VmHWM) of the server with 1 and with 10 loaded versions of the MLP.
 *
 *   node --import tsx bench/serve/serve.bench.ts [--duration 10] [--connections 1,16,64] [--rows 1,100]
 *       [--sections throughput,batching,swap,memory] [--peers kserve,mlserver,mlflow] [--install-peers]
 *
 * Every target runs as its own process; its CPU time (user + system of the process and its children,
 * from /proc) over a run divided by the requests answered is "server CPU per request", which holds up
 * on a shared machine better than throughput does. Latencies are autocannon's (p50, p99, ms). The
 * load generator runs in this process on the same cores, alike for every target. Every server
 * started is killed (its whole process group) on the way out, also on errors and Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import ort from 'onnxruntime-node'

const ROOT = resolve(import.meta.dirname, '../..')
const CHURN = join(ROOT, 'test/fixtures/onnx/churn-classifier.onnx')
const TOOLS = join(ROOT, '.tools/bench-serve')
const MLP = join(TOOLS, 'mlp.onnx')
const ADMIN = 'bench-admin-token-0123456789'
const PEER_PACKAGES: Record<string, string[]> = {
  kserve: ['kserve==0.21.0', 'onnxruntime==1.32.0'],
  mlserver: ['mlserver==1.7.1', 'onnxruntime==1.32.0'],
  mlflow: ['mlflow==3.17.2', 'onnxruntime==1.32.0', 'onnx'],
}
const PEER_IMPORT: Record<string, string> = { kserve: 'kserve', mlserver: 'mlserver', mlflow: 'mlflow.onnx' }

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1,16,64' },
    rows: { type: 'string', default: '1,100' },
    sections: { type: 'string', default: 'throughput,batching,swap,memory' },
    peers: { type: 'string', default: 'kserve,mlserver,mlflow' },
    'install-peers': { type: 'boolean', default: false },
  },
})
const duration = Number(values.duration)
const connectionsList = values.connections.split(',').map(Number)
const rowsList = values.rows.split(',').map(Number)
const sections = new Set(values.sections.split(','))
const peers = values.peers.split(',').filter(Boolean)
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

// ---- processes -----------------------------------------------------------------------------

const started: ChildProcess[] = []
function killAll(): void {
  for (const child of started) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue
    try {
      process.kill(-child.pid, 'SIGKILL') // the whole group: Python servers fork workers
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))

interface Target {
  name: string
  url: string
  pid: number
  child: ChildProcess
  stop(): Promise<void>
}

/** Starts a server process in its own group and waits for `ready` (with the URL in group 1) on stdout or stderr. */
async function startTarget(name: string, command: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<Target> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  started.push(child)
  let output = ''
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${timeoutMs / 1000}s:\n${output.slice(-2000)}`)), timeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = ready.exec(output)
      if (match) {
        clearTimeout(timer)
        done(match[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`${name} exited (${code}) before it was ready:\n${output.slice(-2000)}`))
    })
  })
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  return {
    name,
    url,
    pid: child.pid!,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGTERM')
        const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}

/** CPU seconds (user + system) of `pid` and every descendant, from /proc. */
function treeCpuSeconds(pid: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) })
    } catch {
      /* exited while we looked */
    }
  }
  let ticks = 0
  const queue = [pid]
  while (queue.length > 0) {
    const p = queue.pop()!
    ticks += stats.get(p)?.ticks ?? 0
    for (const [child, s] of stats) if (s.ppid === p) queue.push(child)
  }
  return ticks / TICKS
}

/** Peak and current resident memory of `pid` in MiB (VmHWM, VmRSS). */
function memoryMiB(pid: number): { peak: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0)
  return { peak: kib('VmHWM') / 1024, rss: kib('VmRSS') / 1024 }
}

// ---- load ----------------------------------------------------------------------------------

interface LoadResult {
  rps: number
  p50: number
  p99: number
  answered: number
  failed: number
  cpuMsPerRequest: number
}

async function load(target: Target, path: string, body: string, connections: number, seconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  const cpuBefore = treeCpuSeconds(target.pid)
  const result = await autocannon({
    url: `${target.url}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections,
    duration: seconds,
  })
  const cpu = treeCpuSeconds(target.pid) - cpuBefore
  const answered = result['2xx'] + result.non2xx
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    answered,
    failed: result.non2xx + result.errors + result.timeouts,
    cpuMsPerRequest: answered === 0 ? Number.NaN : (cpu * 1000) / answered,
  }
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-')
function row(cells: Array<string | number>): void {
  console.log(`| ${cells.join(' | ')} |`)
}

// ---- requests ------------------------------------------------------------------------------

function churnV2(rows: number): string {
  const col = (v: unknown) => Array.from({ length: rows }, (_, i) => (typeof v === 'number' ? v + (i % 7) : v))
  return JSON.stringify({
    inputs: [
      { name: 'tenure', datatype: 'FP32', shape: [rows, 1], data: col(3) },
      { name: 'monthly_charges', datatype: 'FP32', shape: [rows, 1], data: col(70) },
      { name: 'contract', datatype: 'BYTES', shape: [rows, 1], data: col('month-to-month') },
      { name: 'support_calls', datatype: 'FP32', shape: [rows, 1], data: col(2) },
    ],
  })
}

// MLflow's tensor form ({"inputs": {name: [[value], ...]}}): its ONNX flavour refuses a DataFrame for
// this model's [N, 1] string input ("Input must be a list of dictionaries or a single numpy array").
// Values are fractional so JSON keeps them floats (MLflow infers the dtype; the model takes float32).
function churnMlflow(rows: number): string {
  const col = (v: unknown) => Array.from({ length: rows }, (_, i) => [typeof v === 'number' ? v + (i % 7) : v])
  return JSON.stringify({ inputs: { tenure: col(3.5), monthly_charges: col(70.5), contract: col('month-to-month'), support_calls: col(2.5) } })
}

const mlpRow = Array.from({ length: 256 }, (_, i) => Math.sin(i))
const mlpV2 = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 256], data: mlpRow }] })

// ---- targets -------------------------------------------------------------------------------

const modelshipArgs = (...more: string[]) => ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--port', '0', ...more]
const MODELSHIP_READY = /serving .* on (http:\/\/\S+) /

function peerPython(peer: string): { python?: string; reason?: string } {
  const python = join(TOOLS, `${peer}-venv/bin/python`)
  const check = () => existsSync(python) && spawnSync(python, ['-c', `import ${PEER_IMPORT[peer]}, onnxruntime`], { stdio: 'ignore' }).status === 0
  if (check()) return { python }
  if (!values['install-peers']) return { reason: `not installed (${python}); pass --install-peers to pip install ${PEER_PACKAGES[peer]!.join(' ')}` }
  console.error(`installing ${peer} into ${TOOLS}/${peer}-venv (pip, minutes) ...`)
  mkdirSync(TOOLS, { recursive: true })
  const venv = spawnSync('python3', ['-m', 'venv', join(TOOLS, `${peer}-venv`)], { stdio: 'inherit' })
  const pip = venv.status === 0 ? spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PEER_PACKAGES[peer]!], { stdio: 'inherit' }) : venv
  if (pip.status !== 0 || !check()) return { reason: `pip install ${PEER_PACKAGES[peer]!.join(' ')} failed (exit ${pip.status})` }
  return { python }
}

async function startPeer(peer: string, python: string): Promise<{ target: Target; path: string; body: (rows: number) => string }> {
  const port = String(18_000 + Math.floor(Math.random() * 2000))
  const script = join(ROOT, 'bench/serve/peers', `${peer}_server.py`)
  if (peer === 'mlflow') {
    const modelDir = join(tmpdir(), `modelship-bench-mlflow-${process.pid}`)
    const save = spawnSync(python, [script, 'save', CHURN, modelDir], { encoding: 'utf8' })
    if (save.status !== 0) throw new Error(`mlflow could not save the ONNX model: ${save.stderr.slice(-1500)}`)
    // --env-manager local: the venv it runs in already has what the model needs.
    const target = await startTarget('mlflow models serve', join(python, '..', 'mlflow'), ['models', 'serve', '-m', modelDir, '-p', port, '-h', '127.0.0.1', '--env-manager', 'local'], /(Uvicorn running on|Listening at:|Application startup complete)/, {
      MLFLOW_TRACKING_URI: join(tmpdir(), 'mlruns'),
      // Its uvicorn worker is found on PATH: the venv's, not the system's.
      PATH: `${join(python, '..')}:${process.env.PATH ?? ''}`,
    })
    const url = `http://127.0.0.1:${port}`
    await untilOk(`${url}/ping`, 'mlflow models serve')
    return { target: { ...target, url }, path: '/invocations', body: churnMlflow }
  }
  const target = await startTarget(peer, python, [script, CHURN, port], /(Uvicorn running on|Application startup complete|HTTP server running on)/)
  const url = `http://127.0.0.1:${port}`
  // The HTTP server is up before the model has loaded: wait for the model's own readiness.
  await untilOk(`${url}/v2/models/churn/ready`, peer)
  return { target: { ...target, url }, path: '/v2/models/churn/infer', body: churnV2 }
}

/** Polls `url` until it answers 200 (a server's readiness), for at most two minutes. */
async function untilOk(url: string, what: string): Promise<void> {
  const deadline = Date.now() + 120_000
  for (;;) {
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`${what} never answered 200 at ${url}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

// ---- sections ------------------------------------------------------------------------------

async function throughput(): Promise<void> {
  console.log(`\n## Throughput: ${duration}s a run; churn-classifier.onnx; rows a request ${rowsList.join(', ')}\n`)
  row(['target', 'rows', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'failed', 'vs floor (req/s)'])
  row(['---', '---', '---', '---', '---', '---', '---', '---', '---'])
  const floor = await startTarget('node floor', process.execPath, [join(ROOT, 'bench/serve/floor.mjs')], /listening on (http:\/\/\S+)/)
  const floorRps = new Map<number, number>()
  try {
    for (const c of connectionsList) {
      const r = await load(floor, '/v2/models/churn/infer', churnV2(1), c, duration)
      floorRps.set(c, r.rps)
      row(['node floor (fixed JSON)', 1, c, fmt(r.rps, 0), fmt(r.p50), fmt(r.p99), fmt(r.cpuMsPerRequest, 3), r.failed, '1.00'])
    }
  } finally {
    await floor.stop()
  }
  const ours = await startTarget('modelship serve', process.execPath, modelshipArgs('--model', `churn=${CHURN}`), MODELSHIP_READY)
  const oursRps = new Map<string, number>()
  const oursCpu = new Map<string, number>()
  try {
    await load(ours, '/v2/models/churn/infer', churnV2(1), 4, 1) // warm-up, not counted
    for (const rows of rowsList) {
      for (const c of connectionsList) {
        const r = await load(ours, '/v2/models/churn/infer', churnV2(rows), c, duration)
        oursRps.set(`${rows}/${c}`, r.rps)
        oursCpu.set(`${rows}/${c}`, r.cpuMsPerRequest)
        row(['modelship serve', rows, c, fmt(r.rps, 0), fmt(r.p50), fmt(r.p99), fmt(r.cpuMsPerRequest, 3), r.failed, rows === 1 ? fmt(r.rps / floorRps.get(c)!, 2) : '-'])
      }
    }
  } finally {
    await ours.stop()
  }
  for (const peer of peers) {
    const { python, reason } = peerPython(peer)
    if (!python) {
      row([peer, '-', '-', '-', '-', '-', '-', '-', `skipped: ${reason}`])
      continue
    }
    let started: Awaited<ReturnType<typeof startPeer>> | undefined
    try {
      started = await startPeer(peer, python)
      await load(started.target, started.path, started.body(1), 4, 1)
      for (const rows of rowsList) {
        for (const c of connectionsList) {
          const r = await load(started.target, started.path, started.body(rows), c, duration)
          const mine = oursRps.get(`${rows}/${c}`)
          row([peer, rows, c, fmt(r.rps, 0), fmt(r.p50), fmt(r.p99), fmt(r.cpuMsPerRequest, 3), r.failed, `modelship ×${fmt(mine! / r.rps, 1)} req/s, ×${fmt(r.cpuMsPerRequest / oursCpu.get(`${rows}/${c}`)!, 1)} less CPU`])
        }
      }
    } catch (error) {
      row([peer, '-', '-', '-', '-', '-', '-', '-', `failed to run: ${(error as Error).message.split('\n')[0]}`])
    } finally {
      await started?.target.stop()
    }
  }
}

function ensureMlp(): void {
  if (existsSync(MLP)) return
  mkdirSync(TOOLS, { recursive: true })
  const made = spawnSync('python3', [join(ROOT, 'bench/serve/make_mlp.py'), MLP], { stdio: 'inherit' })
  if (made.status !== 0) throw new Error('bench/serve/make_mlp.py failed: it needs python3 with numpy and onnx')
}

async function batching(): Promise<void> {
  ensureMlp()
  const c = Math.max(...connectionsList)
  console.log(`\n## Batching: MLP of 2.6M weights, 1-row requests at ${c} connections, ${duration}s a run\n`)
  row(['target', 'rows/s', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'failed', 'vs ceiling'])
  row(['---', '---', '---', '---', '---', '---', '---'])
  // The ceiling: this process, one session with the server's default threads, batches of 64 rows.
  const threads = cpus().length <= 4 ? 1 : Math.floor(cpus().length / 2)
  const session = await ort.InferenceSession.create(MLP, { intraOpNumThreads: threads, interOpNumThreads: 1 })
  const batch = new Float32Array(64 * 256)
  for (let i = 0; i < 64; i++) batch.set(mlpRow, i * 256)
  const feeds = { input: new ort.Tensor('float32', batch, [64, 256]) }
  await session.run(feeds)
  const until = performance.now() + duration * 1000
  let rows = 0
  const cpu0 = process.cpuUsage()
  while (performance.now() < until) {
    await session.run(feeds)
    rows += 64
  }
  const ceilingCpu = process.cpuUsage(cpu0)
  await session.release()
  const ceiling = rows / duration
  row(['in-process session.run, batches of 64 (ceiling)', fmt(ceiling, 0), '-', '-', fmt((ceilingCpu.user + ceilingCpu.system) / 1000 / rows, 3), 0, '1.00'])
  for (const [label, flags] of [['modelship serve, batching on (max 64 rows, 500 µs)', []], ['modelship serve, batching off', ['--no-batching']]] as const) {
    const target = await startTarget('modelship serve', process.execPath, modelshipArgs('--model', `mlp=${MLP}`, ...flags), MODELSHIP_READY)
    try {
      await load(target, '/v2/models/mlp/infer', mlpV2, 4, 1)
      const r = await load(target, '/v2/models/mlp/infer', mlpV2, c, duration)
      row([label, fmt(r.rps, 0), fmt(r.p50), fmt(r.p99), fmt(r.cpuMsPerRequest, 3), r.failed, fmt(r.rps / ceiling, 2)])
    } finally {
      await target.stop()
    }
  }
}

async function swap(): Promise<void> {
  const copy = join(tmpdir(), `modelship-bench-churn-${process.pid}.onnx`)
  copyFileSync(CHURN, copy)
  console.log(`\n## Hot swap under load: 16 connections, ${duration}s, the version reloaded again and again\n`)
  const target = await startTarget('modelship serve', process.execPath, modelshipArgs('--model', `churn=${CHURN}`), MODELSHIP_READY, { MODELSHIP_SERVE_ADMIN_TOKENS: ADMIN })
  try {
    let done = false
    const running = load(target, '/v2/models/churn/infer', churnV2(1), 16, duration).finally(() => (done = true))
    let swaps = 0
    let swapFailures = 0
    while (!done) {
      const res = await fetch(`${target.url}/v2/repository/models/churn/load`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ parameters: { source: swaps % 2 === 0 ? copy : CHURN } }) })
      if (res.status === 200) swaps++
      else swapFailures++
      await res.arrayBuffer()
    }
    const r = await running
    row(['swaps', 'swap failures', 'requests answered', 'failed requests', 'req/s', 'p99 ms'])
    row(['---', '---', '---', '---', '---', '---'])
    row([swaps, swapFailures, r.answered, r.failed, fmt(r.rps, 0), fmt(r.p99)])
  } finally {
    await target.stop()
  }
}

async function memory(): Promise<void> {
  ensureMlp()
  console.log('\n## Peak memory: the MLP (10.5 MB of weights), after loading and 2s of load at 16 connections\n')
  row(['loaded versions', 'peak RSS MiB (VmHWM)', 'RSS MiB after'])
  row(['---', '---', '---'])
  for (const n of [1, 10]) {
    const config = join(tmpdir(), `modelship-bench-serve-${process.pid}-${n}.yaml`)
    const models = Array.from({ length: n }, (_, i) => `  - { name: mlp, version: v${i + 1}, source: ${JSON.stringify(MLP)}, weight: 1 }`)
    writeFileSync(config, `models:\n${models.join('\n')}\n`)
    const target = await startTarget('modelship serve', process.execPath, modelshipArgs('--config', config), MODELSHIP_READY)
    try {
      await load(target, '/v2/models/mlp/infer', mlpV2, 16, 2)
      const m = memoryMiB(target.pid)
      row([n, fmt(m.peak, 0), fmt(m.rss, 0)])
    } finally {
      await target.stop()
    }
  }
}

console.log(`# bench/serve: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}`)
try {
  if (sections.has('throughput')) await throughput()
  if (sections.has('batching')) await batching()
  if (sections.has('swap')) await swap()
  if (sections.has('memory')) await memory()
} finally {
  killAll()
}
console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
