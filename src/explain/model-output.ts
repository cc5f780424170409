/**
 * The numbers an explanation explains: for a binary classifier the positive-class probability
 * (probability column 1, or the column of the class `positiveClass` names: src/metrics/positive-class.ts), for a multiclass classifier every class's probability, for a regressor the
 * predicted value. Each row gives K numbers (K = 1, or the class count).
 */
import { positiveClassIndex } from '../metrics/positive-class.js'
import { predict, type PredictResult } from '../onnx/predict.js'
import type { OnnxModel } from '../onnx/model.js'
import type { ModelSignature } from '../onnx/signature.js'
import type { ColumnarTable } from '../onnx/table.js'

/** Per-row model outputs: `values` is row-major [rows, names.length]. */
export interface ModelOutputs {
  names: string[]
  values: Float64Array
}

/** Picks the explained outputs out of a prediction; `positiveClass` is a binary model's positive class (default its second). */
export function explainedOutputs(signature: ModelSignature, prediction: PredictResult, positiveClass?: string): ModelOutputs {
  const rows = prediction.rowCount
  if (signature.outputs.kind === 'regression') {
    return { names: ['value'], values: Float64Array.from(prediction.values ?? []) }
  }
  const classes = prediction.classes ?? []
  const probabilities = prediction.probabilities ?? new Float32Array(0)
  const width = classes.length
  if (signature.task === 'binary-classification') {
    const column = positiveClassIndex(classes, positiveClass)
    const values = new Float64Array(rows)
    for (let i = 0; i < rows; i++) values[i] = probabilities[i * width + column]!
    return { names: [`P(${classes[column] ?? '1'})`], values }
  }
  return { names: classes.map((name) => `P(${name})`), values: Float64Array.from(probabilities) }
}

/** Runs the model over `table` and returns its explained outputs. */
export async function evaluateOutputs(
  model: OnnxModel,
  signature: ModelSignature,
  table: ColumnarTable,
  batchRows?: number,
  positiveClass?: string,
): Promise<ModelOutputs> {
  const prediction = await predict(model, signature, table, batchRows === undefined ? {} : { batchRows })
  return explainedOutputs(signature, prediction, positiveClass)
}
