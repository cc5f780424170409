/**
 * Checks a model's inputs and outputs against the Modelship ONNX I/O convention for a spec's task and
 * features, and reports every mismatch at once, each with its fix:
 *
 * - inputs: EITHER one input per feature, named exactly as the feature, shape [N] or [N,1], dtype
 *   float32 | float64 | int64 | string (string for categorical features), OR one 2-D float input [N,F]
 *   whose columns are the features in spec order (numeric features only);
 * - classification: a label tensor ([N], int64 or string) and a probabilities tensor (float [N,C]),
 *   named `label` and `probabilities` as skl2onnx emits them with zipmap off;
 * - regression: one float output, [N] or [N,1] (skl2onnx names it `variable`).
 */
import type { Task } from '../metrics/catalog.js'
import { ModelError } from '../errors.js'
import type { OnnxModel, TensorElementType, TensorInfo } from './model.js'

/** Whether a feature's data is numbers or strings; lets the check catch dtype mismatches. */
export type FeatureKind = 'numeric' | 'categorical'

/** What the spec says the model should take and give. */
export interface SignatureSpec {
  task: Task
  /** Feature names in spec order (`data.features`). */
  features: readonly string[]
  /** Kind of each feature's data column, when known (from the data); unknown features are not dtype-checked. */
  featureKinds?: Readonly<Record<string, FeatureKind>>
}

/** Element types a per-feature input may have. */
export type FeatureInputType = 'float32' | 'float64' | 'int64' | 'string'

/** How feature columns become input tensors. */
export type InputLayout =
  | { kind: 'per-feature'; inputs: ReadonlyArray<{ feature: string; type: FeatureInputType; rank: 1 | 2 }> }
  | { kind: 'matrix'; input: string; type: 'float32' | 'float64' }

/** Which outputs hold the predictions. */
export type OutputLayout =
  | { kind: 'classification'; label: string; probabilities: string; probabilityType: 'float32' | 'float64' }
  | { kind: 'regression'; value: string }

/** A model's signature, resolved against a spec: what `predict` needs to build feeds and read results. */
export interface ModelSignature {
  task: Task
  features: readonly string[]
  inputs: InputLayout
  outputs: OutputLayout
}

/** The result of `checkSignature`: the resolved signature when there are no problems. */
export interface SignatureCheckResult {
  ok: boolean
  /** One line per mismatch: what is wrong, the value found, what was expected, and the fix. */
  problems: string[]
  signature?: ModelSignature
}

const FEATURE_TYPES = new Set<TensorElementType>(['float32', 'float64', 'int64', 'string'])
const FLOAT_TYPES = new Set<TensorElementType>(['float32', 'float64'])

function formatShape(shape: TensorInfo['shape']): string {
  return `[${shape.map((d) => (typeof d === 'number' ? String(d) : d === '' ? '?' : d)).join(', ')}]`
}

function describe(info: TensorInfo): string {
  return info.type === undefined ? `'${info.name}' (not a tensor)` : `'${info.name}' (${info.type} ${formatShape(info.shape)})`
}

function isBatchOfOne(shape: TensorInfo['shape']): boolean {
  return shape.length === 1 || (shape.length === 2 && (shape[1] === 1 || typeof shape[1] === 'string'))
}

function checkInputs(model: OnnxModel, spec: SignatureSpec, problems: string[]): InputLayout | undefined {
  const features = spec.features
  const featureSet = new Set(features)
  const named = model.inputs.filter((input) => featureSet.has(input.name))
  const only = model.inputs[0]
  if (named.length === 0 && model.inputs.length === 1 && only) {
    return checkMatrixInput(only, spec, problems)
  }

  const inputs: Array<{ feature: string; type: FeatureInputType; rank: 1 | 2 }> = []
  const byName = new Map(model.inputs.map((input) => [input.name, input]))
  const missing = features.filter((feature) => !byName.has(feature))
  if (missing.length > 0) {
    problems.push(
      `the model has no input for feature${missing.length > 1 ? 's' : ''} ${missing.map((f) => `'${f}'`).join(', ')} ` +
        `(inputs: ${model.inputs.map((i) => `'${i.name}'`).join(', ')}); name each model input exactly as its feature ` +
        `(skl2onnx initial_types=[('${missing[0]}', FloatTensorType([None, 1])), ...]) or remove the feature from data.features`,
    )
  }
  for (const input of model.inputs) {
    if (!featureSet.has(input.name)) {
      problems.push(
        `model input ${describe(input)} is not one of data.features; add '${input.name}' to data.features, or retrain the model without it`,
      )
    }
  }
  for (const feature of features) {
    const input = byName.get(feature)
    if (!input) continue
    let ok = true
    if (input.type === undefined || !FEATURE_TYPES.has(input.type)) {
      ok = false
      problems.push(
        `model input ${describe(input)} has an unsupported dtype; expected float32, float64, int64 or string; cast it in the model (e.g. a Cast node) or convert with FloatTensorType/StringTensorType`,
      )
    } else {
      const kind = spec.featureKinds?.[feature]
      if (kind === 'categorical' && input.type !== 'string') {
        ok = false
        problems.push(
          `feature '${feature}' is categorical (strings) in the data but model input ${describe(input)} is numeric; declare it as a string input (StringTensorType([None, 1])) and encode it inside the model, or encode the column as numbers before training`,
        )
      } else if (kind === 'numeric' && input.type === 'string') {
        ok = false
        problems.push(
          `feature '${feature}' is numeric in the data but model input ${describe(input)} takes strings; declare it as FloatTensorType([None, 1]), or make the column categorical in the data`,
        )
      }
    }
    if (!isBatchOfOne(input.shape)) {
      ok = false
      problems.push(
        `model input ${describe(input)} must have shape [N] or [N, 1] (one value per row); reshape it in the model or declare it as [None, 1]`,
      )
    }
    if (ok) inputs.push({ feature, type: input.type as FeatureInputType, rank: input.shape.length === 1 ? 1 : 2 })
  }
  return problems.length === 0 ? { kind: 'per-feature', inputs } : undefined
}

function checkMatrixInput(input: TensorInfo, spec: SignatureSpec, problems: string[]): InputLayout | undefined {
  const count = spec.features.length
  const before = problems.length
  if (input.type === undefined || !FLOAT_TYPES.has(input.type)) {
    problems.push(
      `model input ${describe(input)} is neither named after a feature nor a float matrix; expected one float32 [N, ${count}] input, or one input per feature named as the feature; convert with initial_types=[('input', FloatTensorType([None, ${count}]))]`,
    )
  } else if (input.shape.length !== 2) {
    problems.push(
      `model input ${describe(input)} must be 2-D [N, ${count}] (one row per example, one column per feature in data.features order); declare it as FloatTensorType([None, ${count}])`,
    )
  } else if (typeof input.shape[1] === 'number' && input.shape[1] !== count) {
    problems.push(
      `model input ${describe(input)} has ${input.shape[1]} columns but data.features lists ${count} (${spec.features.join(', ')}); list the model's features in data.features, in training order, or retrain on these`,
    )
  }
  const categorical = spec.features.filter((feature) => spec.featureKinds?.[feature] === 'categorical')
  if (categorical.length > 0) {
    problems.push(
      `feature${categorical.length > 1 ? 's' : ''} ${categorical.map((f) => `'${f}'`).join(', ')} ${categorical.length > 1 ? 'are' : 'is'} categorical (strings) but the model takes one float matrix '${input.name}'; give the model one input per feature (a string input for each categorical one) or encode them as numbers before training`,
    )
  }
  return problems.length === before ? { kind: 'matrix', input: input.name, type: input.type as 'float32' | 'float64' } : undefined
}

function pick(outputs: readonly TensorInfo[], name: string, fits: (o: TensorInfo) => boolean): TensorInfo | undefined {
  const byName = outputs.find((o) => o.name === name)
  if (byName) return byName
  const fitting = outputs.filter(fits)
  return fitting.length === 1 ? fitting[0] : undefined
}

function checkOutputs(model: OnnxModel, task: Task, problems: string[]): OutputLayout | undefined {
  const before = problems.length
  const outputs = model.outputs
  const list = outputs.map(describe).join(', ')
  if (task === 'regression') {
    const value = outputs.find((o) => o.name === 'variable') ?? (outputs.length === 1 ? outputs[0] : undefined)
    if (!value) {
      const classifier = outputs.some((o) => o.name === 'probabilities' || o.name === 'label')
      problems.push(
        `a regression model needs one float output ([N] or [N, 1]); found ${list || 'no outputs'}; ` +
          (classifier ? 'it looks like a classifier: set task to binary-classification or multiclass-classification, or ' : '') +
          "export the regressor with one float output (skl2onnx names it 'variable')",
      )
      return undefined
    }
    if (value.type === undefined || !FLOAT_TYPES.has(value.type)) {
      problems.push(`regression output ${describe(value)} must be float32 or float64; cast it to float in the model`)
    }
    if (!isBatchOfOne(value.shape) || (value.shape.length === 2 && value.shape[1] !== 1)) {
      problems.push(
        `regression output ${describe(value)} must have shape [N] or [N, 1] (one value per row); for several targets, export one model per target`,
      )
    }
    return problems.length === before ? { kind: 'regression', value: value.name } : undefined
  }

  const zipmap = outputs.find((o) => o.type === undefined)
  const label = pick(outputs, 'label', (o) => o.type === 'int64' || o.type === 'string')
  const probabilities = pick(
    outputs,
    'probabilities',
    (o) => o.type !== undefined && FLOAT_TYPES.has(o.type) && o.shape.length === 2 && o.shape[1] !== 1,
  )
  if (zipmap && !probabilities) {
    problems.push(
      `output ${describe(zipmap)} is a ZipMap (a sequence of maps); a ${task} model needs a float [N, C] probabilities tensor: convert with options={'zipmap': False}`,
    )
  } else if (!probabilities) {
    problems.push(
      `a ${task} model needs a probabilities output (float [N, C]); found ${list || 'no outputs'}; export the classifier with its probabilities (skl2onnx: options={'zipmap': False})`,
    )
  }
  if (!label) {
    problems.push(
      `a ${task} model needs a label output ([N], int64 or string); found ${list || 'no outputs'}; export the classifier with its label output (skl2onnx names it 'label')`,
    )
  } else if (label.type !== 'int64' && label.type !== 'string') {
    problems.push(`label output ${describe(label)} must be int64 or string; cast it in the model`)
  } else if (!isBatchOfOne(label.shape)) {
    problems.push(`label output ${describe(label)} must have shape [N] (one label per row)`)
  }
  if (probabilities) {
    if (probabilities.type === undefined || !FLOAT_TYPES.has(probabilities.type)) {
      problems.push(`probabilities output ${describe(probabilities)} must be float32 or float64`)
    } else if (probabilities.shape.length !== 2) {
      problems.push(`probabilities output ${describe(probabilities)} must be 2-D [N, C], one column per class`)
    } else {
      const classes = probabilities.shape[1]
      if (task === 'binary-classification' && typeof classes === 'number' && classes !== 2) {
        problems.push(
          `probabilities output ${describe(probabilities)} has ${classes} class columns but the task is binary-classification (2 columns, positive class second); set task: multiclass-classification or retrain on two classes`,
        )
      }
      if (task === 'multiclass-classification' && typeof classes === 'number' && classes < 2) {
        problems.push(`probabilities output ${describe(probabilities)} must have at least 2 class columns`)
      }
    }
  }
  if (problems.length !== before || !label || !probabilities) return undefined
  return {
    kind: 'classification',
    label: label.name,
    probabilities: probabilities.name,
    probabilityType: probabilities.type as 'float32' | 'float64',
  }
}

/** Checks `model` against the convention for `spec`; lists every problem, inputs first. */
export function checkSignature(model: OnnxModel, spec: SignatureSpec): SignatureCheckResult {
  const problems: string[] = []
  if (spec.features.length === 0) {
    problems.push('data.features is empty; list the features the model takes, in training order')
  }
  const duplicates = spec.features.filter((feature, index) => spec.features.indexOf(feature) !== index)
  if (duplicates.length > 0) {
    problems.push(`data.features lists ${[...new Set(duplicates)].map((f) => `'${f}'`).join(', ')} more than once; list each feature once`)
  }
  const inputs = problems.length === 0 ? checkInputs(model, spec, problems) : undefined
  const outputs = checkOutputs(model, spec.task, problems)
  if (problems.length > 0 || !inputs || !outputs) return { ok: false, problems }
  return { ok: true, problems, signature: { task: spec.task, features: [...spec.features], inputs, outputs } }
}

/** Like `checkSignature`, but throws one ModelError listing every problem; returns the signature. */
export function assertSignature(model: OnnxModel, spec: SignatureSpec): ModelSignature {
  const result = checkSignature(model, spec)
  if (result.signature) return result.signature
  const count = result.problems.length
  throw new ModelError(
    `${model.path} does not fit the spec (${spec.task}, features ${spec.features.join(', ') || 'none'}): ${count} problem${count > 1 ? 's' : ''}\n` +
      result.problems.map((problem) => `  - ${problem}`).join('\n'),
  )
}
