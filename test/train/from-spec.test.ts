import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { appendFile, cp, mkdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { ModelError, UsageError } from '../../src/errors.js'
import { parse as parseYaml } from 'yaml'
import { ModelSpecSchema, loadModelSpec, type ModelSpec } from '../../src/spec/index.js'
import {
  checkModelOutputs,
  defaultTrainDirs,
  findModelSpecFile,
  trainOptionsFromSpec,
  type SpecTrainOverrides,
} from '../../src/train/from-spec.js'
import type { TrainOptions } from '../../src/train/train.js'
import { RecordingLogger, tempDir } from './helpers.js'

const EXAMPLE_REPO = resolve('example-repo')
const GOOD = resolve('test/fixtures/specs/good')
const MODELS = resolve('test/fixtures/models')
const TRAIN_REPO = resolve('test/fixtures/train-repo')

async function fileSha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex')
}

/** The options without the two functions, which are compared by behaviour elsewhere. */
function plain(options: TrainOptions): Omit<TrainOptions, 'log' | 'checkOutputs'> {
  const { log: _log, checkOutputs: _check, ...rest } = options
  return rest
}

/**
 * The spec as the loader gives it. The spec fixtures under good/ come without their data files, so
 * those are parsed with the schema alone (the loader's file checks would refuse them).
 */
async function specOf(root: string, file: string): Promise<ModelSpec> {
  if (root.startsWith(GOOD)) {
    const parsed = ModelSpecSchema.parse(parseYaml(await readFile(join(root, file), 'utf8')))
    return { ...parsed, train: { ...parsed.train, workingDirectory: parsed.train.workingDirectory ?? file.split('/').slice(0, -1).join('/') } }
  }
  return loadModelSpec(root, file)
}

async function optionsFor(root: string, file: string, overrides: Partial<SpecTrainOverrides> = {}): Promise<TrainOptions> {
  return trainOptionsFromSpec(root, file, await specOf(root, file), { log: new RecordingLogger(), ...overrides })
}

describe('trainOptionsFromSpec', () => {
  it('maps example-repo churn: python environment, compute, params, cache, data, the hashed sections and the default folders', async () => {
    const options = await optionsFor(EXAMPLE_REPO, 'models/churn/model.yaml')
    assert.deepEqual(plain(options), {
      model: 'churn',
      repoRoot: EXAMPLE_REPO,
      command: ['python', 'train.py'],
      workingDirectory: 'models/churn',
      environment: { kind: 'python', version: '3.11', requirements: 'requirements.txt' },
      accelerator: 'none',
      gpus: 0,
      timeoutMinutes: 30,
      retries: 2,
      params: { C: 1, max_iter: 1000 },
      cache: true,
      trainSection: {
        train: {
          command: ['python', 'train.py'],
          workingDirectory: 'models/churn',
          environment: { python: '3.11', requirements: 'requirements.txt' },
          compute: { runsOn: ['ubuntu-latest'], accelerator: 'none', timeoutMinutes: 30, retries: 2, gpus: 0 },
          params: { C: 1, max_iter: 1000 },
          cache: true,
        },
        data: { target: 'churned', features: ['tenure', 'monthly_charges', 'contract', 'support_calls'] },
      },
      specHash: await fileSha256(join(EXAMPLE_REPO, 'models/churn/model.yaml')),
      dataFiles: { train: 'data/churn/train.csv', test: 'data/churn/test.csv' },
      outputDir: '.modelship/outputs/churn',
      checkpointDir: '.modelship/checkpoints/churn',
      stateDir: '.modelship',
      runsDir: '.modelship/runs',
    })
    assert.equal(typeof options.checkOutputs, 'function')
  })

  it('maps example-repo house-prices: the regression spec with its own params and data', async () => {
    const options = await optionsFor(EXAMPLE_REPO, 'models/house-prices/model.yaml')
    assert.deepEqual(options.command, ['python', 'train.py'])
    assert.equal(options.workingDirectory, 'models/house-prices')
    assert.deepEqual(options.params, { n_estimators: 300, learning_rate: 0.05, max_depth: 3 })
    assert.deepEqual(options.dataFiles, { train: 'data/house-prices/train.parquet', test: 'data/house-prices/test.parquet' })
    assert.deepEqual(options.trainSection, {
      train: (await loadModelSpec(EXAMPLE_REPO, 'models/house-prices/model.yaml')).train,
      data: { target: 'price', features: ['sqft', 'bedrooms', 'age', 'distance_km', 'neighborhood'] },
    })
    assert.equal(options.outputDir, '.modelship/outputs/house-prices')
    assert.equal(options.specHash, await fileSha256(join(EXAMPLE_REPO, 'models/house-prices/model.yaml')))
  })

  it('a monorepo GPU spec: nested folders for dir:name, one GPU by default, the default timeout, cache off as the spec says', async () => {
    const root = join(GOOD, 'monorepo-kubernetes')
    const options = await optionsFor(root, 'models/vision/detector/model.yaml')
    assert.equal(options.model, 'vision:detector')
    assert.deepEqual(options.environment, { kind: 'python', version: '3.12' })
    assert.equal(options.accelerator, 'nvidia-gpu')
    assert.equal(options.gpus, 1)
    assert.equal(options.timeoutMinutes, 60)
    assert.equal(options.retries, 0)
    assert.deepEqual(options.params, { lr: 0.001, augment: true, backbone: 'resnet18' })
    assert.equal(options.cache, false)
    assert.equal(options.workingDirectory, 'models/vision/detector')
    assert.equal(options.outputDir, '.modelship/outputs/vision/detector')
    assert.equal(options.checkpointDir, '.modelship/checkpoints/vision/detector')
  })

  it('a node runtime maps to the node environment; no environment to none', async () => {
    const node = await optionsFor(join(GOOD, 'node-runtime'), 'models/scorer/model.yaml')
    assert.deepEqual(node.environment, { kind: 'node', version: '20' })
    assert.deepEqual(node.command, ['node', 'train.mjs', '--out=${outputs}/model.onnx'])
    const none = await optionsFor(join(GOOD, 'minimal'), 'models/minimal/model.yaml')
    assert.deepEqual(none.environment, { kind: 'none' })
    assert.equal(none.cache, true)
  })

  it('overrides: cache false turns the cache off, true never turns on a cache the spec turned off; folders and runtime knobs replace the defaults', async () => {
    const off = await optionsFor(EXAMPLE_REPO, 'models/churn/model.yaml', { cache: false })
    assert.equal(off.cache, false)
    const on = await optionsFor(join(GOOD, 'monorepo-kubernetes'), 'models/vision/detector/model.yaml', { cache: true })
    assert.equal(on.cache, false)
    const moved = await optionsFor(EXAMPLE_REPO, 'models/churn/model.yaml', {
      outputDir: '/tmp/elsewhere',
      gpuSampleIntervalMs: 500,
      handleProcessSignals: false,
    })
    assert.equal(moved.outputDir, '/tmp/elsewhere')
    assert.equal(moved.checkpointDir, '.modelship/checkpoints/churn')
    assert.equal(moved.gpuSampleIntervalMs, 500)
    assert.equal(moved.handleProcessSignals, false)
  })

  it('the spec hash changes with the bytes of the file, comments included', async () => {
    const root = await tempDir()
    await cp(TRAIN_REPO, root, { recursive: true })
    const before = (await optionsFor(root, 'models/churn/model.yaml')).specHash
    const file = join(root, 'models/churn/model.yaml')
    await appendFile(file, '# a comment\n')
    const after = (await optionsFor(root, 'models/churn/model.yaml')).specHash
    assert.notEqual(before, after)
    assert.equal(after, await fileSha256(file))
  })
})

describe('defaultTrainDirs', () => {
  it('puts everything under .modelship, a dir:name model in nested folders', () => {
    assert.deepEqual(defaultTrainDirs('churn'), {
      outputDir: '.modelship/outputs/churn',
      checkpointDir: '.modelship/checkpoints/churn',
      stateDir: '.modelship',
      runsDir: '.modelship/runs',
    })
    assert.equal(defaultTrainDirs('vision:detector').outputDir, '.modelship/outputs/vision/detector')
  })
})

describe('findModelSpecFile', () => {
  it('finds models/<name>/model.yaml, model.yml, and dir:name in models/dir/name/', async () => {
    assert.equal(await findModelSpecFile(EXAMPLE_REPO, 'churn'), 'models/churn/model.yaml')
    assert.equal(await findModelSpecFile(join(GOOD, 'yml-anchors-and-comments'), 'retention'), 'models/retention/model.yml')
    assert.equal(await findModelSpecFile(join(GOOD, 'monorepo-kubernetes'), 'vision:detector'), 'models/vision/detector/model.yaml')
  })

  it('an unknown model is a UsageError with the closest name and the models there', async () => {
    await assert.rejects(findModelSpecFile(EXAMPLE_REPO, 'chrun'), (error: unknown) => {
      assert.ok(error instanceof UsageError)
      assert.equal(
        error.message,
        `model 'chrun' has no spec: models/chrun/model.yaml does not exist in ${EXAMPLE_REPO}; did you mean 'churn'? Models there: churn, house-prices.`,
      )
      return true
    })
  })

  it('a folder with no specs says to pass the repository root', async () => {
    const root = await tempDir()
    await assert.rejects(
      findModelSpecFile(root, 'churn'),
      new UsageError(
        `model 'churn' has no spec: models/churn/model.yaml does not exist in ${root}. No model specs were found there; pass the repository root that holds models/ (--path, or the path input).`,
      ),
    )
  })
})

describe('checkModelOutputs', () => {
  const churn = {
    task: 'binary-classification' as const,
    data: { features: ['tenure', 'monthly_charges', 'contract', 'support_calls'] },
  }

  async function outputsWith(modelFixture: string): Promise<string> {
    const dir = join(await tempDir(), '.outputs.attempt-1234')
    await mkdir(dir)
    await cp(join(MODELS, modelFixture), join(dir, 'model.onnx'))
    return dir
  }

  it('a model that fits passes and says how it fits', async () => {
    const log = new RecordingLogger()
    await checkModelOutputs('models/churn/model.yaml', churn as never, log)(await outputsWith('churn-champion.onnx'))
    assert.deepEqual(log.lines, [
      "info: model.onnx loads and fits models/churn/model.yaml: one input per feature (4); outputs 'label' and 'probabilities'",
    ])
    const regression = { task: 'regression' as const, data: { features: ['sqft', 'bedrooms', 'age', 'distance_km', 'neighborhood'] } }
    await checkModelOutputs('models/house-prices/model.yaml', regression as never, log)(await outputsWith('house-prices.onnx'))
    assert.equal(log.lines[1], "info: model.onnx loads and fits models/house-prices/model.yaml: one input per feature (5); output 'variable'")
    const matrix = { task: 'regression' as const, data: { features: ['x1', 'x2', 'x3', 'x4'] } }
    await checkModelOutputs('models/linear/model.yaml', matrix as never, log)(await outputsWith('linear-regression-4.onnx'))
    assert.equal(log.lines[2], "info: model.onnx loads and fits models/linear/model.yaml: one float32 input 'input' of 4 features; output 'variable'")
  })

  it('a model whose inputs do not match the features: a ModelError listing every mismatch and the fix', async () => {
    const dir = await outputsWith('wrong-inputs.onnx')
    await assert.rejects(checkModelOutputs('models/churn/model.yaml', churn as never)(dir), (error: unknown) => {
      assert.ok(error instanceof ModelError)
      const lines = error.message.split('\n')
      assert.equal(
        lines[0],
        'The model.onnx the training command wrote does not fit models/churn/model.yaml (task binary-classification, features tenure, monthly_charges, contract, support_calls): 3 problems',
      )
      assert.match(lines[1]!, /^ {2}- the model has no input for features 'tenure', 'contract' \(inputs: 'tenure_months', 'monthly_charges', 'contract_type', 'support_calls'\); /)
      assert.match(lines[2]!, /^ {2}- model input 'tenure_months' \(int64 \[\?, 1\]\) is not one of data\.features; /)
      assert.match(lines[3]!, /^ {2}- model input 'contract_type' \(string \[\?, 1\]\) is not one of data\.features; /)
      assert.equal(lines[4], "Fix the model export in the training code, or the spec's task and data.features; no outputs were kept.")
      return true
    })
  })

  it('a file that is not ONNX: the load failure, naming model.onnx rather than the temporary folder', async () => {
    const dir = await outputsWith('not-a-model.onnx')
    await assert.rejects(checkModelOutputs('models/churn/model.yaml', churn as never)(dir), (error: unknown) => {
      assert.ok(error instanceof ModelError)
      assert.match(error.message, /^The training command wrote a model\.onnx that does not load: model\.onnx is not an ONNX model \(305 bytes /)
      assert.ok(!error.message.includes('.outputs.attempt-1234'), error.message)
      return true
    })
  })
})
