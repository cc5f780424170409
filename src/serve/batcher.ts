/**
 * Dynamic batching as Triton does it: requests for one version wait up to a max queue delay, or until
 * the gathered rows reach a max batch size, then go through one `session.run` along the first
 * dimension, and each request gets its own rows back. Requests whose inner dimensions differ are not
 * mixed; a request as large as the batch runs alone at once.
 */
import type ort from 'onnxruntime-node'
import type { DecodedTensor, TensorData } from './datatypes.js'
import type { RunOutputs } from './model-store.js'

/** Batching settings of one version. */
export interface BatchingOptions {
  /** Most rows in one run; default 64. */
  maxBatchSize: number
  /** Longest a request waits for others, in microseconds; default 500. Under 1000 µs means "what arrived in this event-loop turn" (timers have 1 ms grain). */
  maxQueueDelayMicros: number
}

/** Runs one session.run; `requests` is how many requests its rows came from. */
type Runner = (feeds: Record<string, DecodedTensor>, fetches: readonly string[], requests: number) => Promise<RunOutputs>

/** Where a request's time went, in seconds; filled in by `run`. */
export interface RunTiming {
  /** Waiting for other requests to batch with (0 without batching). */
  queueSeconds: number
  /** The session.run that served it (shared by every request of the batch). */
  computeSeconds: number
  /** Rows in that session.run. */
  batchRows: number
}

interface Pending {
  feeds: Record<string, DecodedTensor>
  fetches: readonly string[]
  rows: number
  enqueued: bigint
  timing: RunTiming | undefined
  resolve(outputs: RunOutputs): void
  reject(error: unknown): void
}

interface Queue {
  pending: Pending[]
  rows: number
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined
  /** Its max queue delay has passed: it runs as soon as a session is free. */
  due: boolean
}

/** Gathers runs of one version into batches. */
export class Batcher {
  /** Open queues by input shape key, oldest first (Map order). */
  private readonly queues = new Map<string, Queue>()
  /** Full batches waiting for a free session. */
  private readonly ready: Queue[] = []
  private running = 0

  constructor(
    private readonly runner: Runner,
    readonly options: BatchingOptions,
    /**
     * Batched runs at once, as Triton's model instances: the sessions of the version. While all are
     * busy, requests keep gathering (up to the max batch size), so batches grow with the load instead
     * of many one-row runs competing for the cores. Default: no limit.
     */
    private readonly concurrency = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * Queues `feeds` (every input with the same first dimension) and resolves with this request's rows
   * of the outputs; `timing`, when given, gets the queue wait and the compute time.
   */
  run(feeds: Record<string, DecodedTensor>, fetches: readonly string[], timing?: RunTiming): Promise<RunOutputs> {
    const first = Object.values(feeds)[0]
    const rows = first?.dims[0] ?? 0
    const enqueued = process.hrtime.bigint()
    if (rows >= this.options.maxBatchSize || rows === 0) return this.runAlone({ feeds, fetches, rows, enqueued, timing })
    // Only requests with the same inner dimensions can be stacked.
    const key = shapeKey(feeds)
    return new Promise<RunOutputs>((resolve, reject) => {
      let queue = this.queues.get(key)
      if (queue && queue.rows + rows > this.options.maxBatchSize) {
        this.flush(key, queue)
        queue = undefined
      }
      if (!queue) {
        queue = { pending: [], rows: 0, timer: undefined, due: false }
        this.queues.set(key, queue)
        const q = queue
        const delay = this.options.maxQueueDelayMicros
        const expire = () => {
          q.timer = undefined
          q.due = true
          this.pump()
        }
        q.timer = delay < 1000 ? setImmediate(expire) : setTimeout(expire, delay / 1000)
      }
      queue.pending.push({ feeds, fetches, rows, enqueued, timing, resolve, reject })
      queue.rows += rows
      if (queue.rows >= this.options.maxBatchSize) this.flush(key, queue)
    })
  }

  /** A full queue: closed to new requests, run when a session is free. */
  private flush(key: string, queue: Queue): void {
    if (this.queues.get(key) === queue) this.queues.delete(key)
    if (queue.timer !== undefined) {
      clearTimeout(queue.timer as NodeJS.Timeout)
      clearImmediate(queue.timer as NodeJS.Immediate)
      queue.timer = undefined
    }
    if (queue.pending.length === 0) return
    this.ready.push(queue)
    this.pump()
  }

  /** Starts batches while sessions are free: full ones first, then open ones whose delay has passed. */
  private pump(): void {
    while (this.running < this.concurrency) {
      let next = this.ready.shift()
      if (!next) {
        const due = [...this.queues].find(([, q]) => q.due)
        if (!due) return
        this.queues.delete(due[0])
        next = due[1]
      }
      const batch = next.pending.splice(0)
      if (batch.length === 0) continue
      this.running++
      void this.runBatch(batch, next.rows).finally(() => {
        this.running--
        this.pump()
      })
    }
  }

  /** One request in a session.run of its own, timed. */
  private async runAlone(p: Pick<Pending, 'feeds' | 'fetches' | 'rows' | 'enqueued' | 'timing'>): Promise<RunOutputs> {
    const started = process.hrtime.bigint()
    try {
      return await this.runner(p.feeds, p.fetches, 1)
    } finally {
      if (p.timing) setTiming(p.timing, p.enqueued, started, p.rows)
    }
  }

  private async runBatch(batch: Pending[], rows: number): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0]!
      await this.runAlone(only).then(only.resolve, only.reject)
      return
    }
    const fetches = [...new Set(batch.flatMap((p) => p.fetches))]
    const feeds: Record<string, DecodedTensor> = {}
    for (const name of Object.keys(batch[0]!.feeds)) {
      const parts = batch.map((p) => p.feeds[name]!)
      feeds[name] = { type: parts[0]!.type, dims: [rows, ...parts[0]!.dims.slice(1)], data: concat(parts.map((t) => t.data)) }
    }
    let outputs: RunOutputs
    const started = process.hrtime.bigint()
    try {
      outputs = await this.runner(feeds, fetches, batch.length)
    } catch {
      // One bad request must not fail the others: run each alone so each gets its own answer.
      await Promise.all(batch.map((p) => this.runAlone(p).then(p.resolve, p.reject)))
      return
    }
    if (!fetches.every((name) => outputs[name]?.dims[0] === rows)) {
      // An output that is not one row per input row cannot be split; answer each request on its own.
      await Promise.all(batch.map((p) => this.runAlone(p).then(p.resolve, p.reject)))
      return
    }
    const ended = process.hrtime.bigint()
    let offset = 0
    for (const p of batch) {
      if (p.timing) setTiming(p.timing, p.enqueued, started, rows, ended)
      const mine: RunOutputs = {}
      for (const name of p.fetches) mine[name] = sliceRows(outputs[name]!, offset, p.rows)
      offset += p.rows
      p.resolve(mine)
    }
  }
}

/** `name:inner dims` of every input, e.g. `tenure:1,contract:1`; built without the arrays a map/join would make (this runs per request). */
function shapeKey(feeds: Record<string, DecodedTensor>): string {
  let key = ''
  for (const name in feeds) {
    const dims = feeds[name]!.dims
    key += key === '' ? `${name}:` : `,${name}:`
    for (let i = 1; i < dims.length; i++) key += i === 1 ? String(dims[i]) : `x${dims[i]}`
  }
  return key
}

function setTiming(timing: RunTiming, enqueued: bigint, started: bigint, rows: number, ended = process.hrtime.bigint()): void {
  timing.queueSeconds = Number(started - enqueued) / 1e9
  timing.computeSeconds = Number(ended - started) / 1e9
  timing.batchRows = rows
}

function concat(parts: TensorData[]): TensorData {
  const first = parts[0]!
  if (Array.isArray(first)) return (parts as Array<string[] | boolean[]>).flat() as TensorData
  const total = parts.reduce((n, p) => n + p.length, 0)
  const Ctor = first.constructor as new (n: number) => Exclude<TensorData, unknown[]>
  const out = new Ctor(total)
  let at = 0
  for (const p of parts as Array<Exclude<TensorData, unknown[]>>) {
    ;(out as Float32Array).set(p as Float32Array, at)
    at += p.length
  }
  return out
}

/** A tensor-shaped view of rows [start, start+count) of `tensor`. */
function sliceRows(tensor: ort.Tensor, start: number, count: number): ort.Tensor {
  const per = tensor.dims.slice(1).reduce((a, b) => a * b, 1)
  const data = tensor.data as unknown as { slice(a: number, b: number): unknown }
  const part = data.slice(start * per, (start + count) * per)
  return { type: tensor.type, dims: [count, ...tensor.dims.slice(1)], data: part } as unknown as ort.Tensor
}
