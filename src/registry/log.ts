/** Where registry operations report what they did; the CLI and actions pass their own. */
export interface RegistryLog {
  info(message: string): void
  warn(message: string): void
}

/** Default log: lines to stderr, so stdout stays free for command output. */
export const stderrLog: RegistryLog = {
  info: (message) => process.stderr.write(`${message}\n`),
  warn: (message) => process.stderr.write(`warning: ${message}\n`),
}
