/**
 * The pool of worker threads (worker_threads directly: one long-lived worker per thread, each with
 * its own onnxruntime session, fed whole segments, so a pool library's per-task queueing would add
 * nothing). The worker file is src/batch/worker.ts from source (tsx, whose loader worker threads
 * inherit through execArgv) and dist/batch-worker.cjs beside the bundle that starts it.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { ModelError } from '../errors.js'
import type { ResultSchema } from './results.js'
import type { Segment } from './shard.js'
import type { WorkerInit, WorkerMessage } from './worker.js'

/** Name of the worker bundle next to dist/cli.cjs (and one folder above dist/actions/<name>.cjs). */
export const WORKER_BUNDLE = 'batch-worker.cjs'

/** The worker's file: the .ts source beside this module, or the worker bundle beside the running bundle. */
export function workerFile(moduleUrl: string = import.meta.url): string {
  if (moduleUrl.endsWith('.ts')) return fileURLToPath(new URL('./worker.ts', moduleUrl))
  for (const candidate of [`./${WORKER_BUNDLE}`, `../${WORKER_BUNDLE}`]) {
    const path = fileURLToPath(new URL(candidate, moduleUrl))
    if (existsSync(path)) return path
  }
  throw new Error(`the batch worker bundle ${WORKER_BUNDLE} is missing beside ${fileURLToPath(moduleUrl)}; ship dist/ whole (npm run build makes it)`)
}

/**
 * Starts the worker file. A .ts source needs tsx inside the thread too: Node 20 gives a worker the
 * --import flag but not the loader hooks registered by it, so an eval'd bootstrap registers tsx's
 * loader in the thread and then imports the worker. A bundle starts as it is.
 */
function startWorker(file: string, workerData: unknown): Worker {
  if (!file.endsWith('.ts')) return new Worker(file, { workerData })
  const tsx = import.meta.resolve('tsx/esm/api')
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(file).href)}) })`
  return new Worker(bootstrap, { eval: true, workerData })
}

/** Events of a pool run. */
export interface PoolEvents {
  onMessage(message: Extract<WorkerMessage, { type: 'outcome' | 'retry' }>): void
}

/** A started pool: every worker has loaded the model. */
export class WorkerPool {
  private stopped = false

  private constructor(
    private readonly workers: Worker[],
    /** The result schema the workers agreed on. */
    readonly schema: ResultSchema,
  ) {}

  /** Starts `count` workers and waits until each has its session (or one fails). */
  static async start(count: number, init: WorkerInit): Promise<WorkerPool> {
    const file = workerFile()
    const workers: Worker[] = []
    try {
      const schemas = await Promise.all(
        Array.from({ length: count }, async () => {
          const worker = startWorker(file, { modelshipBatchWorker: init })
          workers.push(worker)
          return await new Promise<ResultSchema>((resolve, reject) => {
            // Only the listeners added here are removed: a Worker keeps internal ones of its own.
            const onError = (error: Error): void => settle(() => reject(error))
            const onExit = (code: number): void => settle(() => reject(new Error(`a batch worker exited with code ${code} while loading the model`)))
            const onMessage = (message: WorkerMessage): void =>
              settle(() => {
                if (message.type === 'ready') resolve(message.schema)
                else if (message.type === 'fatal') reject(message.user ? new ModelError(message.message) : new Error(message.message))
                else reject(new Error(`a batch worker said '${message.type}' before it was ready`))
              })
            const settle = (then: () => void): void => {
              worker.off('error', onError).off('exit', onExit).off('message', onMessage)
              then()
            }
            worker.on('error', onError).on('exit', onExit).on('message', onMessage)
          })
        }),
      )
      return new WorkerPool(workers, schemas[0]!)
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()))
      throw error
    }
  }

  /**
   * Hands out the segments, one at a time to each free worker, until all are done; rejects on the
   * first worker failure. `shouldStop` is asked after each event: true ends the run early.
   */
  run(segments: readonly Segment[], events: PoolEvents, shouldStop: () => boolean): Promise<void> {
    const queue = [...segments]
    let busy = 0
    return new Promise<void>((resolve, reject) => {
      let settled = false
      const detach: Array<() => void> = []
      const finish = (error?: unknown): void => {
        if (settled) return
        settled = true
        for (const off of detach) off()
        if (error) reject(error)
        else resolve()
      }
      const feed = (worker: Worker): void => {
        if (settled) return
        if (shouldStop()) {
          if (busy === 0) finish()
          return
        }
        const segment = queue.shift()
        if (!segment) {
          if (busy === 0) finish()
          return
        }
        busy++
        worker.postMessage({ type: 'segment', segment })
      }
      for (const worker of this.workers) {
        const onMessage = (message: WorkerMessage): void => {
          if (message.type === 'outcome' || message.type === 'retry') {
            events.onMessage(message)
            // Past the error threshold: stop now; batches in flight are lost, not half-written (markers are atomic).
            if (shouldStop()) finish()
          } else if (message.type === 'segment-done') {
            busy--
            feed(worker)
          } else if (message.type === 'fatal') finish(new Error(`a batch worker failed: ${message.message}`))
        }
        const onError = (error: Error): void => finish(error)
        const onExit = (code: number): void => finish(new Error(`a batch worker exited with code ${code} in the middle of the run`))
        worker.on('message', onMessage).on('error', onError).on('exit', onExit)
        detach.push(() => worker.off('message', onMessage).off('error', onError).off('exit', onExit))
      }
      for (const worker of this.workers) feed(worker)
    })
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await Promise.all(this.workers.map((worker) => worker.terminate()))
  }
}
