/**
 * Which failed attempts are worth another try, and the loop that tries again.
 *
 * Retryable: the command was stopped from outside, so the same code may well finish next time:
 * - killed by SIGTERM, SIGKILL, SIGINT or SIGHUP that Modelship did not send (the kernel's
 *   out-of-memory killer, a preempted spot machine, an operator);
 * - exit code 137 or 143 (128 + SIGKILL/SIGTERM: what a shell or container wrapper reports when its
 *   child was killed that way);
 * - timed out (train.compute.timeout-minutes, which counts per attempt).
 * Not retryable: any other exit code (a bug: the same code fails the same way), crash signals
 * (SIGSEGV, SIGABRT, SIGBUS…), a program that cannot start, and a run cancelled by the person or
 * runner that started Modelship.
 * Every attempt after the first finds the checkpoint folder as the last one left it.
 */
import type { TrainLogger } from './logger.js'
import { formatArgv, type CommandResult } from './run-command.js'

/** Signals that mean "stopped from outside" rather than "crashed". */
export const RETRYABLE_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP']

/** Exit codes a wrapper reports for a child killed by SIGKILL (137) or SIGTERM (143). */
export const RETRYABLE_EXIT_CODES: readonly number[] = [137, 143]

/** True when another attempt may succeed where this one failed (see the module header). */
export function isRetryable(result: CommandResult): boolean {
  switch (result.outcome) {
    case 'timed-out':
      return true
    case 'signalled':
      return result.signal !== null && RETRYABLE_SIGNALS.includes(result.signal)
    case 'exited':
      return result.exitCode !== null && RETRYABLE_EXIT_CODES.includes(result.exitCode)
    default:
      return false
  }
}

/** Options of {@link runWithRetries}. */
export interface RetryOptions {
  /** Extra attempts after the first (0 = one attempt in all). */
  retries: number
  /** Wait before each retry, in milliseconds (default 5,000). */
  delayMs?: number
  log: TrainLogger
  /** Runs attempt `attempt` (1-based). */
  attempt(attempt: number): Promise<CommandResult>
}

/**
 * Runs attempts until one succeeds, one fails in a way that is not retryable, or `retries` retries
 * are spent. Returns every attempt's result, the last one deciding the run.
 */
export async function runWithRetries(options: RetryOptions): Promise<CommandResult[]> {
  const results: CommandResult[] = []
  const total = options.retries + 1
  for (let attempt = 1; attempt <= total; attempt++) {
    const result = await options.attempt(attempt)
    results.push(result)
    if (result.outcome === 'succeeded' || !isRetryable(result) || attempt === total) break
    options.log.warning(
      `Attempt ${attempt} of ${total} ${describeOutcome(result)}; retrying from the checkpoint folder`,
    )
    await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 5_000))
  }
  return results
}

/** How an attempt ended, as a phrase: `exited with code 1`, `was killed by SIGKILL`, `timed out`… */
export function describeOutcome(result: CommandResult): string {
  switch (result.outcome) {
    case 'succeeded':
      return 'succeeded'
    case 'exited':
      return `exited with code ${result.exitCode}`
    case 'signalled':
      return `was killed by ${result.signal}`
    case 'timed-out':
      return 'timed out'
    case 'cancelled':
      return 'was cancelled'
    case 'not-found':
      return 'could not start: program not found'
    case 'not-executable':
      return 'could not start: program not executable'
  }
}

/** What a failure message needs besides the result. */
export interface FailureContext {
  argv: readonly string[]
  attempt: number
  attempts: number
  /** Working directory as the spec gives it. */
  workingDirectory: string
  /** PATH the command was looked up in. */
  path: string
  /** Environment kind, for the hint on a missing program. */
  environment: 'none' | 'python' | 'node'
  timeoutMinutes: number
  killGraceMs: number
}

/** The message of the TrainError for a failed run: what failed, how, the last output, and the fix. */
export function describeFailure(result: CommandResult, context: FailureContext): string {
  const shown = formatArgv(context.argv)
  const program = context.argv[0] ?? ''
  const tail =
    result.tail.length === 0
      ? ' It printed nothing.'
      : ` Last ${result.tail.length} lines of its output:\n${result.tail.map((line) => `  ${line}`).join('\n')}`
  const where = `attempt ${context.attempt} of ${context.attempts}`
  switch (result.outcome) {
    case 'not-found': {
      const hint =
        context.environment === 'python'
          ? 'the virtualenv of train.environment.python is first on PATH; is the program installed by the requirements?'
          : context.environment === 'node'
            ? 'is it a dependency in package-lock.json (run it as [npx, ...]) or installed on the runner?'
            : 'install it on the runner, or set train.environment (python or node) so Modelship puts an interpreter on PATH'
      return (
        `train.command: '${program}' was not found (working directory ${context.workingDirectory}; ` +
        `PATH=${context.path}). Check the spelling; ${hint}`
      )
    }
    case 'not-executable':
      return (
        `train.command: '${program}' is not executable (working directory ${context.workingDirectory}). ` +
        `Make it executable (git update-index --chmod=+x ${program}) or run it through its interpreter, e.g. [bash, ${program}]`
      )
    case 'exited': {
      const retried = isRetryable(result) ? ' and retries are spent' : ''
      return (
        `train.command (${shown}) exited with code ${result.exitCode} on ${where}${retried}.${tail}\n` +
        (isRetryable(result)
          ? 'Exit 137/143 means the process was killed (often out of memory); use a bigger runner or smaller batches.'
          : 'A non-zero exit is a failure of the training code and is not retried; fix the error above.')
      )
    }
    case 'signalled':
      return (
        `train.command (${shown}) was killed by ${result.signal} on ${where}` +
        `${isRetryable(result) ? ' and retries are spent' : ' (a crash; not retried)'}.${tail}\n` +
        (result.signal === 'SIGKILL'
          ? 'SIGKILL usually comes from the out-of-memory killer or a runner shutting down; use a bigger runner or smaller batches.'
          : 'Find why the process was stopped in the output above and the runner logs.')
      )
    case 'timed-out':
      return (
        `train.command (${shown}) ran past train.compute.timeout-minutes (${context.timeoutMinutes}) on ${where} ` +
        `and was stopped (SIGTERM, then SIGKILL after ${context.killGraceMs / 1000} s).${tail}\n` +
        'Raise timeout-minutes, make training faster, or write checkpoints so a retry can resume.'
      )
    case 'cancelled':
      return `train.command (${shown}) was cancelled on ${where}; nothing was written to the outputs`
    case 'succeeded':
      return `train.command (${shown}) succeeded`
  }
}
