/**
 * `modelship serve`: the inference server, from a YAML configuration (the documented way) or flags.
 * Runs until SIGTERM or SIGINT, then drains: stops accepting, finishes in-flight requests, exits 0.
 */
import { resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { defineCommand } from '../command.js'
import { VERSION } from '../version.js'

function intOption(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag} '${value}' is not a whole number of at least ${min}`)
  return n
}

/** The serve command. */
export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'serve models over the Open Inference Protocol (KServe V2) and MLflow scoring',
  usage: '[--config serve.yaml] [--model <source>...] [options]',
  description: [
    'Loads each model and answers, on one port:',
    '  V2 (KServe Open Inference Protocol): GET /v2, /v2/health/live, /v2/health/ready,',
    '    /v2/models/{m}[/versions/{v}][/ready], POST /v2/models/{m}[/versions/{v}]/infer (JSON, or',
    '    the binary tensor extension with Inference-Header-Content-Length); admin: POST',
    '    /v2/repository/index, /v2/repository/models/{m}/load|unload.',
    '  MLflow: POST /invocations (dataframe_split, dataframe_records, instances, inputs, text/csv),',
    '    GET /ping, /health, /version. With several models, name one in the x-model-name header.',
    'A source is a model.onnx, a run folder holding one, or a registry reference (churn#production,',
    'churn@v0.0.3, churn@latest) downloaded and checked against its recorded sha256s before it loads;',
    'write name=source to choose the served name. Pin a version with /versions/{v} or the',
    'x-model-version header; otherwise traffic follows the versions\' weights, the same for the same',
    'x-request-id or request id.',
    'Tokens: MODELSHIP_SERVE_TOKENS (inference) and MODELSHIP_SERVE_ADMIN_TOKENS (repository routes),',
    'or the files below; one per line, several for rotation. Health routes stay open.',
    'The way to configure is a YAML file (--config) whose keys are these flags\' names, with a models:',
    'list of {name, source, version, weight, sessions, intra-op-threads, batching: {enabled,',
    'max-batch-size, max-queue-delay-us}, allow-non-finite}; flags override the file.',
    'With --environment NAME the server follows deploy/NAME.yaml in the --repo clone instead of --model:',
    'new versions are downloaded, verified, smoke-tested, watched as a canary (the spec\'s deploy[].canary),',
    'then promoted or reverted, and git is told with a commit; GET /v2/deploy/status says what is live and',
    'POST /v2/repository/reconcile (admin) fetches now.',
    'GET /metrics: Prometheus text (requests, latency split into queue and compute, batch sizes,',
    'queue depth, loaded versions, prediction log drops, process); open like Triton\'s and KServe\'s',
    'unless --metrics token. Every inference answer carries Server-Timing: queue;dur=…, compute;dur=….',
    'Prediction log (--prediction-log-dir): a sampled share of requests with their outputs, as Arrow IPC',
    'files <dir>/<model>/<version>/predictions-<UTC time>-<seq>.arrow (written as .arrow.partial until',
    'rotated), for modelship drift; the README has the format.',
  ].join('\n'),
  options: {
    config: { type: 'string', valueName: '<file>', description: 'YAML configuration (see above)' },
    model: { type: 'string', multiple: true, valueName: '<[name=]source>', description: 'a model to serve; may be given more than once' },
    host: { type: 'string', valueName: '<address>', description: 'address to listen on (default 127.0.0.1; 0.0.0.0 in a container)' },
    port: { type: 'string', valueName: '<port>', description: 'port (default 8080; 0 picks a free one)' },
    'token-file': { type: 'string', valueName: '<file>', description: 'inference bearer tokens, one per line (with MODELSHIP_SERVE_TOKENS)' },
    'admin-token-file': { type: 'string', valueName: '<file>', description: 'admin tokens for the repository routes (with MODELSHIP_SERVE_ADMIN_TOKENS); none: those routes answer 403' },
    'request-timeout-ms': { type: 'string', valueName: '<ms>', description: 'longest an inference may take before a 408 (default 5000)' },
    'max-in-flight': { type: 'string', valueName: '<n>', description: 'requests admitted at once before a 429 with Retry-After (default 256)' },
    'max-body-bytes': { type: 'string', valueName: '<bytes>', description: 'largest request body before a 413 (default 33554432)' },
    'client-timeout-ms': { type: 'string', valueName: '<ms>', description: 'longest a client may take to send a request before it is cut off (default 30000)' },
    'intra-op-threads': { type: 'string', valueName: '<n>', description: 'onnxruntime threads per session (default 1 on up to 4 cores, else half the cores)' },
    sessions: { type: 'string', valueName: '<n>', description: 'sessions per model version, run side by side (default 1)' },
    'max-batch-size': { type: 'string', valueName: '<rows>', description: 'dynamic batching: most rows in one run (default 64)' },
    'max-queue-delay-us': { type: 'string', valueName: '<µs>', description: 'dynamic batching: longest a request waits for others (default 500)' },
    'no-batching': { type: 'boolean', description: 'run each request on its own' },
    metrics: { type: 'string', valueName: '<open|token|off>', choices: ['open', 'token', 'off'], description: 'who may read GET /metrics (default open; token: an inference token)' },
    'prediction-log-dir': { type: 'string', valueName: '<dir>', description: 'log a sample of predictions to Arrow IPC files under <dir> (off by default)' },
    'prediction-log-sample': { type: 'string', valueName: '<share>', description: 'share of requests logged, 0 to 1 (default 1)' },
    'prediction-log-max-bytes': { type: 'string', valueName: '<bytes>', description: 'rotate a log file before it passes this size (default 67108864)' },
    'prediction-log-max-age': { type: 'string', valueName: '<duration>', description: 'rotate a log file once it is this old: 30s, 10m, 1h (default 1h)' },
    backend: { type: 'string', valueName: '<auto|local|github>', choices: ['auto', 'local', 'github'], default: 'auto', description: 'where registry references are resolved' },
    environment: { type: 'string', valueName: '<name>', description: 'follow deploy/<name>.yaml in git (the reconciler): canary, promote or revert; no --model' },
    repo: { type: 'string', valueName: '<dir>', description: 'with --environment: the clone to fetch into (default the current folder); its work tree is never touched' },
    branch: { type: 'string', valueName: '<name>', description: 'with --environment: the branch holding the desired state (default main)' },
    poll: { type: 'string', valueName: '<seconds>', description: 'with --environment: seconds between fetches (default 30); POST /v2/repository/reconcile pokes it' },
    'state-dir': { type: 'string', valueName: '<dir>', description: 'with --environment: where live versions are kept (default <repo>/.modelship/reconciler/<name>)' },
  },
  maxPositionals: 0,
  examples: [
    'modelship serve --model models/churn/model.onnx',
    'modelship serve --model churn#production --host 0.0.0.0 --port 8080',
    'modelship serve --config serve.yaml',
  ],
  async run({ values }, io) {
    const serveCore = await import('../../serve/index.js')
    const config = values.config !== undefined ? await serveCore.readServeConfig(resolve(io.cwd, values.config)) : serveCore.ServeConfigSchema.parse({})
    const batching = {
      ...(values['no-batching'] === true ? { enabled: false } : {}),
      ...(values['max-batch-size'] !== undefined ? { 'max-batch-size': intOption(values['max-batch-size'], 'max-batch-size', 1) } : {}),
      ...(values['max-queue-delay-us'] !== undefined ? { 'max-queue-delay-us': intOption(values['max-queue-delay-us'], 'max-queue-delay-us', 0) } : {}),
    }
    for (const text of values.model ?? []) {
      const source = serveCore.parseModelSource(text)
      config.models.push({ source: source.source, ...(source.name ? { name: source.name } : {}) })
    }
    if (Object.keys(batching).length > 0) for (const m of config.models) m.batching = { ...m.batching, ...batching }
    const numbers = ['port', 'request-timeout-ms', 'max-in-flight', 'max-body-bytes', 'client-timeout-ms', 'intra-op-threads', 'sessions'] as const
    for (const key of numbers) {
      const n = intOption(values[key], key, key === 'port' ? 0 : 1)
      if (n !== undefined) config[key] = n
    }
    if (values.host !== undefined) config.host = values.host
    if (values['token-file'] !== undefined) config['token-file'] = resolve(io.cwd, values['token-file'])
    if (values['admin-token-file'] !== undefined) config['admin-token-file'] = resolve(io.cwd, values['admin-token-file'])
    if (values.metrics !== undefined) config.metrics = values.metrics as 'open' | 'token' | 'off'
    applyPredictionLogFlags(values, config, io.cwd)
    if (values.environment !== undefined) return await serveEnvironmentCommand(values, config, io)
    if (config.models.length === 0) throw new UsageError('no model to serve; give --model <path or churn#production> or a --config file with models:')

    const { openRegistry } = await import('../../registry/index.js')
    const handle = await serveCore.serve({
      config,
      cwd: io.cwd,
      env: process.env,
      registry: () => openRegistry({ backend: values.backend as 'auto' | 'local' | 'github', repoDir: io.cwd }),
      log: (line) => io.err(`${line}\n`),
      version: VERSION,
    })
    io.err(`serving ${handle.store.names().join(', ')} on ${handle.url} (V2 at /v2, MLflow at /invocations)\n`)
    const signal = await new Promise<string>((done) => {
      process.once('SIGTERM', () => done('SIGTERM'))
      process.once('SIGINT', () => done('SIGINT'))
    })
    io.err(`${signal}: draining (no new connections, finishing requests in flight)\n`)
    await handle.drain()
    io.err('drained; exiting\n')
    return 0
  },
})

/** The --prediction-log-* flags onto the configuration's `prediction-log` (flags win). */
function applyPredictionLogFlags(values: Record<string, string | boolean | string[] | undefined>, config: import('../../serve/index.js').ServeConfigFile, cwd: string): void {
  const str = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined)
  const dir = str('prediction-log-dir')
  const sample = str('prediction-log-sample')
  const maxBytes = str('prediction-log-max-bytes')
  const maxAge = str('prediction-log-max-age')
  if (dir === undefined && sample === undefined && maxBytes === undefined && maxAge === undefined) return
  const base = config['prediction-log']
  if (dir === undefined && !base) throw new UsageError('--prediction-log-sample, -max-bytes and -max-age need --prediction-log-dir <dir> (or prediction-log: {dir} in the --config file)')
  const log = { ...base, dir: dir !== undefined ? resolve(cwd, dir) : base!.dir }
  if (sample !== undefined) {
    const share = Number(sample)
    if (sample.trim() === '' || !Number.isFinite(share) || share < 0 || share > 1) throw new UsageError(`--prediction-log-sample '${sample}' is not a share between 0 and 1, e.g. 0.1 for one request in ten`)
    log.sample = share
  }
  if (maxBytes !== undefined) log['max-bytes'] = intOption(maxBytes, 'prediction-log-max-bytes', 4096)
  if (maxAge !== undefined) {
    if (!/^([1-9]\d{0,5})(s|m|h|d|w)$/.test(maxAge)) throw new UsageError(`--prediction-log-max-age '${maxAge}' is not a duration; write a whole number and a unit: 30s, 10m, 1h, 1d`)
    log['max-age'] = maxAge
  }
  config['prediction-log'] = log
}

/** `--environment`: the reconciler decides what serves; runs until SIGTERM or SIGINT, then drains. */
async function serveEnvironmentCommand(
  values: Record<string, string | boolean | string[] | undefined>,
  config: import('../../serve/index.js').ServeConfigFile,
  io: { cwd: string; err(text: string): void },
): Promise<number> {
  const { serveEnvironment } = await import('../../deploy/reconciler/index.js')
  const { openRegistry } = await import('../../registry/index.js')
  const str = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined)
  const environment = str('environment')!
  const repoDir = resolve(io.cwd, str('repo') ?? '.')
  const pollSeconds = intOption(str('poll'), 'poll', 1) ?? 30
  const server = await serveEnvironment({
    environment,
    repoDir,
    pollSeconds,
    config,
    env: process.env,
    log: (line) => io.err(`${line}\n`),
    registry: () => openRegistry({ backend: (str('backend') ?? 'auto') as 'auto' | 'local' | 'github', repoDir }),
    version: VERSION,
    ...(str('branch') ? { branch: str('branch')! } : {}),
    ...(str('state-dir') ? { stateDir: resolve(io.cwd, str('state-dir')!) } : {}),
  })
  io.err(`serving environment ${environment} from ${repoDir} on ${server.handle.url} (status at GET /v2/deploy/status; poll every ${pollSeconds}s)\n`)
  const signal = await new Promise<string>((done) => {
    process.once('SIGTERM', () => done('SIGTERM'))
    process.once('SIGINT', () => done('SIGINT'))
  })
  io.err(`${signal}: draining (no new connections, finishing requests in flight)\n`)
  await server.drain()
  io.err('drained; exiting\n')
  return 0
}
