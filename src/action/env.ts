/**
 * `ActionEnv`: everything an action may do to the runner, behind one port so `run(env)` can be
 * tested with a recording environment. `createActionEnv` is the real one: @actions/core speaks the
 * runner's protocol (stdout commands, the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files); this file
 * adds only what core leaves to each action: GitHub's display limits (10 annotations a level, a
 * 1 MiB summary), fencing of untrusted log text, and a local run's fallbacks.
 */
import { statSync } from 'node:fs'
import * as core from '@actions/core'
import { ModelshipError } from '../errors.js'
import { AnnotationBudget, formatAnnotationLine, type Annotation } from './annotations.js'
import { fitSummary } from './summary.js'

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
 * milliseconds to load.
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

/** Options for `createActionEnv`. */
export interface ActionEnvOptions {
  /** Current directory used when GITHUB_WORKSPACE is unset (default process.cwd()). */
  cwd?: string
}

/**
 * The real `ActionEnv`. @actions/core reads `process.env` and writes to `process.stdout`, so this
 * one does too; tests of an action use `createRecordingEnv` instead.
 */
export function createActionEnv(options: ActionEnvOptions = {}): ActionEnv {
  const vars = process.env
  const budget = new AnnotationBudget()
  let failed = false
  let summaryFull = false
  ignoreClosedStdout()

  const info = (message: string) => {
    // A line of untrusted text that starts with `::` would be run as a command; pause command
    // processing around it, as the runner's stop-commands protocol intends (core has no helper).
    if (/^\s*::/m.test(message)) {
      const token = uniqueMarker('modelship-', message)
      core.info(`::stop-commands::${token}`)
      core.info(message)
      core.info(`::${token}::`)
    } else {
      core.info(message)
    }
  }

  return {
    workspace: vars.GITHUB_WORKSPACE || options.cwd || process.cwd(),
    vars,
    input(name) {
      return core.getInput(name) || undefined
    },
    setOutput(name, value) {
      // Without GITHUB_OUTPUT core would fall back to the `set-output` command, which runners
      // deprecated; a local run gets a log line instead.
      if (!vars.GITHUB_OUTPUT) {
        info(`output ${name}: ${value}`)
        return
      }
      // core writes `name<<delimiter`: a line break in the name would end that line early.
      if (/[\r\n]/.test(name)) throw new ModelshipError(`output name ${JSON.stringify(name)} has a line break; output names are one line`)
      core.setOutput(name, value)
    },
    annotate(annotation) {
      if (!budget.take(annotation.level)) {
        info(formatAnnotationLine(annotation))
        return false
      }
      const properties: core.AnnotationProperties = {
        title: annotation.title,
        file: annotation.file,
        startLine: annotation.line,
        endLine: annotation.endLine,
        startColumn: annotation.column,
        endColumn: annotation.endColumn,
      }
      if (annotation.level === 'error') core.error(annotation.message, properties)
      else if (annotation.level === 'warning') core.warning(annotation.message, properties)
      else core.notice(annotation.message, properties)
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
      if (!text) return
      try {
        await core.summary.addRaw(text).write()
      } finally {
        // core keeps unwritten text for the next write; a failed append must not be sent twice.
        core.summary.emptyBuffer()
      }
    },
    setSecret(value) {
      if (value) core.setSecret(value)
    },
    info,
    debug(message) {
      core.debug(message)
    },
    group(name, fn) {
      return core.group(name, fn)
    },
    setFailed(message) {
      failed = true
      // Always written: past the annotation limit GitHub still shows it as a red log line.
      budget.take('error')
      core.setFailed(message)
    },
    get failed() {
      return failed
    },
  }
}

let stdoutGuarded = false

/**
 * When the log's reader has gone (EPIPE), `process.stdout` emits an error that would crash the
 * step; the log has nowhere to go, and the step's result still reaches the runner through the exit
 * code and the GITHUB_* files, so the error is dropped.
 */
function ignoreClosedStdout(): void {
  if (stdoutGuarded) return
  stdoutGuarded = true
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}
