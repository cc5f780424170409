/**
 * One worker's loop over a segment (consecutive mini-batches of one file): read a batch, check its
 * rows, score it, record it; a batch that fails (the reader, the model, the write) is retried up to
 * `maxRetries` times from its own first row with a fresh reader, then recorded as failed rows with
 * the reason, and the segment goes on from the next batch.
 */
import type { DataTable } from '../data/table.js'
import type { RowFailure } from './rows.js'
import type { MiniBatch, Segment } from './shard.js'

/** What became of one mini-batch. */
export interface BatchOutcome {
  readonly batch: MiniBatch
  readonly scored: number
  readonly failedRows: number
  readonly failures: readonly RowFailure[]
  /** Tries it took (1 when it passed at once). */
  readonly attempts: number
}

/** The work `runSegment` drives, so a test can put a flaky reader or model in. */
export interface SegmentWork {
  /** Opens the file's rows [start, end) as batches of the mini-batch size. */
  open(file: number, start: number, end: number): AsyncIterator<DataTable>
  /** Scores a batch read for `batch` and writes its results; resolves to the rows scored and failed. */
  score(batch: MiniBatch, table: DataTable): Promise<Omit<BatchOutcome, 'batch' | 'attempts'>>
  /** Records an outcome (the done marker); a failure here is retried like any other. */
  record(outcome: BatchOutcome): Promise<void>
  /** Told of each failed try that will be retried. */
  retrying?(batch: MiniBatch, attempt: number, reason: string): void
}

/** The message of an error, for a failure report (one line). */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n').map((line) => line.trim()).filter(Boolean).join(' ')
}

/** Runs every batch of `segment`; resolves once each is recorded as scored or failed. */
export async function runSegment(segment: Segment, work: SegmentWork, maxRetries: number, onOutcome: (outcome: BatchOutcome) => void): Promise<void> {
  const last = segment.batches[segment.batches.length - 1]
  if (!last) return
  let reader: AsyncIterator<DataTable> | undefined
  const drop = async (): Promise<void> => {
    const open = reader
    reader = undefined
    await open?.return?.().catch(() => {})
  }
  try {
    for (const batch of segment.batches) {
      for (let attempt = 1; ; attempt++) {
        try {
          reader ??= work.open(segment.file, batch.start, last.end)
          const next = await reader.next()
          if (next.done || next.value.rowCount !== batch.end - batch.start) {
            const end = batch.start + (next.done ? 0 : next.value.rowCount)
            throw new Error(`the file ended at row ${end}, but it was counted with at least ${last.end} rows; was it changed while being scored?`)
          }
          const result = await work.score(batch, next.value)
          const outcome: BatchOutcome = { batch, attempts: attempt, ...result }
          await work.record(outcome)
          onOutcome(outcome)
          break
        } catch (error) {
          await drop()
          const reason = reasonOf(error)
          if (attempt <= maxRetries) {
            work.retrying?.(batch, attempt, reason)
            continue
          }
          const rows = batch.end - batch.start
          const outcome: BatchOutcome = { batch, attempts: attempt, scored: 0, failedRows: rows, failures: [{ start: batch.start, end: batch.end, reason }] }
          await work.record(outcome)
          onOutcome(outcome)
          break
        }
      }
    }
  } finally {
    await drop()
  }
}
