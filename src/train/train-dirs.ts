/**
 * Where Modelship keeps a model's training folders. A module of its own, free of onnxruntime, so the
 * CLI's evaluate and register commands can name the folders without loading the native library.
 */
/** The folder, relative to the repository root, that holds everything Modelship writes locally. */
export const MODELSHIP_DIR = '.modelship'

/** Folders a run uses, relative to the repository root. */
export interface TrainDirs {
  /** `.modelship/outputs/<model>`: model.onnx, metrics.json and run.json of the latest run. */
  outputDir: string
  /** `.modelship/checkpoints/<model>`: kept between attempts, emptied after success. */
  checkpointDir: string
  /** `.modelship`: virtualenvs (`envs/`) and the local cache (`cache/`). */
  stateDir: string
  /** `.modelship/runs`: every finished run, `<model>/<run id>/`. */
  runsDir: string
}

/** The default folders of `model`; a monorepo name `dir:name` gets nested folders `dir/name`, as under models/. */
export function defaultTrainDirs(model: string): TrainDirs {
  const folder = model.replace(':', '/')
  return {
    outputDir: `${MODELSHIP_DIR}/outputs/${folder}`,
    checkpointDir: `${MODELSHIP_DIR}/checkpoints/${folder}`,
    stateDir: MODELSHIP_DIR,
    runsDir: `${MODELSHIP_DIR}/runs`,
  }
}

