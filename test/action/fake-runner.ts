/**
 * The real ActionEnv reads process.env and writes to process.stdout, as @actions/core does. These
 * helpers give a test its own variables and capture what was written, then put both back.
 */

/** Sets `vars` in process.env (undefined deletes) for the duration of `fn`, then restores the old values. */
export async function withVars<T>(vars: Record<string, string | undefined>, fn: () => T | Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]))
  const assign = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
  assign(vars)
  try {
    return await fn()
  } finally {
    assign(saved)
  }
}

/** Runs `fn` with process.stdout.write captured; resolves to what `fn` returned and the text written. */
export async function captureStdout<T>(fn: () => T | Promise<T>): Promise<{ value: T; stdout: string }> {
  let stdout = ''
  const original = process.stdout.write
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return true
  }) as typeof process.stdout.write
  try {
    const value = await fn()
    return { value, stdout }
  } finally {
    process.stdout.write = original
  }
}
