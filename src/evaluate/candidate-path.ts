/**
 * Where a candidate's model.onnx is: the path itself, or `model.onnx` inside a run or outputs folder.
 * A run.json next to the model (what `modelship train` writes) is read for the training facts.
 */
import { stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { ModelError } from '../errors.js'
import { inspectRunRecord, type RunRecord } from '../train/run-record.js'

/** File name of the model inside a run folder. */
export const MODEL_FILE_NAME = 'model.onnx'

/** A resolved model path and the run record found beside it. */
export interface ResolvedModelPath {
  modelPath: string
  runRecord?: RunRecord
}

/** Resolves a model file or a run folder; a ModelError when neither is there. */
export async function resolveModelPath(path: string): Promise<ResolvedModelPath> {
  let isDirectory = false
  try {
    isDirectory = (await stat(path)).isDirectory()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelError(`model ${path} does not exist. Fix: pass the model.onnx the training wrote, or the run folder holding it.`)
    }
    throw error
  }
  const modelPath = isDirectory ? join(path, MODEL_FILE_NAME) : path
  if (isDirectory) {
    try {
      await stat(modelPath)
    } catch {
      throw new ModelError(`${path} is a folder without a ${MODEL_FILE_NAME}. Fix: pass the run folder the training wrote (it holds ${MODEL_FILE_NAME} and run.json), or the .onnx file itself.`)
    }
  }
  // A run.json that is there but broken is not ignored: the report would silently lose the training facts.
  const { record: runRecord, problem } = await inspectRunRecord(isDirectory ? path : dirname(path))
  if (problem) {
    throw new ModelError(`${problem}. Fix: pass the run folder as modelship train wrote it, or remove the broken run.json to evaluate the model without its training facts.`)
  }
  return runRecord ? { modelPath, runRecord } : { modelPath }
}
