/**
 * Builds onnxruntime input tensors for consecutive row ranges of a columnar table. Each input owns one
 * buffer sized for a full batch, reused for every batch (onnxruntime-node runs synchronously inside
 * `session.run`, so a buffer is free again once the promise settles); a short last batch gets a view.
 */
import ort from 'onnxruntime-node'
import { DataError } from '../errors.js'
import type { ModelSignature } from './signature.js'
import { isNumericColumn, requireColumn, type ColumnarTable, type TableColumn } from './table.js'

type Filler = (start: number, count: number) => ort.Tensor

function numericColumn(table: ColumnarTable, feature: string, inputName: string): Float64Array {
  const column = requireColumn(table, feature)
  if (!isNumericColumn(column)) {
    throw new DataError(
      `column '${feature}' holds strings but model input '${inputName}' is numeric; encode the column as numbers or give the model a string input for it`,
    )
  }
  return column
}

function floatFiller(column: Float64Array, type: 'float32' | 'float64', rank: 1 | 2, capacity: number): Filler {
  const buffer = type === 'float32' ? new Float32Array(capacity) : new Float64Array(capacity)
  return (start, count) => {
    // TypedArray.prototype.set converts float64 → float32 natively, far faster than a JS loop.
    buffer.set(column.subarray(start, start + count))
    const data = count === capacity ? buffer : buffer.subarray(0, count)
    return new ort.Tensor(type, data, rank === 1 ? [count] : [count, 1])
  }
}

function int64Filler(column: Float64Array, feature: string, rank: 1 | 2, capacity: number): Filler {
  const buffer = new BigInt64Array(capacity)
  return (start, count) => {
    for (let i = 0; i < count; i++) {
      const value = column[start + i]!
      if (!Number.isFinite(value)) {
        throw new DataError(
          `column '${feature}' row ${start + i} is ${Number.isNaN(value) ? 'null' : value} but the model input '${feature}' is int64, which has no null; impute the column before scoring or export the input as float`,
        )
      }
      buffer[i] = BigInt(Math.trunc(value))
    }
    const data = count === capacity ? buffer : buffer.subarray(0, count)
    return new ort.Tensor('int64', data, rank === 1 ? [count] : [count, 1])
  }
}

function stringFiller(column: TableColumn, rank: 1 | 2, capacity: number): Filler {
  const buffer: string[] = new Array<string>(capacity).fill('')
  return (start, count) => {
    const data = count === capacity ? buffer : new Array<string>(count)
    if (isNumericColumn(column)) {
      // A categorical feature the data layer read as numbers (codes such as 1, 2, 3): the model sees
      // the same text the training frame would have held; NaN (null) becomes ''.
      for (let i = 0; i < count; i++) {
        const value = column[start + i]!
        data[i] = Number.isNaN(value) ? '' : String(value)
      }
    } else {
      // onnxruntime string tensors have no null; '' is what encoders trained on filled data treat as unknown.
      for (let i = 0; i < count; i++) data[i] = column[start + i] ?? ''
    }
    return new ort.Tensor('string', data, rank === 1 ? [count] : [count, 1])
  }
}

function matrixFiller(columns: Float64Array[], type: 'float32' | 'float64', capacity: number): Filler {
  const width = columns.length
  const buffer = type === 'float32' ? new Float32Array(capacity * width) : new Float64Array(capacity * width)
  return (start, count) => {
    // Row by row: sequential writes into the row-major buffer measured ~3x faster than strided ones.
    for (let i = 0, k = 0; i < count; i++) {
      for (let j = 0; j < width; j++) buffer[k++] = columns[j]![start + i]!
    }
    const data = count === capacity ? buffer : buffer.subarray(0, count * width)
    return new ort.Tensor(type, data, [count, width])
  }
}

/** Makes feeds for rows [start, start + count) of `table`; count ≤ the capacity it was made with. */
export class FeedBuilder {
  private readonly fillers: Array<[string, Filler]>

  /**
   * @param capacity rows per batch; buffers are allocated once at this size.
   * Throws DataError when a feature column is missing or holds strings for a numeric input.
   */
  constructor(
    signature: ModelSignature,
    table: ColumnarTable,
    readonly capacity: number,
  ) {
    const layout = signature.inputs
    if (layout.kind === 'matrix') {
      const columns = signature.features.map((feature) => numericColumn(table, feature, layout.input))
      this.fillers = [[layout.input, matrixFiller(columns, layout.type, capacity)]]
    } else {
      this.fillers = layout.inputs.map(({ feature, type, rank }) => {
        if (type === 'string') return [feature, stringFiller(requireColumn(table, feature), rank, capacity)]
        const column = numericColumn(table, feature, feature)
        return [feature, type === 'int64' ? int64Filler(column, feature, rank, capacity) : floatFiller(column, type, rank, capacity)]
      })
    }
  }

  /** Feeds for one batch, keyed by input name. */
  build(start: number, count: number): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {}
    for (const [name, fill] of this.fillers) feeds[name] = fill(start, count)
    return feeds
  }
}
