/** The `modelship` executable: runs the CLI on the process's arguments and sets its exit code. */
import { runCli } from './run-cli.js'

// No top-level await: the bundle is CommonJS (scripts/build.mjs). runCli resolves to an exit code.
void runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code
})
