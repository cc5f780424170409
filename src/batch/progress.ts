/**
 * Progress a person can follow: on a terminal one redrawn bar (rows done, rows/s, ETA); elsewhere (a
 * runner's log) a line every few seconds; `batches` prints one line per mini-batch (for scripts and
 * tests that act on a given point of the run). Time comes from an injected clock.
 */
import { formatDuration } from '../format-duration.js'

/** How progress is shown. */
export type ProgressMode = 'bar' | 'log' | 'batches' | 'none'

/** What the run reports. */
export interface Progress {
  start(totalRows: number, doneRows: number): void
  /** After each mini-batch: rows done so far (scored or failed) and failed so far. */
  batch(doneRows: number, failedRows: number, detail: string): void
  note(line: string): void
  finish(): void
}

/** Options of `createProgress`. */
export interface ProgressOptions {
  mode: ProgressMode
  write(text: string): void
  /** Milliseconds, monotonic (default performance.now). */
  now?: () => number
  /** Between log lines (default 5,000 ms). */
  logEveryMs?: number
  /** Terminal width for the bar (default 80). */
  columns?: number
}

const count = (n: number): string => n.toLocaleString('en-US')

/** The status text: `1,200,000 / 5,000,000 rows (24%), 410,000 rows/s, ETA 9s, 3 failed`. */
export function progressText(done: number, total: number, failed: number, elapsedMs: number, startDone: number): string {
  const share = total > 0 ? Math.floor((100 * done) / total) : 100
  const rate = elapsedMs > 0 ? ((done - startDone) * 1000) / elapsedMs : 0
  const eta = rate > 0 ? formatDuration(((total - done) / rate) * 1000) : '?'
  return `${count(done)} / ${count(total)} rows (${share}%), ${count(Math.round(rate))} rows/s, ETA ${eta}${failed > 0 ? `, ${count(failed)} failed` : ''}`
}

/** A progress reporter for `options.mode`. */
export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now())
  const every = options.logEveryMs ?? 5000
  let total = 0
  let startDone = 0
  let started = 0
  let lastLine = 0
  let done = 0
  let failed = 0
  let drawn = false
  const status = (): string => progressText(done, total, failed, now() - started, startDone)
  const bar = (): string => {
    const width = Math.max(10, (options.columns ?? 80) - 2 - 70)
    const filled = total > 0 ? Math.round((width * done) / total) : width
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${status()}`
  }
  return {
    start(totalRows, doneRows) {
      total = totalRows
      done = startDone = doneRows
      started = lastLine = now()
      if (options.mode === 'log' || options.mode === 'batches') options.write(`scoring ${count(totalRows)} rows${doneRows > 0 ? `, ${count(doneRows)} already done (resumed)` : ''}\n`)
      if (options.mode === 'bar') {
        options.write(`\r${bar()}`)
        drawn = true
      }
    },
    batch(doneRows, failedRows, detail) {
      done = doneRows
      failed = failedRows
      if (options.mode === 'batches') options.write(`batch ${detail}\n`)
      else if (options.mode === 'bar') options.write(`\r${bar()}`)
      else if (options.mode === 'log' && now() - lastLine >= every) {
        lastLine = now()
        options.write(`${status()}\n`)
      }
    },
    note(line) {
      if (options.mode === 'none') return
      options.write(`${drawn ? '\n' : ''}${line}\n`)
      if (drawn) options.write(`\r${bar()}`)
    },
    finish() {
      if (options.mode === 'bar') options.write(`\r${bar()}\n`)
      else if (options.mode !== 'none') options.write(`${status()}\n`)
      drawn = false
    },
  }
}
