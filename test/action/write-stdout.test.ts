import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { REPO_ROOT } from '../support/run-action.js'

const CHILD = join(REPO_ROOT, 'test/fixtures/action/write-stdout-child.ts')
// About 1 MB: far more than a pipe buffers (64 KiB on Linux), so the child meets a full pipe while
// the reader is slow, and process.stdout must queue the rest.
const LINES = 5000
/** What the child writes on stderr once its loop has ended. */
const HANDED_OVER = 'handed over\n'

/** Runs the child with stdout on a pipe that is read only once the child has handed over every line; resolves to what it wrote. */
async function runChild(): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, String(LINES)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.pause()
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  let stderr = ''
  // 1 MB cannot fit in the pipe, so by the time the child says it has handed everything over it has
  // met the full pipe and queued the rest.
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
      if (stderr.includes(HANDED_OVER)) resolve()
    })
    void closed.then(() => resolve())
  })
  const chunks: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  child.stdout.resume()
  const code = await closed
  return { stdout: Buffer.concat(chunks).toString('utf8'), stderr, code }
}

function expected(): string {
  let text = ''
  for (let i = 0; i < LINES; i++) text += `line ${i} ${'x'.repeat(200)}\n`
  return text
}

test('action logs arrive whole and in order when the reader is slow: nothing lost, nothing reordered', async () => {
  const result = await runChild()
  assert.equal(result.stderr, HANDED_OVER)
  assert.equal(result.code, 0)
  assert.equal(result.stdout, expected())
})

test('a reader that leaves (EPIPE) costs the rest of the log, not the step: the process still exits 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, String(LINES)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  // Read the first chunk, then close our end of the pipe.
  child.stdout.once('data', () => child.stdout.destroy())
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  assert.equal(stderr, HANDED_OVER)
  assert.equal(code, 0)
})
