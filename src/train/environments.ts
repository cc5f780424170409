/**
 * Training environments. `python`: a virtualenv built from the requirements file, kept under
 * `<stateDir>/envs/<hash>` and reused while the interpreter version and the requirements stay the same;
 * built with uv when it is on PATH (far faster than venv + pip, and uv's cache links package files
 * into each environment instead of copying them, so models and clones share one copy), else with pip.
 * `node`: the `node` on PATH must have the asked-for version; `npm ci` runs when a package-lock.json
 * sits in the working directory and the lock or Node changed since the last install. `none`: the
 * runner's PATH as it is.
 */
import { access, mkdir, readFile, rm } from 'node:fs/promises'
import { delimiter, join, resolve } from 'node:path'
import { TrainError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-file.js'
import { sha256 } from '../fs/sha256.js'
import { capture } from './capture.js'
import { canonicalJson } from './hash.js'
import type { TrainLogger } from './logger.js'
import { formatArgv, runCommand, type CommandResult } from './run-command.js'

/** The environment a spec asks for (`train.environment`); `requirements` is relative to the working directory. */
export type TrainEnvironmentOptions =
  | { kind: 'none' }
  | { kind: 'python'; version?: string; requirements?: string }
  | { kind: 'node'; version?: string }

/** Facts about the environment a run used, as kept in run.json. */
export interface EnvironmentFacts {
  kind: 'none' | 'python' | 'node'
  /** Hash of what decides the environment's contents (part of the training cache key). */
  key: string
  /** `process.platform-process.arch` of the runner, e.g. `linux-x64`. */
  platform: string
  python?: {
    /** Full interpreter version, e.g. `3.11.7`. */
    version: string
    /** Interpreter the virtualenv was made from. */
    executable: string
    /** Requirements file relative to the working directory, when one is used. */
    requirements?: string
    requirementsSha256?: string
    /** The virtualenv folder. */
    venv: string
    /** `pip freeze` of the virtualenv (empty when nothing was installed). */
    packages: string[]
    /** What built the virtualenv (uv when it was on PATH, else venv and pip). */
    installer?: PythonInstaller
  }
  node?: {
    /** `node --version` without the `v`, e.g. `20.11.1`. */
    version: string
    /** package-lock.json's sha256 when `npm ci` installed dependencies. */
    lockfileSha256?: string
  }
}

/** The environment resolved before any install: its key is known, nothing is built yet. */
export interface EnvironmentPlan {
  facts: EnvironmentFacts
  /** Builds or reuses the environment; resolves to what the command's environment needs. */
  prepare(log: TrainLogger): Promise<PreparedEnvironment>
}

/** What running inside the environment takes. */
export interface PreparedEnvironment {
  facts: EnvironmentFacts
  /** Folders to put first on PATH, in order. */
  pathPrefix: string[]
  /** Variables to set for the command. */
  variables: Record<string, string>
}

/** What builds Python environments: `uv` (venv and install in one fast tool) or `pip` (the venv module and pip). */
export type PythonInstaller = 'uv' | 'pip'

/** Variable that picks the installer (`uv` or `pip`) instead of the default: uv when it is on PATH. */
export const PYTHON_INSTALLER_VARIABLE = 'MODELSHIP_PYTHON_INSTALLER'

/** Where and with what the environment is resolved. */
export interface EnvironmentContext {
  /** What builds a Python environment; default {@link PYTHON_INSTALLER_VARIABLE}, else uv when on PATH, else pip. */
  installer?: PythonInstaller
  /** Absolute working directory of the training command. */
  workingDirectory: string
  /** Folder holding `envs/` (the virtualenvs). */
  stateDir: string
  /** The environment programs are looked up in (its PATH). */
  env: NodeJS.ProcessEnv
}

const PLATFORM = `${process.platform}-${process.arch}`

/** Marker written last into a virtualenv, so a half-built one is never reused. */
const VENV_READY = '.modelship-ready.json'

/** Marker npm ci's result is keyed by, inside node_modules. */
const NODE_READY = '.modelship-env.json'

/** Resolves the interpreter and computes the environment key; builds nothing. */
export async function planEnvironment(
  options: TrainEnvironmentOptions,
  context: EnvironmentContext,
): Promise<EnvironmentPlan> {
  switch (options.kind) {
    case 'none': {
      const facts: EnvironmentFacts = { kind: 'none', key: sha256(canonicalJson({ kind: 'none', platform: PLATFORM })), platform: PLATFORM }
      return { facts, prepare: async () => ({ facts, pathPrefix: [], variables: {} }) }
    }
    case 'python':
      return planPython(options, context)
    case 'node':
      return planNode(options, context)
  }
}

async function planPython(
  options: { version?: string; requirements?: string },
  context: EnvironmentContext,
): Promise<EnvironmentPlan> {
  const interpreter = await findPython(options.version, context)
  let requirementsText: string | undefined
  let requirementsPath: string | undefined
  if (options.requirements !== undefined) {
    requirementsPath = resolve(context.workingDirectory, options.requirements)
    try {
      requirementsText = await readFile(requirementsPath, 'utf8')
    } catch {
      throw new TrainError(
        `train.environment.requirements: '${options.requirements}' was not found in the working directory ` +
          `(${requirementsPath}); add the file or fix the path (it is relative to train.working-directory)`,
      )
    }
  }
  const requirementsSha256 = requirementsText === undefined ? undefined : sha256(requirementsText)
  const key = sha256(
    canonicalJson({ kind: 'python', version: interpreter.version, platform: PLATFORM, requirementsSha256 }),
  )
  // A different interpreter of the same version gets a virtualenv of its own: a venv points at its base.
  const venv = join(context.stateDir, 'envs', sha256(`${key}\0${interpreter.executable}`).slice(0, 16))
  const facts: EnvironmentFacts = {
    kind: 'python',
    key,
    platform: PLATFORM,
    python: {
      version: interpreter.version,
      executable: interpreter.executable,
      ...(options.requirements !== undefined ? { requirements: options.requirements, requirementsSha256 } : {}),
      venv,
      packages: [],
    },
  }
  const needsPip = requirementsText !== undefined && hasRequirements(requirementsText)
  return {
    facts,
    prepare: async (log) => {
      const { packages, installer } = await ensureVenv({
        venv,
        key,
        interpreter: interpreter.executable,
        requirementsPath: needsPip ? requirementsPath : undefined,
        context,
        log,
      })
      const prepared: EnvironmentFacts = { ...facts, python: { ...facts.python!, packages, installer } }
      return { facts: prepared, pathPrefix: [join(venv, 'bin')], variables: { VIRTUAL_ENV: venv } }
    },
  }
}

/** True when a requirements file names anything to install (not only blank lines and comments). */
export function hasRequirements(text: string): boolean {
  return text.split(/\r?\n/).some((line) => line.replace(/(^|\s)#.*$/, '').trim() !== '')
}

async function findPython(
  version: string | undefined,
  context: EnvironmentContext,
): Promise<{ version: string; executable: string }> {
  const candidates = version === undefined ? ['python3', 'python'] : [`python${version}`, 'python3', 'python']
  const found: string[] = []
  for (const candidate of candidates) {
    const result = await capture(
      candidate,
      ['-c', 'import platform, sys; print(platform.python_version()); print(sys.executable)'],
      { cwd: context.workingDirectory, env: context.env },
    )
    if (result.code !== 0) continue
    const [full = '', executable = ''] = result.stdout.trim().split(/\r?\n/)
    if (version === undefined || versionMatches(full, version)) return { version: full, executable }
    found.push(`${candidate} ${full} (${executable})`)
  }
  if (found.length === 0) {
    throw new TrainError(
      `train.environment.python: no Python interpreter on PATH (looked for ${candidates.join(', ')}); ` +
        `install Python on the runner, e.g. a step 'uses: actions/setup-python' with python-version: '${version ?? '3.x'}' before training`,
    )
  }
  throw new TrainError(
    `train.environment.python: wants Python ${version} but found ${found.join(', ')}; ` +
      `install ${version} on the runner (actions/setup-python with python-version: '${version}') or change train.environment.python`,
  )
}

/** True when `actual` (e.g. `3.11.7`, `v20.1.0`) is the asked-for `wanted` (`3.11`, `20`, `v20.1`). */
export function versionMatches(actual: string, wanted: string): boolean {
  const a = actual.replace(/^v/, '')
  const w = String(wanted).replace(/^v/, '')
  return a === w || a.startsWith(`${w}.`)
}

/**
 * The installer to use: the one asked for (context, then {@link PYTHON_INSTALLER_VARIABLE}), else uv
 * when `uv --version` runs, else pip. A variable naming neither is an error, not silently ignored.
 */
async function chooseInstaller(context: EnvironmentContext): Promise<PythonInstaller> {
  const asked = context.installer ?? (context.env[PYTHON_INSTALLER_VARIABLE]?.trim() || undefined)
  if (asked !== undefined && asked !== 'uv' && asked !== 'pip') {
    throw new TrainError(`${PYTHON_INSTALLER_VARIABLE} is '${asked}'; expected 'uv' or 'pip' (or unset: uv when it is on PATH, else pip)`)
  }
  const uv = await capture('uv', ['--version'], { cwd: context.workingDirectory, env: context.env })
  if (asked === 'uv' && uv.code !== 0) {
    throw new TrainError(`${PYTHON_INSTALLER_VARIABLE} is 'uv' but uv is not on PATH; install it (pip install uv, or astral-sh/setup-uv on a runner) or unset ${PYTHON_INSTALLER_VARIABLE}`)
  }
  return asked ?? (uv.code === 0 ? 'uv' : 'pip')
}

async function ensureVenv(options: {
  venv: string
  key: string
  interpreter: string
  requirementsPath: string | undefined
  context: EnvironmentContext
  log: TrainLogger
}): Promise<{ packages: string[]; installer?: PythonInstaller }> {
  const { venv, log } = options
  const ready = await readJson<{ key?: string; packages?: string[]; installer?: PythonInstaller }>(join(venv, VENV_READY))
  if (ready?.key === options.key && (await runs(join(venv, 'bin', 'python')))) {
    log.info(`Reusing the Python environment ${venv} (${ready.packages?.length ?? 0} packages)`)
    return { packages: ready.packages ?? [], ...(ready.installer !== undefined ? { installer: ready.installer } : {}) }
  }
  const installer = await chooseInstaller(options.context)
  // Anything here without the ready marker is a build that did not finish: start over.
  await rm(venv, { recursive: true, force: true })
  await mkdir(join(venv, '..'), { recursive: true })
  if (installer === 'uv') return { packages: await buildWithUv(options), installer }
  log.info(`Creating the Python environment ${venv} (venv and pip; uv is faster when it is on PATH)`)
  // Always without pip: bootstrapping pip into every venv costs seconds, and the base interpreter's
  // pip can install into it (below).
  await runStep([options.interpreter, '-m', 'venv', '--without-pip', venv], options.context, log, 'could not create a virtualenv')
  let packages: string[] = []
  const python = join(venv, 'bin', 'python')
  if (options.requirementsPath !== undefined) {
    const pip = await pipFor(options.interpreter, python, options.context, log)
    await runStep(
      [...pip, 'install', '--disable-pip-version-check', '--no-input', '-r', options.requirementsPath],
      options.context,
      log,
      'pip could not install the requirements',
    )
    const freeze = await capture(pip[0]!, [...pip.slice(1), 'freeze', '--disable-pip-version-check'], {
      cwd: options.context.workingDirectory,
      env: options.context.env,
    })
    packages = freeze.stdout.split(/\r?\n/).filter((line) => line.trim() !== '')
  }
  await writeFileAtomic(join(venv, VENV_READY), canonicalJson({ key: options.key, packages, installer: 'pip' }))
  return { packages, installer }
}

/**
 * Builds the virtualenv with uv: `uv venv` from the resolved interpreter (uv never downloads
 * another), `uv pip install -r`, `uv pip freeze`. uv's cache (~/.cache/uv, or UV_CACHE_DIR) keeps
 * each package once and links it into every environment.
 */
async function buildWithUv(options: {
  venv: string
  key: string
  interpreter: string
  requirementsPath: string | undefined
  context: EnvironmentContext
  log: TrainLogger
}): Promise<string[]> {
  const { venv, log, context } = options
  log.info(`Creating the Python environment ${venv} with uv`)
  const env = { ...context.env, UV_PYTHON_DOWNLOADS: 'never', UV_NO_PROGRESS: '1' }
  const uvContext = { ...context, env }
  await runStep(['uv', 'venv', '--quiet', '--python', options.interpreter, venv], uvContext, log, 'uv could not create a virtualenv')
  const python = join(venv, 'bin', 'python')
  let packages: string[] = []
  if (options.requirementsPath !== undefined) {
    await runStep(['uv', 'pip', 'install', '--python', python, '-r', options.requirementsPath], uvContext, log, 'uv could not install the requirements')
    const freeze = await capture('uv', ['pip', 'freeze', '--python', python], { cwd: context.workingDirectory, env })
    packages = freeze.stdout.split(/\r?\n/).filter((line) => line.trim() !== '')
  }
  await writeFileAtomic(join(venv, VENV_READY), canonicalJson({ key: options.key, packages, installer: 'uv' }))
  return packages
}

/**
 * The pip command that installs into the venv: the base interpreter's pip with `--python <venv>`
 * (pip 22.3 or later), else pip bootstrapped into the venv with ensurepip.
 */
async function pipFor(interpreter: string, venvPython: string, context: EnvironmentContext, log: TrainLogger): Promise<string[]> {
  const probe = await capture(interpreter, ['-m', 'pip', '--version'], { cwd: context.workingDirectory, env: context.env })
  const version = /^pip (\d+)\.(\d+)/.exec(probe.stdout)
  if (probe.code === 0 && version !== null && Number(version[1]) * 1000 + Number(version[2]) >= 22_003) {
    return [interpreter, '-m', 'pip', '--python', venvPython]
  }
  await runStep([venvPython, '-m', 'ensurepip', '--default-pip'], context, log, 'could not install pip into the virtualenv')
  return [venvPython, '-m', 'pip']
}

async function planNode(options: { version?: string }, context: EnvironmentContext): Promise<EnvironmentPlan> {
  const probe = await capture('node', ['--version'], { cwd: context.workingDirectory, env: context.env })
  if (probe.code !== 0) {
    throw new TrainError(
      `train.environment.node: no node on PATH; install Node.js on the runner ` +
        `(a step 'uses: actions/setup-node' with node-version: '${options.version ?? 'lts/*'}') before training`,
    )
  }
  const version = probe.stdout.trim().replace(/^v/, '')
  if (options.version !== undefined && !versionMatches(version, options.version)) {
    throw new TrainError(
      `train.environment.node: wants Node.js ${options.version} but node on PATH is ${version}; ` +
        `install ${options.version} on the runner (actions/setup-node with node-version: '${options.version}') or change train.environment.node`,
    )
  }
  const lockPath = join(context.workingDirectory, 'package-lock.json')
  const lockText = await readFile(lockPath, 'utf8').catch(() => undefined)
  const lockfileSha256 = lockText === undefined ? undefined : sha256(lockText)
  const key = sha256(canonicalJson({ kind: 'node', version, platform: PLATFORM, lockfileSha256 }))
  const facts: EnvironmentFacts = {
    kind: 'node',
    key,
    platform: PLATFORM,
    node: { version, ...(lockfileSha256 !== undefined ? { lockfileSha256 } : {}) },
  }
  return {
    facts,
    prepare: async (log) => {
      if (lockfileSha256 !== undefined) await ensureNodeModules(key, context, log)
      return { facts, pathPrefix: [], variables: {} }
    },
  }
}

async function ensureNodeModules(key: string, context: EnvironmentContext, log: TrainLogger): Promise<void> {
  const marker = join(context.workingDirectory, 'node_modules', NODE_READY)
  if ((await readJson<{ key?: string }>(marker))?.key === key) {
    log.info('Reusing node_modules (package-lock.json and Node.js unchanged)')
    return
  }
  log.info('Installing dependencies with npm ci')
  await runStep(['npm', 'ci', '--no-audit', '--no-fund'], { ...context, env: withoutModelshipNpmConfig(context.env) }, log, 'npm ci failed')
  await mkdir(join(context.workingDirectory, 'node_modules'), { recursive: true })
  await writeFileAtomic(marker, canonicalJson({ key }))
}

/**
 * `npm run modelship` in Modelship's own clone hands its children npm's settings for that clone as
 * npm_config_* variables, ignore-scripts=true among them. The training environment's npm ci must read
 * the working directory's own settings, as on a runner, so that one setting is not passed on.
 */
export function withoutModelshipNpmConfig(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.npm_package_name !== 'modelship') return env
  const { npm_config_ignore_scripts: _ignored, ...rest } = env
  return rest
}

async function runStep(
  argv: string[],
  context: EnvironmentContext,
  log: TrainLogger,
  what: string,
): Promise<void> {
  const result: CommandResult = await runCommand({ argv, cwd: context.workingDirectory, env: context.env, log })
  if (result.outcome === 'succeeded') return
  const how =
    result.outcome === 'not-found'
      ? `'${argv[0]}' was not found on PATH`
      : result.exitCode !== null
        ? `exit code ${result.exitCode}`
        : `${result.outcome} ${result.signal ?? ''}`.trim()
  throw new TrainError(
    `train.environment: ${what} (${formatArgv(argv)}: ${how}). Last lines of its output:\n` +
      result.tail.map((line) => `  ${line}`).join('\n'),
  )
}

/** PATH with `prefix` folders first. */
export function prependPath(prefix: readonly string[], path: string | undefined): string {
  return [...prefix, ...(path ? [path] : [])].join(delimiter)
}

async function runs(program: string): Promise<boolean> {
  try {
    await access(program)
  } catch {
    return false
  }
  return (await capture(program, ['-c', ''])).code === 0
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T
  } catch {
    return undefined
  }
}
