/**
 * A small reader for the parts of an ONNX ModelProto that onnxruntime-node does not expose: the
 * producer, opsets, metadata_props and the class labels a classifier declares. It walks the protobuf
 * wire format (https://protobuf.dev/programming-guides/encoding/) and skips everything else by length,
 * so a large model costs one pass over its bytes. Field numbers follow onnx/onnx.proto3.
 */

/** What the reader learned about a model file. */
export interface OnnxModelInfo {
  irVersion: number
  producerName: string
  producerVersion: string
  /** Opset version per domain ('' is the default ONNX domain). */
  opsets: Record<string, number>
  /** The model's metadata_props, key → value. */
  metadata: Record<string, string>
  /**
   * Class labels in probability-column order, as the classifier declares them; undefined when the
   * graph does not say (then inference falls back to the label output).
   */
  classLabels?: string[]
}

/** Raised when the bytes are not a protobuf ModelProto; `reason` says what broke. */
export class NotOnnxError extends Error {}

interface NodeInfo {
  opType: string
  inputs: string[]
  outputs: string[]
  /** Class labels from classlabels_strings / classlabels_ints / classlabels_int64s, if present. */
  classLabels?: string[]
}

interface InitializerRef {
  start: number
  end: number
}

const decoder = new TextDecoder('utf-8', { fatal: false })

class Reader {
  pos: number
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start
  }

  done(): boolean {
    return this.pos >= this.end
  }

  varint(): bigint {
    let result = 0n
    let shift = 0n
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new NotOnnxError('truncated varint')
      const byte = this.bytes[this.pos++]!
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
    }
    throw new NotOnnxError('varint longer than 10 bytes')
  }

  /** A varint known to be small (tags, lengths); fast path without BigInt. */
  uint(): number {
    let result = 0
    let multiplier = 1
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new NotOnnxError('truncated varint')
      const byte = this.bytes[this.pos++]!
      result += (byte & 0x7f) * multiplier
      if ((byte & 0x80) === 0) return result
      multiplier *= 128
    }
    throw new NotOnnxError('length or tag too large')
  }

  /** Reads a field key; returns [field number, wire type]. */
  key(): [number, number] {
    const key = this.uint()
    const field = Math.floor(key / 8)
    const wire = key % 8
    if (field === 0) throw new NotOnnxError('field number 0')
    return [field, wire]
  }

  lengthDelimited(): [number, number] {
    const length = this.uint()
    const start = this.pos
    if (start + length > this.end) throw new NotOnnxError('length past the end of its message')
    this.pos = start + length
    return [start, start + length]
  }

  string(): string {
    const [start, end] = this.lengthDelimited()
    return decoder.decode(this.bytes.subarray(start, end))
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint()
        return
      case 1:
        this.advance(8)
        return
      case 2:
        this.lengthDelimited()
        return
      case 5:
        this.advance(4)
        return
      default:
        throw new NotOnnxError(`unsupported wire type ${wire}`)
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new NotOnnxError('fixed-width field past the end')
    this.pos += n
  }

  sub([start, end]: [number, number]): Reader {
    return new Reader(this.bytes, start, end)
  }
}

/** Reads repeated int64 values, packed (wire 2) or not (wire 0). */
function readInt64s(reader: Reader, wire: number, into: bigint[]): void {
  if (wire === 0) {
    into.push(BigInt.asIntN(64, reader.varint()))
  } else if (wire === 2) {
    const packed = reader.sub(reader.lengthDelimited())
    while (!packed.done()) into.push(BigInt.asIntN(64, packed.varint()))
  } else {
    reader.skip(wire)
  }
}

function readNode(reader: Reader): NodeInfo {
  const node: NodeInfo = { opType: '', inputs: [], outputs: [] }
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 1 && wire === 2) node.inputs.push(reader.string())
    else if (field === 2 && wire === 2) node.outputs.push(reader.string())
    else if (field === 4 && wire === 2) node.opType = reader.string()
    else if (field === 5 && wire === 2) {
      const labels = readClassLabelAttribute(reader.sub(reader.lengthDelimited()))
      if (labels) node.classLabels = labels
    } else reader.skip(wire)
  }
  return node
}

const CLASS_LABEL_ATTRIBUTES = new Set(['classlabels_strings', 'classlabels_ints', 'classlabels_int64s'])

function readClassLabelAttribute(reader: Reader): string[] | undefined {
  let name = ''
  const ints: bigint[] = []
  const strings: string[] = []
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 1 && wire === 2) name = reader.string()
    else if (field === 8) readInt64s(reader, wire, ints)
    else if (field === 9 && wire === 2) strings.push(reader.string())
    else reader.skip(wire)
  }
  if (!CLASS_LABEL_ATTRIBUTES.has(name)) return undefined
  return name === 'classlabels_strings' ? strings : ints.map(String)
}

/** TensorProto → its values as strings, for int64 and string tensors (the shapes class lists take). */
function readLabelTensor(reader: Reader): string[] | undefined {
  let dataType = 0
  const ints: bigint[] = []
  const strings: string[] = []
  let raw: [number, number] | undefined
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 2 && wire === 0) dataType = Number(reader.varint())
    else if (field === 6 && wire === 2) strings.push(reader.string())
    else if (field === 7) readInt64s(reader, wire, ints)
    else if (field === 9 && wire === 2) raw = reader.lengthDelimited()
    else reader.skip(wire)
  }
  const INT64 = 7
  const STRING = 8
  const INT32 = 6
  if (dataType === STRING) return strings
  if (dataType === INT64 || dataType === INT32) {
    if (raw) {
      const width = dataType === INT64 ? 8 : 4
      const view = new DataView(reader.bytes.buffer, reader.bytes.byteOffset + raw[0], raw[1] - raw[0])
      const values: string[] = []
      for (let offset = 0; offset + width <= view.byteLength; offset += width) {
        values.push(width === 8 ? String(view.getBigInt64(offset, true)) : String(view.getInt32(offset, true)))
      }
      return values
    }
    return ints.map(String)
  }
  return undefined
}

function tensorName(reader: Reader): string {
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 8 && wire === 2) return reader.string()
    reader.skip(wire)
  }
  return ''
}

function readValueInfoName(reader: Reader): string {
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 1 && wire === 2) return reader.string()
    reader.skip(wire)
  }
  return ''
}

// Ops that pass a label tensor through unchanged in value (skl2onnx adds them after the classifier).
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Reshape', 'Squeeze', 'Flatten', 'Unsqueeze'])

function findClassLabels(
  nodes: NodeInfo[],
  outputs: string[],
  initializers: Map<string, InitializerRef>,
  bytes: Uint8Array,
): string[] | undefined {
  const producer = new Map<string, NodeInfo>()
  for (const node of nodes) for (const output of node.outputs) producer.set(output, node)
  const labelOutput = outputs.includes('label') ? 'label' : undefined
  if (labelOutput) {
    let name = labelOutput
    for (let hops = 0; hops < 32; hops++) {
      const node = producer.get(name)
      if (!node) break
      if (node.classLabels) return node.classLabels
      if (node.opType === 'ArrayFeatureExtractor' && node.inputs[0]) {
        const ref = initializers.get(node.inputs[0])
        if (ref) return readLabelTensor(new Reader(bytes, ref.start, ref.end))
        break
      }
      if (!PASS_THROUGH.has(node.opType) || !node.inputs[0]) break
      name = node.inputs[0]
    }
  }
  // One classifier op in the graph: its labels are the model's, whatever the outputs are named.
  const classifiers = nodes.filter((node) => node.classLabels)
  return classifiers.length === 1 ? classifiers[0]!.classLabels : undefined
}

/** Parses the ModelProto header, metadata and class labels; throws NotOnnxError for other bytes. */
export function readOnnxModelInfo(bytes: Uint8Array): OnnxModelInfo {
  const info: OnnxModelInfo = { irVersion: 0, producerName: '', producerVersion: '', opsets: {}, metadata: {} }
  const reader = new Reader(bytes, 0, bytes.length)
  let graph: [number, number] | undefined
  let sawIrVersion = false
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 1 && wire === 0) {
      info.irVersion = Number(reader.varint())
      sawIrVersion = true
    } else if (field === 2 && wire === 2) info.producerName = reader.string()
    else if (field === 3 && wire === 2) info.producerVersion = reader.string()
    else if (field === 7 && wire === 2) graph = reader.lengthDelimited()
    else if (field === 8 && wire === 2) {
      const opset = reader.sub(reader.lengthDelimited())
      let domain = ''
      let version = 0
      while (!opset.done()) {
        const [f, w] = opset.key()
        if (f === 1 && w === 2) domain = opset.string()
        else if (f === 2 && w === 0) version = Number(opset.varint())
        else opset.skip(w)
      }
      info.opsets[domain] = version
    } else if (field === 14 && wire === 2) {
      const entry = reader.sub(reader.lengthDelimited())
      let key = ''
      let value = ''
      while (!entry.done()) {
        const [f, w] = entry.key()
        if (f === 1 && w === 2) key = entry.string()
        else if (f === 2 && w === 2) value = entry.string()
        else entry.skip(w)
      }
      info.metadata[key] = value
    } else reader.skip(wire)
  }
  if (!sawIrVersion || !graph) throw new NotOnnxError(sawIrVersion ? 'no graph' : 'no ir_version')

  const nodes: NodeInfo[] = []
  const outputs: string[] = []
  const initializers = new Map<string, InitializerRef>()
  const graphReader = reader.sub(graph)
  while (!graphReader.done()) {
    const [field, wire] = graphReader.key()
    if (field === 1 && wire === 2) nodes.push(readNode(graphReader.sub(graphReader.lengthDelimited())))
    else if (field === 5 && wire === 2) {
      const [start, end] = graphReader.lengthDelimited()
      initializers.set(tensorName(new Reader(bytes, start, end)), { start, end })
    } else if (field === 12 && wire === 2) outputs.push(readValueInfoName(graphReader.sub(graphReader.lengthDelimited())))
    else graphReader.skip(wire)
  }
  const classLabels = findClassLabels(nodes, outputs, initializers, bytes)
  if (classLabels) info.classLabels = classLabels
  return info
}

/**
 * A guess at what a file that is not ONNX is, from its first bytes, with the fix; undefined when
 * nothing is recognised.
 */
export function describeNonOnnxBytes(bytes: Uint8Array): string | undefined {
  const head = decoder.decode(bytes.subarray(0, 64))
  if (bytes.length === 0) return 'the file is empty; re-run the training step that writes it'
  if (head.startsWith('version https://git-lfs')) return 'it is a Git LFS pointer file; run `git lfs pull` (or check out with lfs: true) to fetch the model'
  if (bytes[0] === 0x80 && bytes.length > 1 && bytes[1]! <= 5) return 'it looks like a Python pickle (.pkl); export the model to ONNX (skl2onnx for scikit-learn, torch.onnx.export for PyTorch)'
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'it is a zip archive (a PyTorch .pt or a Keras file?); export the model to ONNX first'
  if (head.startsWith('\x89HDF')) return 'it is an HDF5 file (a Keras .h5?); export the model to ONNX with tf2onnx'
  if (/^\s*[{[]/.test(head)) return 'it is JSON text; point the spec at the .onnx file the training step writes'
  if (/^\s*</.test(head)) return 'it is HTML or XML text (a download error page?); fetch the model file again'
  return undefined
}

/** The wire-format reader, for other readers of ModelProto parts (src/onnx/tree-ensemble.ts). */
export { Reader as ProtoReader }
