/**
 * A batch-scoring worker thread: its own onnxruntime session, reading its segments' rows itself
 * (so reading, scoring and writing run in every worker at once), writing each mini-batch's part and
 * done marker, and telling the main thread each outcome. Bundled as dist/batch-worker.cjs; from
 * source it runs as this .ts file under tsx.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { readBatches } from '../data/read-table.js'
import { loadModel } from '../onnx/model.js'
import { predict } from '../onnx/predict.js'
import { assertSignature } from '../onnx/signature.js'
import type { FeatureTypes } from './rows.js'
import { checkRows } from './rows.js'
import { resultColumns, resultSchema, type ResultColumns, type ResultSchema } from './results.js'
import { reasonOf, runSegment, type BatchOutcome } from './segment.js'
import type { Segment } from './shard.js'
import { partPath, writeMarker } from './state.js'
import { writePart } from './writers.js'
import type { ModelSignature } from '../onnx/signature.js'
import type { Task } from '../metrics/catalog.js'

/** What a worker is started with. */
export interface WorkerInit {
  readonly modelPath: string
  readonly task: Task
  readonly features: readonly string[]
  readonly intraOpThreads: number
  readonly stateDir: string
  readonly batchRows: number
  readonly maxRetries: number
  readonly files: ReadonlyArray<{ path: string; display: string }>
}

/** Messages from a worker. */
export type WorkerMessage =
  | { type: 'ready'; schema: ResultSchema }
  | { type: 'outcome'; outcome: BatchOutcome; results?: ResultColumns }
  | { type: 'retry'; file: number; start: number; end: number; attempt: number; reason: string }
  | { type: 'segment-done' }
  | { type: 'fatal'; message: string; user: boolean }

/** Messages to a worker. */
export type WorkerCommand = { type: 'segment'; segment: Segment } | { type: 'stop' }

/** The kind each feature must have, from how the model takes it. */
export function featureTypes(signature: ModelSignature): FeatureTypes {
  const layout = signature.inputs
  if (layout.kind === 'matrix') return new Map(signature.features.map((f) => [f, 'numeric' as const]))
  return new Map(layout.inputs.map((input) => [input.feature, input.type === 'string' ? ('string' as const) : ('numeric' as const)]))
}

async function main(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  const post = (message: WorkerMessage): void => port.postMessage(message)
  let model
  try {
    model = await loadModel(init.modelPath, { intraOpThreads: init.intraOpThreads })
  } catch (error) {
    post({ type: 'fatal', message: reasonOf(error), user: error instanceof Error && error.name === 'ModelError' })
    return
  }
  const signature = assertSignature(model, { task: init.task, features: init.features })
  const schema = resultSchema(model, signature)
  const types = featureTypes(signature)
  const columns = [...types.keys()]
  const displays = init.files.map((file) => file.display)
  post({ type: 'ready', schema })
  // The results of the batch being scored, sent with its outcome so the main thread can append them
  // without reading its part back from disk (the part stays, for a resume). Cleared on every try.
  let scoredResults: ResultColumns | undefined
  const work = {
    open: (file: number, start: number, end: number) =>
      readBatches(init.files[file]!.path, { columns, displayName: init.files[file]!.display, batchRows: init.batchRows, startRow: start, endRow: end })[Symbol.asyncIterator](),
    async score(batch: { file: number; start: number; end: number }, table: Parameters<typeof checkRows>[0]) {
      scoredResults = undefined
      const checked = checkRows(table, batch.start, types)
      let scored = 0
      if (checked.table.rowCount > 0) {
        const predicted = await predict(model, signature, checked.table, { batchRows: checked.table.rowCount })
        const results = resultColumns(schema, displays, batch.file, checked.rowIds, predicted)
        await writePart(partPath(init.stateDir, batch), schema, results)
        scoredResults = results
        scored = checked.table.rowCount
      }
      return { scored, failedRows: checked.failedRows, failures: checked.failures }
    },
    record: (outcome: BatchOutcome) => writeMarker(init.stateDir, outcome),
    retrying: (batch: { file: number; start: number; end: number }, attempt: number, reason: string) => post({ type: 'retry', ...batch, attempt, reason }),
  }
  port.on('message', (command: WorkerCommand) => {
    if (command.type === 'stop') {
      port.close()
      void model.release()
      return
    }
    runSegment(command.segment, work, init.maxRetries, (outcome) => {
      // Structured clone copies the columns (~16 bytes a row for a regressor): far less than the
      // main thread decoding the part file; onnxruntime's output buffers are not ours to transfer.
      post({ type: 'outcome', outcome, ...(outcome.scored > 0 && scoredResults ? { results: scoredResults } : {}) })
      scoredResults = undefined
    }).then(
      () => post({ type: 'segment-done' }),
      (error: unknown) => post({ type: 'fatal', message: reasonOf(error), user: false }),
    )
  })
}

if (parentPort && (workerData as { modelshipBatchWorker?: WorkerInit } | undefined)?.modelshipBatchWorker) {
  const port = parentPort
  main(port, (workerData as { modelshipBatchWorker: WorkerInit }).modelshipBatchWorker).catch((error: unknown) =>
    port.postMessage({ type: 'fatal', message: reasonOf(error), user: error instanceof Error && /Error$/.test(error.name) && error.name !== 'Error' } satisfies WorkerMessage),
  )
}
