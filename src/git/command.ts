/** The git CLI, run without a shell; failures carry git's own message. */
import { execFile } from 'node:child_process'

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

/** Runs `git <args>` in `cwd` and answers its stdout (up to 512 MiB). */
export function git(args: readonly string[], options: GitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
        maxBuffer: 512 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === 'number' ? error.code : null
          reject(new GitCommandError(args, stderr, code))
        } else {
          resolve(stdout)
        }
      },
    )
  })
}

/** Runs `git <args>` with `input` on stdin and answers stdout as bytes (for `cat-file --batch`). */
export function gitBytes(args: readonly string[], input: string, options: GitOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd: options.cwd, env: { ...process.env, LC_ALL: 'C', ...options.env }, maxBuffer: 512 * 1024 * 1024, encoding: 'buffer' },
      (error, stdout, stderr) => {
        if (error) reject(new GitCommandError(args, stderr.toString() || error.message, typeof error.code === 'number' ? error.code : null))
        else resolve(stdout)
      },
    )
    child.stdin!.end(input)
  })
}
