/**
 * From a model spec to a training run: where a model's spec file is, and how its sections map onto
 * {@link TrainOptions} (command, environment, compute, params, cache, data, the default folders under
 * `.modelship/`, and the check that model.onnx loads and fits the spec's task and features).
 */
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ModelError, ModelshipError } from '../errors.js'
import { sha256 } from '../fs/sha256.js'
import { loadModel, type OnnxModel } from '../onnx/model.js'
import { checkSignature } from '../onnx/signature.js'
import type { ModelSpec } from '../spec/index.js'
import type { TrainEnvironmentOptions } from './environments.js'
import type { TrainLogger } from './logger.js'
import { MODEL_FILE, type TrainOptions } from './train.js'

// The folder layout lives in its own module so the CLI can name the folders without loading onnxruntime.
export { MODELSHIP_DIR, defaultTrainDirs, type TrainDirs } from './train-dirs.js'
import { defaultTrainDirs } from './train-dirs.js'

/** The spec file of a model by name; one implementation, shared with evaluate, register and promote. */
export { findModelSpecFile } from '../evaluate/find-spec.js'

/** What a caller sets on top of the spec. */
export interface SpecTrainOverrides
  extends Partial<
    Pick<
      TrainOptions,
      | 'outputDir'
      | 'checkpointDir'
      | 'stateDir'
      | 'runsDir'
      | 'trainCache'
      | 'gpuSampleIntervalMs'
      | 'killGraceMs'
      | 'retryDelayMs'
      | 'env'
      | 'signal'
      | 'handleProcessSignals'
    >
  > {
  log: TrainLogger
  /** false turns the cache off for this run; true (the default) leaves it to the spec's `train.cache`. */
  cache?: boolean
  /** Values replacing train.params of the same name (`--param`, see parse-param-overrides); recorded in run.json. */
  paramOverrides?: Record<string, unknown>
}

/** `train.environment` as the training core takes it: python (with requirements), node, or none. */
export function environmentFromSpec(environment: ModelSpec['train']['environment']): TrainEnvironmentOptions {
  if (environment?.python !== undefined) {
    return {
      kind: 'python',
      version: environment.python,
      ...(environment.requirements !== undefined ? { requirements: environment.requirements } : {}),
    }
  }
  if (environment?.node !== undefined) return { kind: 'node', version: environment.node }
  return { kind: 'none' }
}

/**
 * Maps a valid spec (loaded from `specFile`, repository-relative) onto {@link TrainOptions}:
 * train.command, working-directory, environment, compute.{accelerator, gpus, timeout-minutes,
 * retries}, params and cache as they are; data.train/test as the data files; the cache key covers
 * the train section plus data.target and data.features; the spec hash is the sha256 of the file's
 * bytes; folders default to {@link defaultTrainDirs}; the outputs are checked with
 * {@link checkModelOutputs}.
 */
export async function trainOptionsFromSpec(
  repoRoot: string,
  specFile: string,
  spec: ModelSpec,
  overrides: SpecTrainOverrides,
): Promise<TrainOptions> {
  const { cache, log, paramOverrides = {}, ...rest } = overrides
  // The overridden params are the run's params, in the cache key too: another value is another model.
  const params = { ...spec.train.params, ...paramOverrides }
  const train = { ...spec.train, params }
  let bytes: Buffer
  try {
    bytes = await readFile(resolve(repoRoot, specFile))
  } catch (error) {
    throw new ModelshipError(`cannot read the spec ${specFile} to hash it (${(error as Error).message})`, { cause: error })
  }
  return {
    model: spec.name,
    repoRoot: resolve(repoRoot),
    command: [...train.command],
    workingDirectory: train.workingDirectory,
    environment: environmentFromSpec(train.environment),
    accelerator: train.compute.accelerator,
    gpus: train.compute.gpus,
    timeoutMinutes: train.compute.timeoutMinutes,
    retries: train.compute.retries,
    params,
    ...(Object.keys(paramOverrides).length > 0 ? { paramOverrides } : {}),
    ...(train.mitigation !== undefined
      ? {
          mitigation: {
            method: train.mitigation.method,
            sensitiveFeatures: train.mitigation.sensitiveFeatures,
            target: spec.data.target,
            ...(spec.data.sampleWeight !== undefined ? { sampleWeight: spec.data.sampleWeight } : {}),
          },
        }
      : {}),
    cache: train.cache && cache !== false,
    trainSection: { train, data: { target: spec.data.target, features: spec.data.features } },
    specHash: sha256(bytes),
    dataFiles: { train: spec.data.train, test: spec.data.test },
    ...defaultTrainDirs(spec.name),
    log,
    checkOutputs: checkModelOutputs(specFile, spec, log),
    ...rest,
  }
}

/**
 * The output check of a spec: `<outputs>/model.onnx` must load in onnxruntime and fit the spec's
 * task and data.features (the project's ONNX I/O convention). A {@link ModelError} lists every
 * mismatch with its fix.
 */
export function checkModelOutputs(
  specFile: string,
  spec: Pick<ModelSpec, 'task' | 'data'>,
  log?: Pick<TrainLogger, 'info'>,
): (outputDir: string) => Promise<void> {
  return async (outputDir) => {
    const path = join(outputDir, MODEL_FILE)
    let model: OnnxModel
    try {
      // One thread: this only reads the graph's signature, and the runner may still be busy.
      model = await loadModel(path, { intraOpThreads: 1 })
    } catch (error) {
      if (!(error instanceof ModelError)) throw error
      // The outputs sit in a temporary folder while they are checked; its name would only confuse.
      throw new ModelError(`The training command wrote a ${MODEL_FILE} that does not load: ${error.message.split(path).join(MODEL_FILE)}`, {
        cause: error,
      })
    }
    try {
      const result = checkSignature(model, { task: spec.task, features: spec.data.features })
      if (result.signature !== undefined) {
        const { inputs, outputs } = result.signature
        log?.info(
          `${MODEL_FILE} loads and fits ${specFile}: ` +
            (inputs.kind === 'matrix' ? `one ${inputs.type} input '${inputs.input}' of ${spec.data.features.length} features` : `one input per feature (${inputs.inputs.length})`) +
            '; ' +
            (outputs.kind === 'regression' ? `output '${outputs.value}'` : `outputs '${outputs.label}' and '${outputs.probabilities}'`),
        )
        return
      }
      const count = result.problems.length
      throw new ModelError(
        `The ${MODEL_FILE} the training command wrote does not fit ${specFile} (task ${spec.task}, features ` +
          `${spec.data.features.join(', ')}): ${count} problem${count === 1 ? '' : 's'}\n` +
          result.problems.map((problem) => `  - ${problem}`).join('\n') +
          `\nFix the model export in the training code, or the spec's task and data.features; no outputs were kept.`,
      )
    } finally {
      await model.release()
    }
  }
}
