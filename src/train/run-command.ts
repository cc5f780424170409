/**
 * Runs one attempt of a training command: the argv is spawned directly (never through a shell, so a
 * pull request cannot smuggle shell syntax into it), in its own process group so a timeout or a
 * cancel stops the whole tree (data loader workers included), with output streamed line by line.
 * When the command ends, every process it started is killed, also those that left its process
 * group ({@link ProcessTreeGuard}): nothing of it may run on and change its outputs after the check.
 */
import { spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { TrainError } from '../errors.js'
import type { TrainLogger } from './logger.js'
import { ProcessTreeGuard } from './process-tree.js'

/** How many of the command's last output lines a failure message quotes. */
export const TAIL_LINES = 20

/** Longest output line kept whole (characters); longer ones are split so memory stays bounded. */
const MAX_LINE_LENGTH = 64 * 1024

/** What to run and how. */
export interface CommandOptions {
  /** Program and arguments; the program is looked up on `env.PATH` unless it contains a slash. */
  argv: readonly string[]
  /** Absolute working directory; it must exist. */
  cwd: string
  /** The complete environment of the command (nothing is inherited beyond it). */
  env: NodeJS.ProcessEnv
  /** Stop the command after this many milliseconds; 0 or undefined means no limit. */
  timeoutMs?: number
  /** Time between SIGTERM and SIGKILL when stopping the command, in milliseconds (default 10,000). */
  killGraceMs?: number
  /** Aborting it stops the command the same way as a timeout, but the outcome is `cancelled`. */
  signal?: AbortSignal
  log: TrainLogger
  /** How often the command's process tree is scanned for processes to kill at its end, ms (default 200). */
  processScanMs?: number
  /** Run the command as this user and group (needs root); default this process's own. */
  user?: { uid: number; gid: number }
}

/**
 * How an attempt ended. `not-found`/`not-executable`: the program could not start; `exited`: non-zero
 * exit code; `signalled`: killed by a signal nobody in Modelship sent; `timed-out`/`cancelled`: stopped
 * by Modelship.
 */
export type CommandOutcome =
  | 'succeeded'
  | 'exited'
  | 'signalled'
  | 'timed-out'
  | 'cancelled'
  | 'not-found'
  | 'not-executable'

/** The result of one attempt; the command's output itself went to the logger. */
export interface CommandResult {
  outcome: CommandOutcome
  /** Exit code when the process exited on its own, else null. */
  exitCode: number | null
  /** The signal that ended the process, else null. */
  signal: NodeJS.Signals | null
  /** The last {@link TAIL_LINES} lines of stdout and stderr, in the order they arrived. */
  tail: string[]
  /** Pids of processes the command left running when it ended; they were killed. */
  strays: number[]
  startedAt: Date
  endedAt: Date
}

/**
 * Runs the command to its end and reports how it ended. Never throws for the command's own failure
 * (that is the outcome); throws only when the process cannot be spawned for a reason other than a
 * missing or non-executable program.
 */
export function runCommand(options: CommandOptions): Promise<CommandResult> {
  const [program, ...args] = options.argv
  if (program === undefined || program === '') {
    return Promise.reject(new TrainError('train.command is empty; give the program and its arguments as a list'))
  }
  const graceMs = options.killGraceMs ?? 10_000
  const startedAt = new Date()
  const tail: string[] = []
  const keep = (line: string): void => {
    tail.push(line)
    if (tail.length > TAIL_LINES) tail.shift()
  }

  return new Promise((resolve, reject) => {
    let stoppedBy: 'timed-out' | 'cancelled' | undefined
    let killTimer: NodeJS.Timeout | undefined
    let settled = false
    let exited = false
    let exitCode: number | null = null
    let exitSignal: NodeJS.Signals | null = null
    let strays: number[] = []
    const guard = new ProcessTreeGuard(options.processScanMs)

    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...options.env, ...guard.variables },
      shell: false,
      // A process group of its own, so stopping it reaches the children it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // libuv also drops this process's supplementary groups when it switches the user.
      ...(options.user !== undefined ? { uid: options.user.uid, gid: options.user.gid } : {}),
    })

    const signalGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, signal)
      } catch {
        // The group is already gone.
      }
    }
    const stop = (reason: 'timed-out' | 'cancelled'): void => {
      if (stoppedBy !== undefined || exited) return
      stoppedBy = reason
      signalGroup('SIGTERM')
      killTimer = setTimeout(() => signalGroup('SIGKILL'), graceMs)
    }

    const timeoutTimer =
      options.timeoutMs !== undefined && options.timeoutMs > 0
        ? setTimeout(() => stop('timed-out'), options.timeoutMs)
        : undefined
    const onAbort = (): void => stop('cancelled')
    if (options.signal?.aborted) queueMicrotask(onAbort)
    else options.signal?.addEventListener('abort', onAbort, { once: true })
    if (child.pid !== undefined) guard.watch(child.pid)
    // If this process dies, take the training tree with it rather than leave it running unowned.
    const onExit = (): void => {
      signalGroup('SIGKILL')
      guard.killAll()
    }
    process.once('exit', onExit)

    const cleanUp = (): void => {
      clearTimeout(timeoutTimer)
      clearTimeout(killTimer)
      options.signal?.removeEventListener('abort', onAbort)
      process.removeListener('exit', onExit)
    }

    const stdout = new LineSplitter((line) => {
      keep(line)
      options.log.output(line, 'stdout')
    })
    const stderr = new LineSplitter((line) => {
      keep(line)
      options.log.output(line, 'stderr')
    })
    child.stdout.on('data', (chunk: Buffer) => stdout.write(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.write(chunk))

    child.on('exit', (code, signal) => {
      exited = true
      exitCode = code
      exitSignal = signal
      // Stragglers the command left behind would hold its output pipes open forever, and could
      // change the outputs after they are checked: the group and every process that left it go.
      signalGroup('SIGKILL')
      strays = guard.killAll().filter((pid) => pid !== child.pid)
      if (strays.length > 0) {
        options.log.warning(
          `'${program}' left ${strays.length} process${strays.length === 1 ? '' : 'es'} running when it ended ` +
            `(pid ${strays.join(', ')}); killed, so nothing it started can change its outputs after they are checked`,
        )
      }
    })

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return
      settled = true
      cleanUp()
      guard.killAll()
      const endedAt = new Date()
      if (error.code === 'ENOENT' || error.code === 'EACCES') {
        resolve({
          outcome: error.code === 'ENOENT' ? 'not-found' : 'not-executable',
          exitCode: null,
          signal: null,
          tail,
          strays: [],
          startedAt,
          endedAt,
        })
      } else {
        reject(new TrainError(`train.command could not start '${program}': ${error.message}`, { cause: error }))
      }
    })

    child.on('close', () => {
      if (settled) return
      settled = true
      cleanUp()
      stdout.end()
      stderr.end()
      const outcome: CommandOutcome =
        stoppedBy ?? (exitSignal !== null ? 'signalled' : exitCode === 0 ? 'succeeded' : 'exited')
      resolve({ outcome, exitCode, signal: exitSignal, tail, strays, startedAt, endedAt: new Date() })
    })
  })
}

/**
 * Splits a byte stream into lines: `\n`, `\r\n` and a lone `\r` (progress bars redraw with it) all
 * end a line. UTF-8 characters split across chunks are decoded whole.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private pending = ''
  private lastWasCr = false

  constructor(private readonly emit: (line: string) => void) {}

  /** Feeds bytes; complete lines are emitted at once. */
  write(chunk: Buffer | string): void {
    this.consume(typeof chunk === 'string' ? chunk : this.decoder.write(chunk))
  }

  /** Emits whatever is left as a last line. */
  end(): void {
    this.consume(this.decoder.end())
    if (this.pending !== '') this.emit(this.pending)
    this.pending = ''
  }

  private consume(text: string): void {
    let start = 0
    for (let i = 0; i < text.length; i++) {
      const char = text[i]
      if (char === '\n' && this.lastWasCr && i === start && this.pending === '') {
        // The \n of a \r\n pair whose \r already ended the line.
        start = i + 1
        this.lastWasCr = false
        continue
      }
      this.lastWasCr = char === '\r'
      if (char === '\n' || char === '\r') {
        this.emit(this.pending + text.slice(start, i))
        this.pending = ''
        start = i + 1
      }
    }
    this.pending += text.slice(start)
    while (this.pending.length > MAX_LINE_LENGTH) {
      this.emit(this.pending.slice(0, MAX_LINE_LENGTH))
      this.pending = this.pending.slice(MAX_LINE_LENGTH)
    }
  }
}

/** Values a command's arguments may name as `${name}`. */
export interface CommandVariables {
  /** Absolute folder the command writes its outputs to (`${outputs}`). */
  outputs: string
  /** Absolute folder kept between attempts for checkpoints (`${checkpoints}`). */
  checkpoints: string
  /** Absolute path of the training data file (`${data.train}`). */
  trainData: string
  /** Absolute path of the test data file (`${data.test}`). */
  testData: string
  /** Training parameters; `${params.NAME}` is the value as text (JSON for non-strings). */
  params: Readonly<Record<string, unknown>>
}

/**
 * Replaces `${outputs}`, `${checkpoints}`, `${data.train}`, `${data.test}` and `${params.NAME}` in each
 * argument (the only expansion there is: no shell, no environment variables). `$${` gives a literal `${`.
 * An unknown name is a {@link TrainError} listing the known ones.
 */
export function expandCommand(argv: readonly string[], variables: CommandVariables): string[] {
  const known: Record<string, string> = {
    outputs: variables.outputs,
    checkpoints: variables.checkpoints,
    'data.train': variables.trainData,
    'data.test': variables.testData,
  }
  for (const [name, value] of Object.entries(variables.params)) {
    known[`params.${name}`] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  return argv.map((arg, index) =>
    arg.replace(/\$(\$?)\{([^}]*)\}/g, (whole, escaped: string, name: string) => {
      if (escaped) return whole.slice(1)
      const value = known[name]
      if (value === undefined) {
        throw new TrainError(
          `train.command[${index}]: '\${${name}}' is not a known placeholder in '${arg}'; ` +
            `expected one of ${Object.keys(known).map((k) => `\${${k}}`).join(', ')} (write $\${ for a literal \${)`,
        )
      }
      return value
    }),
  )
}

/** The argv as a person would type it, for messages: arguments with spaces or quotes are quoted. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ')
}
