/**
 * Batched inference over a columnar table. One `session.run` per batch of `batchRows` rows; inputs are
 * built into reused buffers and only the outputs the task needs are fetched.
 *
 * Class order: the probability columns are in the order the model declares its classes. Their names
 * (`classes`) come from, in turn: (1) the classifier operator's `classlabels_*` attribute, or the class
 * list the label output's ArrayFeatureExtractor reads (read from the ONNX file, see onnx-proto.ts);
 * (2) otherwise the label output itself: column j is named after the label of the rows whose largest
 * probability is in column j. A column no row picks is named 'j' when every named column j carries the
 * label 'j' (integer classes 0..C-1), else '?j'.
 *
 * Width: probabilities keep the model's float type (float32 or float64) end to end. Narrowing float64
 * to float32 moved log_loss and pr_auc away from scikit-learn's (rounding makes ties) and set
 * log_loss's clipping epsilon to float32's.
 */
import { endianness } from 'node:os'
import ort from 'onnxruntime-node'
import { ModelError, UsageError } from '../errors.js'
import { FeedBuilder } from './feeds.js'
import type { OnnxModel, TensorInfo } from './model.js'
import type { ModelSignature } from './signature.js'
import { asColumnarTable, type TableLike } from './table.js'

/** Options for `predict`. */
export interface PredictOptions {
  /** Rows per `session.run`; default 65,536. Larger batches amortise the call overhead, smaller ones cap memory. */
  batchRows?: number
}

/** Predictions for every row of the table, in row order. */
export interface PredictResult {
  rowCount: number
  /** Classification: the label output as the model emits it (int64 labels as BigInt64Array). */
  labels?: BigInt64Array | string[]
  /** Classification: index into `classes` of each row's label; -1 for a label not among `classes`. Computed on first read. */
  labelIndices?: Int32Array
  /** Classification: probabilities, row-major [rowCount, classes.length], in the model's float width. */
  probabilities?: Float32Array | Float64Array
  /** Classification: class names in probability-column order (see the module comment for how they are found). */
  classes?: string[]
  /** Regression: one value per row. */
  values?: Float32Array | Float64Array
}

const LITTLE_ENDIAN = endianness() === 'LE'

/** Default rows per `session.run`. */
export const DEFAULT_BATCH_ROWS = 65_536

function outputTensor(result: ort.InferenceSession.ReturnType, name: string, model: OnnxModel): ort.Tensor {
  const value = result[name]
  if (!value || !('dims' in value)) throw new ModelError(`${model.path} returned no tensor '${name}'; check the model's outputs`)
  return value as ort.Tensor
}

function outputInfo(model: OnnxModel, name: string): TensorInfo {
  const info = model.outputs.find((output) => output.name === name)
  if (!info) throw new ModelError(`${model.path} has no output '${name}'; check the signature was resolved for this model`)
  return info
}

/** The dims onnxruntime expects for a pre-allocated output of `count` rows: [N] or [N, width]. */
function outputDims(info: TensorInfo, count: number, width: number): number[] {
  return info.shape.length === 1 ? [count] : [count, width]
}

function inferClasses(labels: BigInt64Array | string[], probabilities: Float32Array | Float64Array, classCount: number): string[] {
  const named: Array<string | undefined> = new Array(classCount).fill(undefined)
  let remaining = classCount
  for (let row = 0; row < labels.length && remaining > 0; row++) {
    let best = 0
    for (let j = 1; j < classCount; j++) {
      if (probabilities[row * classCount + j]! > probabilities[row * classCount + best]!) best = j
    }
    if (named[best] === undefined) {
      named[best] = String(labels[row])
      remaining--
    }
  }
  const integerClasses = named.every((name, j) => name === undefined || name === String(j))
  return named.map((name, j) => name ?? (integerClasses ? String(j) : `?${j}`))
}

function indexLabels(labels: BigInt64Array | string[], classes: string[]): Int32Array {
  const indices = new Int32Array(labels.length)
  const integerClasses = classes.every((name, j) => name === String(j))
  if (labels instanceof BigInt64Array && integerClasses && LITTLE_ENDIAN) {
    // The common skl2onnx case (classes 0..C-1): the label is its own index. Reading the int64s as
    // (low, high) int32 pairs is ~20x faster than BigInt arithmetic over a million rows.
    const words = new Int32Array(labels.buffer, labels.byteOffset, labels.length * 2)
    const count = classes.length
    for (let i = 0, k = 0; i < indices.length; i++, k += 2) {
      const low = words[k]!
      indices[i] = words[k + 1] === 0 && low >= 0 && low < count ? low : -1
    }
    return indices
  }
  const lookup = new Map(classes.map((name, j) => [name, j]))
  for (let i = 0; i < labels.length; i++) indices[i] = lookup.get(String(labels[i])) ?? -1
  return indices
}

/**
 * The classification result, with `labelIndices` computed on first read: evaluation reads only labels
 * and probabilities, and the index pass (a fresh 4 bytes a row plus a loop over every row) was 2-4% of
 * predict's time on 1M rows. It reads `labels` as they are at that first read.
 */
function classificationResult(
  rowCount: number,
  labels: BigInt64Array | string[],
  probabilities: Float32Array | Float64Array,
  classes: string[],
): PredictResult {
  const result: PredictResult = { rowCount, labels, probabilities, classes }
  let indices: Int32Array | undefined
  Object.defineProperty(result, 'labelIndices', {
    enumerable: true,
    configurable: true,
    get: () => (indices ??= indexLabels(labels, classes)),
    set: (value: Int32Array) => {
      indices = value
    },
  })
  return result
}

/**
 * Runs `model` over every row of `table` in batches. Throws DataError when a feature column is
 * missing or of the wrong kind, UsageError for a bad batch size.
 */
export async function predict(
  model: OnnxModel,
  signature: ModelSignature,
  data: TableLike,
  options: PredictOptions = {},
): Promise<PredictResult> {
  const table = asColumnarTable(data)
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    throw new UsageError(`batch size ${batchRows} is not a positive whole number of rows; use e.g. ${DEFAULT_BATCH_ROWS}`)
  }
  const rowCount = table.rowCount
  const feeds = new FeedBuilder(signature, table, Math.max(1, Math.min(batchRows, rowCount)))
  const outputs = signature.outputs

  // Numeric outputs are written by onnxruntime straight into views of the result arrays (pre-allocated
  // fetches), so no output is copied; only string labels, or outputs whose width the graph leaves
  // symbolic, are fetched and copied.
  if (outputs.kind === 'regression') {
    const info = outputInfo(model, outputs.value)
    const values = info.type === 'float64' ? new Float64Array(rowCount) : new Float32Array(rowCount)
    for (let start = 0; start < rowCount; start += feeds.capacity) {
      const count = Math.min(feeds.capacity, rowCount - start)
      const view = values.subarray(start, start + count)
      const target = new ort.Tensor(info.type === 'float64' ? 'float64' : 'float32', view, outputDims(info, count, 1))
      await model.session.run(feeds.build(start, count), { [outputs.value]: target })
    }
    return { rowCount, values }
  }

  const probabilityInfo = outputInfo(model, outputs.probabilities)
  const labelInfo = outputInfo(model, outputs.label)
  const fixedClasses = probabilityInfo.shape[1]
  let classCount = typeof fixedClasses === 'number' ? fixedClasses : 0
  const wide = probabilityInfo.type === 'float64'
  const Probabilities = wide ? Float64Array : Float32Array
  let probabilities: Float32Array | Float64Array | undefined = classCount > 0 ? new Probabilities(rowCount * classCount) : undefined
  const labels: BigInt64Array | string[] = labelInfo.type === 'string' ? new Array<string>(rowCount) : new BigInt64Array(rowCount)
  for (let start = 0; start < rowCount; start += feeds.capacity) {
    const count = Math.min(feeds.capacity, rowCount - start)
    const fetches: Record<string, ort.Tensor | null> = { [outputs.label]: null, [outputs.probabilities]: null }
    if (labels instanceof BigInt64Array) {
      fetches[outputs.label] = new ort.Tensor('int64', labels.subarray(start, start + count), outputDims(labelInfo, count, 1))
    }
    if (probabilities) {
      const view = probabilities.subarray(start * classCount, (start + count) * classCount)
      fetches[outputs.probabilities] = wide ? new ort.Tensor('float64', view as Float64Array, [count, classCount]) : new ort.Tensor('float32', view as Float32Array, [count, classCount])
    }
    const result = await model.session.run(feeds.build(start, count), fetches)
    if (!fetches[outputs.probabilities]) {
      const tensor = outputTensor(result, outputs.probabilities, model)
      if (!probabilities) {
        classCount = Number(tensor.dims[1] ?? 0)
        probabilities = new Probabilities(rowCount * classCount)
      }
      probabilities.set(tensor.data as Float32Array | Float64Array, start * classCount)
    }
    if (!(labels instanceof BigInt64Array)) {
      const data = outputTensor(result, outputs.label, model).data as string[]
      for (let i = 0; i < count; i++) labels[start + i] = data[i]!
    }
  }
  probabilities ??= new Probabilities(0)
  const declared = model.info.classLabels
  const classes = declared && declared.length === classCount ? [...declared] : inferClasses(labels, probabilities, classCount)
  return classificationResult(rowCount, labels, probabilities, classes)
}
