/**
 * Sharding: which rows of which files one matrix job scores. The input files, in their sorted order,
 * are laid end to end as one sequence of rows, and shard i of n takes rows
 * [floor(i·T/n), floor((i+1)·T/n)) of the T in all. The split depends only on the file list and
 * row counts, so every runner computes the same one: shards never overlap, and together they cover
 * every row (checked again by `checkCoverage` when the shards are merged).
 */

/** Rows [start, end) of input file `file` (an index into the sorted inputs). */
export interface FileRange {
  readonly file: number
  readonly start: number
  readonly end: number
}

/** The ranges shard `index` of `count` scores, in file order; none for a shard past the rows. */
export function shardRanges(rowCounts: readonly number[], index: number, count: number): FileRange[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`shard count ${count} is not a whole number of at least 1`)
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) throw new RangeError(`shard index ${index} is not between 0 and ${count - 1}`)
  const total = rowCounts.reduce((sum, rows) => sum + rows, 0)
  // BigInt keeps i·T exact past 2^53 / n rows.
  const from = Number((BigInt(index) * BigInt(total)) / BigInt(count))
  const to = Number((BigInt(index + 1) * BigInt(total)) / BigInt(count))
  const ranges: FileRange[] = []
  let offset = 0
  for (const [file, rows] of rowCounts.entries()) {
    const start = Math.max(from, offset)
    const end = Math.min(to, offset + rows)
    if (start < end) ranges.push({ file, start: start - offset, end: end - offset })
    offset += rows
  }
  return ranges
}

/**
 * Problems with a set of ranges meant to cover every row of the files exactly once: overlaps (a row
 * scored twice), gaps (a row never scored), ranges outside a file. Empty when they tile the files.
 */
export function checkCoverage(rowCounts: readonly number[], ranges: readonly FileRange[], describe: (file: number) => string = String): string[] {
  const problems: string[] = []
  for (const [file, rows] of rowCounts.entries()) {
    const mine = ranges.filter((r) => r.file === file).sort((a, b) => a.start - b.start || a.end - b.end)
    let covered = 0
    for (const range of mine) {
      if (range.start < 0 || range.end > rows || range.end < range.start) {
        problems.push(`${describe(file)}: rows ${range.start}-${range.end} lie outside its ${rows} rows`)
        continue
      }
      if (range.start < covered) problems.push(`${describe(file)}: rows ${range.start}-${Math.min(covered, range.end)} are in more than one shard`)
      else if (range.start > covered) problems.push(`${describe(file)}: rows ${covered}-${range.start} are in no shard`)
      covered = Math.max(covered, range.end)
    }
    if (covered < rows) problems.push(`${describe(file)}: rows ${covered}-${rows} are in no shard`)
  }
  for (const range of ranges) if (range.file < 0 || range.file >= rowCounts.length) problems.push(`a range names file ${range.file}, which is not an input`)
  return problems
}

/** One mini-batch: rows [start, end) of input `file`, scored by one `session.run`. */
export type MiniBatch = FileRange

/** Cuts each range into mini-batches of `batchRows`, counted from the range's start (stable for a resume). */
export function miniBatches(ranges: readonly FileRange[], batchRows: number): MiniBatch[] {
  const batches: MiniBatch[] = []
  for (const range of ranges) {
    for (let start = range.start; start < range.end; start += batchRows) batches.push({ file: range.file, start, end: Math.min(range.end, start + batchRows) })
  }
  return batches
}

/** A run of consecutive mini-batches of one file, read by one worker with one open reader. */
export interface Segment {
  readonly file: number
  readonly batches: readonly MiniBatch[]
}

/**
 * Groups batches still to score into segments of at most `maxBatches` consecutive batches of one
 * file: a worker opens the file once per segment, and a batch already done (a resume) starts a new one.
 */
export function segmentsOf(batches: readonly MiniBatch[], maxBatches: number): Segment[] {
  const segments: Array<{ file: number; batches: MiniBatch[] }> = []
  let current: { file: number; batches: MiniBatch[] } | undefined
  for (const batch of batches) {
    const last = current?.batches[current.batches.length - 1]
    if (!current || !last || current.file !== batch.file || last.end !== batch.start || current.batches.length >= maxBatches) {
      current = { file: batch.file, batches: [] }
      segments.push(current)
    }
    current.batches.push(batch)
  }
  return segments
}

/**
 * Rows per mini-batch when none is given: about 8 MiB of decoded input and output a batch (features
 * read as float64, outputs as up to 8 bytes a value), a power of two between 1,024 and 262,144 rows.
 * Six features and one output give 65,536, onnxruntime's sweet spot in bench/inference.ts.
 */
export function defaultBatchRows(featureCount: number, outputWidth: number): number {
  const bytesPerRow = 8 * Math.max(1, featureCount) + 8 * Math.max(1, outputWidth) + 16
  const rows = Math.floor((8 * 1024 * 1024) / bytesPerRow)
  return Math.min(262_144, Math.max(1024, 2 ** Math.floor(Math.log2(rows))))
}
