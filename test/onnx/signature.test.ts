import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { loadModel, type OnnxModel } from '../../src/onnx/model.js'
import { assertSignature, checkSignature } from '../../src/onnx/signature.js'

const FIXTURES = 'test/fixtures/onnx'
const CHURN = ['tenure', 'monthly_charges', 'contract', 'support_calls']

describe('checkSignature', () => {
  const models: Record<string, OnnxModel> = {}
  before(async () => {
    for (const name of ['churn-classifier', 'linear-regression', 'linear-per-feature', 'bad-signature', 'multiclass-strings', 'multiclass-zipmap']) {
      models[name] = await loadModel(`${FIXTURES}/${name}.onnx`)
    }
  })
  after(async () => {
    for (const model of Object.values(models)) await model.release()
  })

  it('resolves per-feature inputs and classifier outputs', () => {
    const result = checkSignature(models['churn-classifier']!, {
      task: 'binary-classification',
      features: CHURN,
      featureKinds: { tenure: 'numeric', contract: 'categorical' },
    })
    assert.deepEqual(result.problems, [])
    assert.deepEqual(result.signature, {
      task: 'binary-classification',
      features: CHURN,
      inputs: {
        kind: 'per-feature',
        inputs: [
          { feature: 'tenure', type: 'float32', rank: 2 },
          { feature: 'monthly_charges', type: 'float32', rank: 2 },
          { feature: 'contract', type: 'string', rank: 2 },
          { feature: 'support_calls', type: 'float32', rank: 2 },
        ],
      },
      outputs: { kind: 'classification', label: 'label', probabilities: 'probabilities', probabilityType: 'float32' },
    })
  })

  it('resolves a single [N, F] float input and a regression output', () => {
    const result = checkSignature(models['linear-regression']!, { task: 'regression', features: ['a', 'b', 'c'] })
    assert.deepEqual(result.signature?.inputs, { kind: 'matrix', input: 'input', type: 'float32' })
    assert.deepEqual(result.signature?.outputs, { kind: 'regression', value: 'variable' })
  })

  it('accepts float64 and int64 per-feature inputs', () => {
    const result = checkSignature(models['linear-per-feature']!, { task: 'regression', features: ['x0', 'x1', 'x2'] })
    assert.ok(result.ok, result.problems.join('\n'))
  })

  it('reports missing feature inputs, extra inputs and a wrong output task at once', () => {
    const result = checkSignature(models['churn-classifier']!, {
      task: 'regression',
      features: ['tenure', 'monthly_charges', 'contract', 'gender', 'region'],
    })
    assert.equal(result.ok, false)
    assert.deepEqual(result.problems, [
      "the model has no input for features 'gender', 'region' (inputs: 'tenure', 'monthly_charges', 'contract', 'support_calls'); name each model input exactly as its feature (skl2onnx initial_types=[('gender', FloatTensorType([None, 1])), ...]) or remove the feature from data.features",
      "model input 'support_calls' (float32 [?, 1]) is not one of data.features; add 'support_calls' to data.features, or retrain the model without it",
      "a regression model needs one float output ([N] or [N, 1]); found 'label' (int64 [?]), 'probabilities' (float32 [?, 2]); it looks like a classifier: set task to binary-classification or multiclass-classification, or export the regressor with one float output (skl2onnx names it 'variable')",
    ])
  })

  it('reports wrong dtypes against the data kinds', () => {
    const result = checkSignature(models['churn-classifier']!, {
      task: 'binary-classification',
      features: CHURN,
      featureKinds: { tenure: 'categorical', contract: 'numeric' },
    })
    assert.deepEqual(result.problems, [
      "feature 'tenure' is categorical (strings) in the data but model input 'tenure' (float32 [?, 1]) is numeric; declare it as a string input (StringTensorType([None, 1])) and encode it inside the model, or encode the column as numbers before training",
      "feature 'contract' is numeric in the data but model input 'contract' (string [?, 1]) takes strings; declare it as FloatTensorType([None, 1]), or make the column categorical in the data",
    ])
  })

  it('reports an unsupported input dtype and a wrong output shape', () => {
    const result = checkSignature(models['bad-signature']!, { task: 'regression', features: ['flag', 'amount'] })
    assert.deepEqual(result.problems, [
      "model input 'flag' (bool [N, 1]) has an unsupported dtype; expected float32, float64, int64 or string; cast it in the model (e.g. a Cast node) or convert with FloatTensorType/StringTensorType",
      "regression output 'variable' (float32 [N, 2]) must have shape [N] or [N, 1] (one value per row); for several targets, export one model per target",
    ])
  })

  it('reports a matrix input with the wrong column count and categorical features', () => {
    const result = checkSignature(models['linear-regression']!, {
      task: 'regression',
      features: ['a', 'b', 'c', 'd'],
      featureKinds: { d: 'categorical' },
    })
    assert.deepEqual(result.problems, [
      "model input 'input' (float32 [?, 3]) has 3 columns but data.features lists 4 (a, b, c, d); list the model's features in data.features, in training order, or retrain on these",
      "feature 'd' is categorical (strings) but the model takes one float matrix 'input'; give the model one input per feature (a string input for each categorical one) or encode them as numbers before training",
    ])
  })

  it('reports a multiclass model checked as binary, and a classifier checked without outputs for it', () => {
    const binary = checkSignature(models['multiclass-strings']!, { task: 'binary-classification', features: ['a', 'b', 'c', 'd'] })
    assert.deepEqual(binary.problems, [
      "probabilities output 'probabilities' (float32 [?, 3]) has 3 class columns but the task is binary-classification (2 columns, positive class second); set task: multiclass-classification or retrain on two classes",
    ])
    const regressor = checkSignature(models['linear-regression']!, { task: 'binary-classification', features: ['a', 'b', 'c'] })
    assert.deepEqual(regressor.problems, [
      "a binary-classification model needs a probabilities output (float [N, C]); found 'variable' (float32 [?, 1]); export the classifier with its probabilities (skl2onnx: options={'zipmap': False})",
      "a binary-classification model needs a label output ([N], int64 or string); found 'variable' (float32 [?, 1]); export the classifier with its label output (skl2onnx names it 'label')",
    ])
  })

  it('says a ZipMap output must be turned off', () => {
    const result = checkSignature(models['multiclass-zipmap']!, { task: 'multiclass-classification', features: ['a', 'b', 'c', 'd'] })
    assert.deepEqual(result.problems, [
      "output 'output_probability' (not a tensor) is a ZipMap (a sequence of maps); a multiclass-classification model needs a float [N, C] probabilities tensor: convert with options={'zipmap': False}",
    ])
  })

  it('reports empty and duplicated feature lists', () => {
    assert.deepEqual(checkSignature(models['linear-regression']!, { task: 'regression', features: [] }).problems, [
      'data.features is empty; list the features the model takes, in training order',
    ])
    assert.deepEqual(checkSignature(models['linear-regression']!, { task: 'regression', features: ['a', 'a', 'b'] }).problems, [
      "data.features lists 'a' more than once; list each feature once",
    ])
  })

  it('assertSignature throws one ModelError listing every problem', () => {
    assert.throws(() => assertSignature(models['bad-signature']!, { task: 'regression', features: ['flag', 'amount'] }), {
      name: 'ModelError',
      message:
        `${FIXTURES}/bad-signature.onnx does not fit the spec (regression, features flag, amount): 2 problems\n` +
        "  - model input 'flag' (bool [N, 1]) has an unsupported dtype; expected float32, float64, int64 or string; cast it in the model (e.g. a Cast node) or convert with FloatTensorType/StringTensorType\n" +
        "  - regression output 'variable' (float32 [N, 2]) must have shape [N] or [N, 1] (one value per row); for several targets, export one model per target",
    })
  })
})
