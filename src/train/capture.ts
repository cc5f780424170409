/** Runs a short helper program (nvidia-smi, python --version, git) and collects its output. */
import { execFile } from 'node:child_process'

/** What a helper program printed and how it ended; `missing` when it is not on PATH. */
export interface CaptureResult {
  missing: boolean
  /** Exit code; null when the program was missing, killed or timed out. */
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `program args` without a shell; never throws for the program's own failure. Timeout in ms (default 30 s). */
export function capture(
  program: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CaptureResult> {
  return new Promise((resolve) => {
    execFile(
      program,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        const missing = error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT'
        resolve({ missing, code, stdout, stderr })
      },
    )
  })
}
