/**
 * `ActionEnv`: everything an action may do to the runner, behind one port so `run(env)` can be
 * tested with a recording environment. `createActionEnv` speaks the runner's protocol directly
 * (stdout commands and the GITHUB_* files), with no dependency on @actions/core.
 */
import { appendFileSync, statSync, writeSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { ModelshipError } from '../errors.js'
import { AnnotationBudget, formatAnnotationLine, type Annotation } from './annotations.js'
import { fitSummary } from './summary.js'
import { escapeData, formatCommand } from './workflow-commands.js'

/** What an action sees of and does to the runner. */
export interface ActionEnv {
  /** Absolute path of the checked-out repository: GITHUB_WORKSPACE, else the current directory. */
  readonly workspace: string
  /** The step's environment variables. */
  readonly vars: Readonly<Record<string, string | undefined>>
  /** An input's value, trimmed; undefined when not set or empty (the runner passes unset inputs as ''). */
  input(name: string): string | undefined
  /** Sets a step output (multiline-safe). */
  setOutput(name: string, value: string): void
  /** Adds an annotation; false when GitHub's 10-a-step limit for its level means it will not be shown. */
  annotate(annotation: Annotation): boolean
  /** Appends Markdown to the job summary, cut with a note at GitHub's 1 MiB limit. */
  summary(markdown: string): Promise<void>
  /** Masks a value in all later log output. */
  setSecret(value: string): void
  /** A plain log line. */
  info(message: string): void
  /** A log line shown only with step debug logging on. */
  debug(message: string): void
  /** Runs `fn` inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
  /** Marks the step failed (exit code 1) with an error annotation carrying `message`. */
  setFailed(message: string): void
  /** True once setFailed was called. */
  readonly failed: boolean
}

/**
 * A marker that does not occur in `text`. Random so a value cannot be written ahead of time to match
 * it, and checked so it can never occur by chance; node:crypto is not needed for that and costs
 * milliseconds to load at every action start.
 */
export function uniqueMarker(prefix: string, text: string): string {
  for (;;) {
    const marker = `${prefix}${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`
    if (!text.includes(marker)) return marker
  }
}

/** Environment variable name the runner uses for an input: `INPUT_` + name upper-cased, spaces as `_`. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** How writeStdout writes: to fd 1 directly, through `process.stdout`, or not at all (the reader left). */
let stdoutMode: 'fd' | 'stream' | 'gone' = 'fd'

/**
 * Writes to file descriptor 1 directly. Creating `process.stdout` loads Node's stream, net and tty
 * modules, a few milliseconds of every action's start. A parent may hand us a non-blocking pipe
 * (Node's child_process does): once it is full and the reader is slower than we write, writeSync
 * gets EAGAIN, and from then on everything goes through `process.stdout`, which queues and drains
 * before the process exits, so no line is lost or reordered (test/action/write-stdout.test.ts).
 * When the reader has gone (EPIPE), the log has nowhere to go: the rest is dropped, and the step's
 * result still reaches the runner through the exit code and the GITHUB_* files.
 */
export function writeStdout(text: string): void {
  if (stdoutMode === 'stream') {
    process.stdout.write(text)
    return
  }
  if (stdoutMode === 'gone') return
  const bytes = Buffer.from(text, 'utf8')
  let offset = 0
  try {
    while (offset < bytes.length) offset += writeSync(1, bytes, offset)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EPIPE') {
      stdoutMode = 'gone'
      return
    }
    if (code !== 'EAGAIN') throw error
    writeStdoutThroughStream()
    process.stdout.write(bytes.subarray(offset))
  }
}

/**
 * Sends every later writeStdout through `process.stdout`. Called on EAGAIN, and by an action before
 * it loads a dependency that logs through `process.stdout` itself (`@actions/cache`, through
 * @actions/core): with one queue, neither side's lines can overtake the other's.
 */
export function writeStdoutThroughStream(): void {
  if (stdoutMode === 'stream') return
  stdoutMode = 'stream'
  // A reader that leaves makes the stream emit EPIPE; as above, the log then has nowhere to go.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}

/** Options for `createActionEnv`; the defaults are the real process. */
export interface ActionEnvOptions {
  /** Environment variables (default process.env). */
  vars?: Readonly<Record<string, string | undefined>>
  /** Where log lines and commands go (default the process's standard output, see writeStdout). */
  write?: (text: string) => void
  /** Current directory used when GITHUB_WORKSPACE is unset (default process.cwd()). */
  cwd?: string
}

/** The runner-protocol implementation of `ActionEnv`. */
export function createActionEnv(options: ActionEnvOptions = {}): ActionEnv {
  const vars = options.vars ?? process.env
  const write = options.write ?? writeStdout
  const budget = new AnnotationBudget()
  let failed = false
  let summaryFull = false

  const line = (text: string) => write(`${text}\n`)
  const info = (message: string) => {
    // A line of untrusted text that starts with `::` would be run as a command; pause command
    // processing around it, as the runner's stop-commands protocol intends.
    if (/^\s*::/m.test(message)) {
      const token = uniqueMarker('modelship-', message)
      line(`::stop-commands::${token}`)
      line(message)
      line(`::${token}::`)
    } else {
      line(message)
    }
  }

  return {
    workspace: vars.GITHUB_WORKSPACE || options.cwd || process.cwd(),
    vars,
    input(name) {
      const value = vars[inputVariable(name)]?.trim()
      return value ? value : undefined
    },
    setOutput(name, value) {
      const file = vars.GITHUB_OUTPUT
      if (!file) {
        info(`output ${name}: ${value}`)
        return
      }
      if (/[\r\n]/.test(name)) throw new ModelshipError(`output name ${JSON.stringify(name)} has a line break; output names are one line`)
      const delimiter = uniqueMarker('ghadelimiter_', `${name}\n${value}`)
      appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`, 'utf8')
    },
    annotate(annotation) {
      if (!budget.take(annotation.level)) {
        info(formatAnnotationLine(annotation))
        return false
      }
      line(
        formatCommand(
          annotation.level,
          {
            title: annotation.title,
            file: annotation.file,
            line: annotation.line,
            endLine: annotation.endLine,
            col: annotation.column,
            endColumn: annotation.endColumn,
          },
          annotation.message,
        ),
      )
      return true
    },
    async summary(markdown) {
      const file = vars.GITHUB_STEP_SUMMARY
      if (!file || summaryFull) return
      let used = 0
      try {
        used = statSync(file).size
      } catch {
        used = 0
      }
      const { text, cut } = fitSummary(used, markdown)
      if (cut) {
        summaryFull = true
        info('The job summary reached 1 MiB, GitHub\'s limit for a step; the rest is only in this log.')
      }
      if (text) await appendFile(file, text, 'utf8')
    },
    setSecret(value) {
      if (value) line(`::add-mask::${escapeData(value)}`)
    },
    info,
    debug(message) {
      line(`::debug::${escapeData(message)}`)
    },
    async group(name, fn) {
      line(`::group::${escapeData(name)}`)
      try {
        return await fn()
      } finally {
        line('::endgroup::')
      }
    },
    setFailed(message) {
      failed = true
      // Always written: past the annotation limit GitHub still shows it as a red log line.
      budget.take('error')
      line(formatCommand('error', {}, message))
    },
    get failed() {
      return failed
    },
  }
}
