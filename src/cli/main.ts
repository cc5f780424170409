/** The `modelship` executable: runs the CLI on the process's arguments and sets its exit code. */
import { runCli } from './run-cli.js'

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
})
