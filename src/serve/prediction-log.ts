/**
 * Prediction logging for drift: a sampled share of inference requests, with their outputs, written
 * to rotating Arrow IPC files that `modelship drift` reads as "current data". The writer never blocks
 * a request: `prediction()` only appends to a bounded in-memory buffer (rows beyond it are dropped
 * and counted), and a timer writes what is buffered in the background. `close()` (SIGTERM drain)
 * writes the rest and closes every file.
 *
 * FORMAT (version 1; the drift check reads exactly this):
 *
 * - Files: `<dir>/<model>/<version>/predictions-<UTC yyyymmddThhmmssZ>-<seq>.arrow`, the time being
 *   when the file was opened and `<seq>` a 6-digit number that makes the name unique. A file is
 *   written as `<name>.arrow.partial` and renamed to `<name>.arrow` once it is complete (rotated or
 *   closed); readers ignore `.partial` files, which a killed process can leave behind.
 * - Arrow IPC *file* format (`ARROW1` magic, footer), one record batch per background write.
 * - Schema metadata `modelship.prediction-log` = `"1"`.
 * - Columns, one row per predicted row (a request of N rows writes N rows):
 *   `request_id` (Utf8, nullable: null when the request had no id), `timestamp` (Timestamp
 *   millisecond UTC: when the request was admitted), `model` (Utf8), `version` (Utf8); then one
 *   column per input feature: an input of shape [N] or [N, 1] is one column named as the input; a
 *   2-D input [N, F] is F columns named by the spec's `data.features` in order when the version was
 *   loaded with them and there are F, else `<input>[i]` (i from 0); then one column per output named
 *   `output.<name>`, or `output.<name>[j]` for each of the K values of a 2-D output [N, K] (class
 *   probabilities, for instance). Numeric and boolean values are Float64 (booleans 0/1), strings Utf8.
 *   Outputs whose first dimension is not N are left out.
 * - A file holds one column layout: a request asking for other outputs starts a new file.
 * - Bounds: a file is rotated before it would pass `maxBytes` (a single write larger than that still
 *   goes into one file) and once it is `maxAgeMs` old, checked at every background tick, idle or not.
 *
 * Sampling is per request: with a request id, the same id is always in or out (a hash salted apart
 * from the traffic split's, so a 10 % sample of a 10 % canary is not all of the canary); without, a
 * random draw.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { Field, Float64, makeData, RecordBatch, RecordBatchFileWriter, Schema, Struct, Timestamp, TimeUnit, Utf8, vectorFromArray } from 'apache-arrow'
import { toJsonValues, type DecodedTensor } from './datatypes.js'
import { unitHash } from './model-store.js'
import type { ServeObserver } from './server.js'

/** The schema metadata key and value that mark a prediction log file. */
export const PREDICTION_LOG_METADATA_KEY = 'modelship.prediction-log'
export const PREDICTION_LOG_FORMAT_VERSION = '1'

/** Options of a prediction log. */
export interface PredictionLogOptions {
  /** Folder the `<model>/<version>/` folders go into. */
  dir: string
  /** Share of requests logged, 0..1; default 1. */
  sample?: number
  /** Rotate a file before it passes this many bytes; default 64 MiB. */
  maxBytes?: number
  /** Rotate a file once it is this old, in ms; default 1 hour. */
  maxAgeMs?: number
  /** Most rows held in memory waiting to be written; past it rows are dropped and counted; default 100,000. */
  maxBufferedRows?: number
  /** How often buffered rows are written and ages checked, in ms; default 1000. */
  flushIntervalMs?: number
  /** Rows written, per model and version (metrics). */
  onWritten?: (model: string, version: string, rows: number) => void
  /** Rows dropped and why: `buffer-full`, `write-failed`, `closed` (metrics). */
  onDropped?: (model: string, version: string, rows: number, reason: string) => void
  /** A write failed (disk full, permissions): a line for the server's log. */
  warn?: (line: string) => void
  /** Clock, for tests; default Date.now. */
  now?: () => number
}

type PredictionRecord = Parameters<NonNullable<ServeObserver['prediction']>>[0]

interface Column {
  name: string
  kind: 'f64' | 'utf8'
  values: Array<number | string | null>
}

/**
 * Arrow's file writer with its bytes handed over synchronously: each write's chunks are collected
 * here and written to the file by the log, so "this batch is on disk" is a promise we hold, not a
 * guess about a stream's queue. The footer's offsets stay right because `_position` is kept.
 */
class CollectingFileWriter extends RecordBatchFileWriter {
  private collected: Uint8Array[] = []

  protected override _write(chunk: Parameters<RecordBatchFileWriter['_write']>[0]): this {
    if (this._started && ArrayBuffer.isView(chunk) && chunk.byteLength > 0) {
      this.collected.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      this._position += chunk.byteLength
    }
    return this
  }

  /** The bytes produced since the last call. */
  take(): Uint8Array[] {
    return this.collected.splice(0)
  }
}

interface OpenFile {
  path: string
  handle: FileHandle
  writer: CollectingFileWriter
  bytes: number
  rows: number
  batches: number
  openedAt: number
  layout: string
}

interface Stream {
  model: string
  version: string
  records: PredictionRecord[]
  rows: number
  file: OpenFile | undefined
  seq: number
}

/** The writer; an observer for `startServer` through its `prediction` hook. */
export class PredictionLog implements ServeObserver {
  private readonly streams = new Map<string, Stream>()
  private buffered = 0
  private closed = false
  private writing: Promise<void> = Promise.resolve()
  private readonly timer: NodeJS.Timeout
  private readonly sample: number
  private readonly maxBytes: number
  private readonly maxAgeMs: number
  private readonly maxBuffered: number
  private readonly now: () => number
  private readonly warned = new Set<string>()

  constructor(private readonly options: PredictionLogOptions) {
    this.sample = options.sample ?? 1
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024
    this.maxAgeMs = options.maxAgeMs ?? 60 * 60 * 1000
    this.maxBuffered = options.maxBufferedRows ?? 100_000
    this.now = options.now ?? Date.now
    // unref: a log with nothing to do never keeps the process alive.
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000).unref()
  }

  /** Is the request with this id (or none) in the sample? */
  sampled(id: string): boolean {
    if (this.sample >= 1) return true
    if (this.sample <= 0) return false
    return (id !== '' ? unitHash(`prediction-log:${id}`) : Math.random()) < this.sample
  }

  /** Rows waiting to be written. */
  get bufferedRows(): number {
    return this.buffered
  }

  prediction(record: PredictionRecord): void {
    const rows = Object.values(record.request.feeds)[0]?.dims[0] ?? 0
    if (rows === 0 || !this.sampled(record.id)) return
    if (this.closed) {
      this.options.onDropped?.(record.model, record.version, rows, 'closed')
      return
    }
    if (this.buffered + rows > this.maxBuffered) {
      this.options.onDropped?.(record.model, record.version, rows, 'buffer-full')
      return
    }
    const stream = this.stream(record.model, record.version)
    // The request's tensors are only read later, never changed, so keeping references copies nothing.
    stream.records.push({ ...record, timestamp: record.timestamp ?? this.now() })
    stream.rows += rows
    this.buffered += rows
  }

  private stream(model: string, version: string): Stream {
    const key = `${model}\u0000${version}`
    let stream = this.streams.get(key)
    if (!stream) {
      stream = { model, version, records: [], rows: 0, file: undefined, seq: 0 }
      this.streams.set(key, stream)
    }
    return stream
  }

  /** Writes what is buffered and rotates files that are too old; one write at a time. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writeAll(false))
    return this.writing
  }

  /** Writes everything buffered, closes every file (renamed to `.arrow`) and stops the timer. */
  async close(): Promise<void> {
    if (this.closed) return await this.writing
    this.closed = true
    clearInterval(this.timer)
    this.writing = this.writing.then(() => this.writeAll(true))
    await this.writing
  }

  private async writeAll(closing: boolean): Promise<void> {
    for (const stream of this.streams.values()) {
      const records = stream.records.splice(0)
      const rows = stream.rows
      stream.rows = 0
      this.buffered -= rows
      try {
        if (records.length > 0) await this.write(stream, records)
      } catch (error) {
        this.options.onDropped?.(stream.model, stream.version, rows, 'write-failed')
        this.warnOnce(stream, error)
        await this.abandon(stream)
      }
      const file = stream.file
      if (file && (closing || this.now() - file.openedAt >= this.maxAgeMs)) {
        try {
          await this.finish(stream)
        } catch (error) {
          this.warnOnce(stream, error)
          await this.abandon(stream)
        }
      }
    }
  }

  private async write(stream: Stream, records: readonly PredictionRecord[]): Promise<void> {
    // Records of one layout go into one batch; a new layout closes the file and opens another.
    let start = 0
    while (start < records.length) {
      const columns = toColumns(records[start]!)
      const layout = columns.map((c) => `${c.name}:${c.kind}`).join('\u0000')
      let end = start + 1
      while (end < records.length && sameLayout(toColumns(records[end]!), layout)) end++
      for (let i = start + 1; i < end; i++) appendColumns(columns, toColumns(records[i]!))
      const rows = columns[0]!.values.length
      const estimate = estimateBytes(columns)
      const open = stream.file
      // Room for this batch and the footer still to come, so a closed file stays within maxBytes.
      const footer = footerBytes(columns, (open?.batches ?? 0) + 1)
      if (open && (open.layout !== layout || (open.rows > 0 && open.bytes + estimate + footer > this.maxBytes))) await this.finish(stream)
      const file = stream.file ?? (await this.openFile(stream, layout))
      file.writer.write(toBatch(columns))
      await writeChunks(file)
      file.rows += rows
      file.batches++
      this.options.onWritten?.(stream.model, stream.version, rows)
      start = end
    }
  }

  private async openFile(stream: Stream, layout: string): Promise<OpenFile> {
    const dir = join(this.options.dir, safeSegment(stream.model), safeSegment(stream.version))
    await mkdir(dir, { recursive: true })
    const openedAt = this.now()
    const stamp = new Date(openedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')
    for (;;) {
      const base = join(dir, `predictions-${stamp}-${String(stream.seq).padStart(6, '0')}`)
      stream.seq++
      let handle: FileHandle
      try {
        // 'wx': never reuse a name another file (or an earlier run) holds.
        handle = await open(`${base}.arrow.partial`, 'wx')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
        throw error
      }
      if (await exists(`${base}.arrow`)) {
        await handle.close()
        await rm(`${base}.arrow.partial`, { force: true })
        continue
      }
      const file: OpenFile = { path: base, handle, writer: new CollectingFileWriter(), bytes: 0, rows: 0, batches: 0, openedAt, layout }
      stream.file = file
      return file
    }
  }

  /** Footer, close, rename `.arrow.partial` to `.arrow`. */
  private async finish(stream: Stream): Promise<void> {
    const file = stream.file
    if (!file) return
    stream.file = undefined
    if (file.rows === 0) {
      // Nothing was written (the first write failed before any row): no empty file is left.
      await file.handle.close()
      await rm(`${file.path}.arrow.partial`, { force: true })
      return
    }
    file.writer.close()
    try {
      await writeChunks(file)
    } finally {
      await file.handle.close()
    }
    await rename(`${file.path}.arrow.partial`, `${file.path}.arrow`)
  }

  /** After a failed write: the partial file cannot be finished, so it goes; the next write opens a new one. */
  private async abandon(stream: Stream): Promise<void> {
    const file = stream.file
    stream.file = undefined
    if (!file) return
    // Its earlier rows were counted as written but go with the file: count them as dropped too.
    if (file.rows > 0) this.options.onDropped?.(stream.model, stream.version, file.rows, 'write-failed')
    try {
      await file.handle.close()
    } catch {
      /* already closed */
    }
    await rm(`${file.path}.arrow.partial`, { force: true }).catch(() => undefined)
  }

  private warnOnce(stream: Stream, error: unknown): void {
    const key = `${stream.model}\u0000${stream.version}`
    if (this.warned.has(key)) return
    this.warned.add(key)
    const code = (error as NodeJS.ErrnoException).code
    this.options.warn?.(
      `warning: the prediction log could not write ${stream.model} version ${stream.version} under ${this.options.dir} (${code ?? (error instanceof Error ? error.message : String(error))}); rows are dropped and counted in modelship_serve_prediction_log_dropped_total until it can`,
    )
  }
}

/** The columns of one record, in the format's order. */
function toColumns(record: PredictionRecord): Column[] {
  const feeds = record.request.feeds
  const rows = Object.values(feeds)[0]?.dims[0] ?? 0
  const repeat = <T>(value: T) => Array.from({ length: rows }, () => value)
  const columns: Column[] = [
    { name: 'request_id', kind: 'utf8', values: repeat(record.id === '' ? null : record.id) },
    { name: 'timestamp', kind: 'f64', values: repeat(record.timestamp ?? 0) },
    { name: 'model', kind: 'utf8', values: repeat(record.model) },
    { name: 'version', kind: 'utf8', values: repeat(record.version) },
  ]
  const wide = Object.values(feeds).filter((t) => perRow(t.dims) > 1)
  for (const [name, tensor] of Object.entries(feeds)) {
    const per = perRow(tensor.dims)
    const names =
      per === 1
        ? [name]
        : wide.length === 1 && record.features?.length === per
          ? [...record.features]
          : Array.from({ length: per }, (_, i) => `${name}[${i}]`)
    columns.push(...split(tensor.type, tensor.data, rows, names))
  }
  for (const name of record.request.fetches) {
    const tensor = record.outputs[name] as { type: DecodedTensor['type']; dims: readonly number[]; data: unknown } | undefined
    if (!tensor || tensor.dims[0] !== rows) continue
    const per = perRow(tensor.dims)
    const names = per === 1 ? [`output.${name}`] : Array.from({ length: per }, (_, j) => `output.${name}[${j}]`)
    columns.push(...split(tensor.type, tensor.data, rows, names))
  }
  return columns
}

function perRow(dims: readonly number[]): number {
  return dims.slice(1).reduce((a, b) => a * b, 1)
}

/** Row-major values of a [rows, per] tensor as `per` columns. */
function split(type: DecodedTensor['type'], data: unknown, rows: number, names: readonly string[]): Column[] {
  const values = toJsonValues(type, data)
  const kind = type === 'string' ? 'utf8' : 'f64'
  const per = names.length
  return names.map((name, j) => {
    const out = new Array<number | string | null>(rows)
    for (let r = 0; r < rows; r++) {
      const v = values[r * per + j]
      out[r] = kind === 'utf8' ? String(v) : typeof v === 'boolean' ? Number(v) : (v as number)
    }
    return { name, kind, values: out }
  })
}

function sameLayout(columns: readonly Column[], layout: string): boolean {
  return columns.map((c) => `${c.name}:${c.kind}`).join('\u0000') === layout
}

function appendColumns(into: Column[], more: readonly Column[]): void {
  for (let i = 0; i < into.length; i++) into[i]!.values.push(...more[i]!.values)
}

/**
 * Bytes one batch of `columns` takes in the file: the data with each buffer padded to 8 bytes and
 * validity bitmaps, plus its metadata (a generous bound: a field node and three buffer entries of
 * 16 bytes per column, and the message header).
 */
function estimateBytes(columns: readonly Column[]): number {
  const pad = (n: number) => Math.ceil(n / 8) * 8
  let bytes = 256
  for (const c of columns) {
    const rows = c.values.length
    bytes += 64 + pad(Math.ceil(rows / 8))
    if (c.kind === 'f64') bytes += pad(rows * 8)
    else {
      let text = 0
      for (const v of c.values) text += typeof v === 'string' ? Buffer.byteLength(v) : 0
      bytes += pad((rows + 1) * 4) + pad(text)
    }
  }
  return bytes
}

/** A bound on the footer of a file of `batches` batches: the schema again and a block entry per batch. */
function footerBytes(columns: readonly Column[], batches: number): number {
  let bytes = 256 + 24 * batches
  for (const c of columns) bytes += 96 + Buffer.byteLength(c.name)
  return bytes
}

function toBatch(columns: readonly Column[]): RecordBatch {
  const fields = columns.map((c) =>
    c.name === 'timestamp' && c === columns[1]
      ? new Field('timestamp', new Timestamp(TimeUnit.MILLISECOND, 'UTC'), false)
      : new Field(c.name, c.kind === 'utf8' ? new Utf8() : new Float64(), c.name === 'request_id' && c === columns[0]),
  )
  const schema = new Schema(fields, new Map([[PREDICTION_LOG_METADATA_KEY, PREDICTION_LOG_FORMAT_VERSION]]))
  const children = columns.map((c, i) => {
    const type = fields[i]!.type
    const vector = c.kind === 'utf8' ? vectorFromArray(c.values as Array<string | null>, new Utf8()) : i === 1 ? vectorFromArray(c.values as number[], type) : vectorFromArray(Float64Array.from(c.values as number[]))
    return vector.data[0]!
  })
  const length = columns[0]!.values.length
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children }))
}

async function writeChunks(file: OpenFile): Promise<void> {
  const chunks = file.writer.take()
  if (chunks.length === 0) return
  const { bytesWritten } = await file.handle.writev(chunks)
  file.bytes += bytesWritten
}

/** A model or version name as one safe path segment (names are already restricted; this keeps it so). */
function safeSegment(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._:=+-]/g, '_')
  return safe === '' || safe === '.' || safe === '..' ? `_${randomUUID().slice(0, 8)}` : safe
}

async function exists(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'r')
    await handle.close()
    return true
  } catch {
    return false
  }
}
