/** The `modelship` executable: runs the CLI on the process's arguments and sets its exit code. */
import { runCli } from './run-cli.js'

// A reader that leaves early (`modelship validate | head`) closes the pipe: the rest of the output has
// nowhere to go, which is not an error of the command, so stop quietly instead of crashing with EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? 0)
  })
}

// No top-level await: the bundle is CommonJS (scripts/build.mjs). runCli resolves to an exit code.
void runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code
})
