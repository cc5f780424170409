import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'

// `modelship validate | head` closes the pipe before the CLI has written everything. The reader is
// closed here before the child starts, so its first write meets EPIPE every time (no timing involved).
test('a reader that closes the output pipe ends the CLI quietly, with no EPIPE stack trace', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.destroy()
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const [code] = (await once(child, 'close')) as [number | null]
  assert.doesNotMatch(stderr, /EPIPE|at .*\(/)
  assert.equal(code, 0)
})
