/**
 * The one way Modelship runs git: simple-git (the project's chosen package), with no shell and
 * failures carrying git's own message. Each call gets its own small simple-git instance, because
 * what simple-git configures per instance differs per call here: the working folder, the text fed
 * to stdin, and the arguments our GitCommandError names.
 *
 * simple-git is loaded on the first git call, so a process that never runs git (validate without
 * changed-since) does not pay for compiling it.
 */
import type { SimpleGit, SimpleGitOptions } from 'simple-git'

/** A git command that exited non-zero; `stderr` is git's message. */
export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(`git ${args.join(' ')} failed: ${stderr.trim() || `exit code ${exitCode}`}`)
  }
}

/** Options of `git()`. */
export interface GitOptions {
  cwd: string
  env?: Record<string, string>
}

/**
 * simple-git refuses to run when the environment sets an editor, pager, askpass or ssh command, a
 * config path or GIT_CONFIG_COUNT: its guard is for environments built from untrusted input. Ours is
 * the process's own, passed through as git itself would take it (npm sets EDITOR; CI sets
 * GIT_SSH_COMMAND or GIT_CONFIG_GLOBAL), so the categories an environment can trigger are allowed.
 * The checks that only arguments trigger (`--upload-pack`, `protocol.allow`, `-c alias.*`) stay on;
 * Modelship's own arguments never need them.
 */
const ENVIRONMENT_CATEGORIES: SimpleGitOptions['unsafe'] = {
  allowUnsafeEditor: true,
  allowUnsafePager: true,
  allowUnsafeAskPass: true,
  allowUnsafeSshCommand: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeExec: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeGitProxy: true,
}

let loaded: Promise<typeof import('simple-git')> | undefined

/** A simple-git instance for one command; `failure()` is the GitCommandError it ended with, if any. */
async function client(args: readonly string[], options: GitOptions, input?: string): Promise<{ instance: SimpleGit; failure: () => GitCommandError | undefined }> {
  const { simpleGit } = await (loaded ??= import('simple-git'))
  let failed: GitCommandError | undefined
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries({ ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env })) {
    if (value !== undefined) env[key] = value
  }
  const settings: Partial<SimpleGitOptions> = {
    baseDir: options.cwd,
    // Done when the streams close, that is when all output has been read; simple-git's default
    // also waits 50 ms after 'exit'.
    completion: { onClose: true, onExit: false },
    // simple-git strips GIT_* variables (and a few others) unless named; ours are deliberate
    // (GIT_INDEX_FILE, GIT_COMMITTER_DATE, a test's GIT_CONFIG_GLOBAL), so every one passes.
    allowEnvironment: Object.keys(env),
    unsafe: ENVIRONMENT_CATEGORIES,
    // Every non-zero exit is a failure, with or without a message: simple-git's default treats an
    // exit code without stderr as success, and callers read exit codes (`merge-base --is-ancestor`).
    errors: (error, result) => {
      if (!error && result.exitCode === 0) return undefined
      const stderr = Buffer.concat(result.stdErr).toString('utf8')
      // simple-git rethrows a returned error wrapped in its own GitError, so ours is kept here too.
      failed = new GitCommandError(args, stderr || (error instanceof Error ? error.message : ''), result.exitCode)
      return failed
    },
    ...(input === undefined ? {} : { input: () => input }),
  }
  const instance = simpleGit(settings).env(env)
  // simple-git 4's completion plugin waits a further fixed 50 ms after 'close' for a process that
  // wrote nothing to stdout or stderr, whatever `completion` says, and most git writes are silent
  // (update-ref, commit -q, merge-base --is-ancestor). Its only signal is a 'data' event on either
  // stream, so one empty chunk is emitted on stderr once its listeners are attached (the same tick
  // as this handler); the output collected is unchanged.
  instance.outputHandler((_command, _stdout, stderr) => {
    process.nextTick(() => stderr.emit('data', Buffer.alloc(0)))
  })
  return { instance, failure: () => failed }
}

/** Runs a git task, turning a failure to even start (a missing folder, no git) into a GitCommandError. */
async function runTask<T>(args: readonly string[], options: GitOptions, task: (git: SimpleGit) => Promise<T>, input?: string): Promise<T> {
  let git: Awaited<ReturnType<typeof client>>
  try {
    git = await client(args, options, input)
  } catch (error) {
    // simple-git refuses a baseDir that does not exist before it spawns anything.
    throw new GitCommandError(args, (error as Error).message, null)
  }
  try {
    return await task(git.instance)
  } catch (error) {
    throw git.failure() ?? new GitCommandError(args, (error as Error).message, null)
  }
}

/** Runs `git <args>` in `cwd` and answers its stdout as text. */
export function git(args: readonly string[], options: GitOptions): Promise<string> {
  return runTask(args, options, (instance) => instance.raw([...args]))
}

/**
 * Runs `git <args>` with `input` on stdin and answers stdout as bytes (for `cat-file --batch`).
 * simple-git answers bytes only for `cat-file` (`binaryCatFile`); every other command's output is
 * text, so for those the text is answered as its UTF-8 bytes (what `hash-object` and `mktree` print:
 * object ids).
 */
export function gitBytes(args: readonly string[], input: string, options: GitOptions): Promise<Buffer> {
  if (args[0] === 'cat-file') return runTask(args, options, (instance) => instance.binaryCatFile(args.slice(1)), input)
  return runTask(args, options, async (instance) => Buffer.from(await instance.raw([...args]), 'utf8'), input)
}
