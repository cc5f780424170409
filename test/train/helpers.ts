// Shared by the src/train tests: a logger that remembers what it was told, temp folders, and whether a process still runs.
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after } from 'node:test'
import type { TrainLogger } from '../../src/train/logger.js'

/** The fixtures folder of these tests. */
export const FIXTURES = resolve('test/fixtures/train')

/** The fake training script. */
export const TRAINER = join(FIXTURES, 'trainer.mjs')

/** A logger that keeps every line, in order, with its kind. */
export class RecordingLogger implements TrainLogger {
  readonly lines: string[] = []
  readonly output_: { line: string; stream: 'stdout' | 'stderr' }[] = []
  private readonly waiters: { line: string; resolve: () => void }[] = []

  info(message: string): void {
    this.lines.push(`info: ${message}`)
  }
  warning(message: string): void {
    this.lines.push(`warning: ${message}`)
  }
  output(line: string, stream: 'stdout' | 'stderr'): void {
    this.output_.push({ line, stream })
    this.lines.push(`${stream}: ${line}`)
    for (const waiter of this.waiters.filter((w) => w.line === line)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  /**
   * Resolves once the command has printed this exact line (at once if it already has). Tests wait
   * for a line the child prints when it is ready instead of guessing how long a busy machine needs.
   */
  waitFor(line: string): Promise<void> {
    if (this.printed.includes(line)) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ line, resolve }))
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`group: ${name}`)
    return fn()
  }
  /** Output lines only, without stream. */
  get printed(): string[] {
    return this.output_.map((entry) => entry.line)
  }
  get warnings(): string[] {
    return this.lines.filter((line) => line.startsWith('warning: ')).map((line) => line.slice(9))
  }
}

/** A new temp folder, removed when the test file ends. */
export async function tempDir(prefix = 'modelship-train-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Whether a process runs; a zombie waiting for whoever adopted it to reap it counts as gone. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    // /proc/<pid>/stat: "pid (name) state ..."; Z is a zombie. Without /proc, kill's answer stands.
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}
