/**
 * Loading an ONNX model into an onnxruntime-node CPU session, with the model's inputs, outputs and
 * declared class labels read up front so that signature checks and batching need no session calls.
 */
import { readFile } from 'node:fs/promises'
import ort from 'onnxruntime-node'
import { ModelError } from '../errors.js'
import { describeNonOnnxBytes, NotOnnxError, readOnnxModelInfo, type OnnxModelInfo } from './onnx-proto.js'

/** Element types onnxruntime reports, e.g. 'float32', 'int64', 'string'. */
export type TensorElementType = ort.Tensor.Type

/** One input or output of the graph. */
export interface TensorInfo {
  name: string
  /** Element type; undefined for non-tensor values (sequences, maps such as ZipMap's output). */
  type: TensorElementType | undefined
  /** Dimensions: a number when fixed, a string (possibly '') when symbolic; [] when unknown. */
  shape: ReadonlyArray<number | string>
}

/** A loaded model: its session and what the graph declares. Call `release()` when done. */
export interface OnnxModel {
  /** The file it was loaded from. */
  readonly path: string
  readonly session: ort.InferenceSession
  readonly inputs: readonly TensorInfo[]
  readonly outputs: readonly TensorInfo[]
  /** Producer, opsets, metadata_props and declared class labels, read from the file itself. */
  readonly info: OnnxModelInfo
  release(): Promise<void>
}

/** Options for `loadModel`. */
export interface LoadModelOptions {
  /** Threads one inference may use (onnxruntime intra-op threads, which sleep rather than spin when idle); default: onnxruntime's choice (all cores). */
  intraOpThreads?: number
}

function toTensorInfo(meta: ort.InferenceSession.ValueMetadata): TensorInfo {
  return meta.isTensor
    ? { name: meta.name, type: meta.type, shape: [...meta.shape] }
    : { name: meta.name, type: undefined, shape: [] }
}

/**
 * Loads `path` into a CPU session. Throws ModelError when the file is missing, is not an ONNX model,
 * or onnxruntime cannot build a session from it (unsupported opset or operator, broken graph).
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<OnnxModel> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new ModelError(`model file ${path} does not exist; check the path, or that the training command wrote its model there`)
    }
    if (code === 'EISDIR') throw new ModelError(`model path ${path} is a directory; point it at the .onnx file inside`)
    throw new ModelError(`cannot read model file ${path} (${code ?? String(error)}); check its permissions`, { cause: error })
  }

  let info: OnnxModelInfo
  try {
    info = readOnnxModelInfo(bytes)
  } catch (error) {
    if (!(error instanceof NotOnnxError)) throw error
    const guess = describeNonOnnxBytes(bytes)
    throw new ModelError(
      `${path} is not an ONNX model (${bytes.length} bytes that do not parse as an ONNX ModelProto: ${error.message})` +
        (guess ? `; ${guess}` : '; export the model with an ONNX converter (skl2onnx, torch.onnx.export, tf2onnx) and save it with its .SerializeToString() bytes'),
      { cause: error },
    )
  }

  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    // Idle intra-op threads sleep instead of spinning: on a shared runner with few cores a spinning
    // thread takes the core the JS thread needs to build the next batch (measured on 2 cores at load
    // ~3: session.run over 1M churn rows, 2 threads, 378 ms median with spinning, 209 ms without).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  }
  if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads
  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(path, sessionOptions)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const opsets = Object.entries(info.opsets)
      .map(([domain, version]) => `${domain || 'ai.onnx'} ${version}`)
      .join(', ')
    throw new ModelError(
      `onnxruntime ${ort.env.versions.common} cannot load ${path} (ir_version ${info.irVersion}, opsets ${opsets || 'none'}): ${reason}; ` +
        're-export the model with an opset this onnxruntime supports (e.g. target_opset=17 in skl2onnx) and only standard operators',
      { cause: error },
    )
  }

  return {
    path,
    session,
    inputs: session.inputMetadata.map(toTensorInfo),
    outputs: session.outputMetadata.map(toTensorInfo),
    info,
    release: () => session.release(),
  }
}
