/**
 * Reads the trees of an ONNX tree-ensemble model (ai.onnx.ml `TreeEnsembleClassifier` and
 * `TreeEnsembleRegressor`, opsets 1–3, as skl2onnx and onnxmltools write them for scikit-learn,
 * XGBoost and LightGBM) into flat arrays, so TreeSHAP (src/explain/tree-shap.ts) can walk them.
 *
 * Attribute semantics follow the operator specs (onnx/docs/Operators-ml.md): `nodes_*` are parallel
 * arrays of (tree id, node id) tuples; `class_*` / `target_*` are the leaves' weighted votes; the
 * `*_as_tensor` forms hold doubles. Only graphs whose tree node reads the model's one 2-D input
 * (directly or through a Cast) are read: the feature ids are then that input's columns.
 */
import { NotOnnxError, ProtoReader } from './onnx-proto.js'

/** Comparison of a branch node; LEAF marks a leaf. */
export type NodeMode = 'BRANCH_LEQ' | 'BRANCH_LT' | 'BRANCH_GTE' | 'BRANCH_GT' | 'BRANCH_EQ' | 'BRANCH_NEQ' | 'LEAF'

const MODE_CODES: Record<NodeMode, number> = { LEAF: 0, BRANCH_LEQ: 1, BRANCH_LT: 2, BRANCH_GTE: 3, BRANCH_GT: 4, BRANCH_EQ: 5, BRANCH_NEQ: 6 }

/** One tree-ensemble node of the graph, flattened: node i of the ensemble is index i of each array. */
export interface TreeEnsemble {
  op: 'TreeEnsembleClassifier' | 'TreeEnsembleRegressor'
  /** The graph input the trees read. */
  input: string
  /** Root node index of each tree. */
  roots: Int32Array
  /** Feature (input column) a branch tests; -1 for leaves. */
  feature: Int32Array
  /** Threshold of a branch, as the file stores it (float32 values widened, or doubles). */
  threshold: Float64Array
  /** MODE_CODES of each node. */
  mode: Uint8Array
  /** Child when the comparison holds / does not. */
  trueChild: Int32Array
  falseChild: Int32Array
  /** 1 when a missing (NaN) value takes the true branch. */
  missingTrue: Uint8Array
  /** Per node, the vote weights per score column, row-major [node, scoreCount] (0 for branches). */
  votes: Float64Array
  /** Score columns (classes, or regression targets) the votes go to. */
  scoreCount: number
  /** Added to each score column (length scoreCount; zeros when the file has none). */
  baseValues: Float64Array
  postTransform: string
  /** Regressor only: how tree votes combine. */
  aggregate: 'SUM' | 'AVERAGE' | 'MIN' | 'MAX'
  /** Classifier only: class labels as strings, in class-id order. */
  classLabels: string[]
  /** Whether thresholds compare in float32 (a float input) rather than float64. */
  float32: boolean
}

interface RawAttribute {
  ints: bigint[]
  floats: number[]
  strings: string[]
  /** A TensorProto's doubles (for *_as_tensor). */
  doubles?: number[]
  s?: string
}

function readFloats(reader: ProtoReader, wire: number, into: number[]): void {
  if (wire === 5) {
    into.push(new DataView(reader.bytes.buffer, reader.bytes.byteOffset + reader.pos, 4).getFloat32(0, true))
    reader.skip(5)
  } else if (wire === 2) {
    const [start, end] = reader.lengthDelimited()
    const view = new DataView(reader.bytes.buffer, reader.bytes.byteOffset + start, end - start)
    for (let offset = 0; offset + 4 <= view.byteLength; offset += 4) into.push(view.getFloat32(offset, true))
  } else reader.skip(wire)
}

function readDoubles(reader: ProtoReader, wire: number, into: number[]): void {
  if (wire === 1) {
    into.push(new DataView(reader.bytes.buffer, reader.bytes.byteOffset + reader.pos, 8).getFloat64(0, true))
    reader.skip(1)
  } else if (wire === 2) {
    const [start, end] = reader.lengthDelimited()
    const view = new DataView(reader.bytes.buffer, reader.bytes.byteOffset + start, end - start)
    for (let offset = 0; offset + 8 <= view.byteLength; offset += 8) into.push(view.getFloat64(offset, true))
  } else reader.skip(wire)
}

function readInts(reader: ProtoReader, wire: number, into: bigint[]): void {
  if (wire === 0) into.push(BigInt.asIntN(64, reader.varint()))
  else if (wire === 2) {
    const packed = reader.sub(reader.lengthDelimited())
    while (!packed.done()) into.push(BigInt.asIntN(64, packed.varint()))
  } else reader.skip(wire)
}

/** TensorProto (data_type DOUBLE or FLOAT) → its values. */
function readTensorValues(reader: ProtoReader): number[] {
  const FLOAT = 1
  const DOUBLE = 11
  let dataType = 0
  const floats: number[] = []
  const doubles: number[] = []
  let raw: [number, number] | undefined
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 2 && wire === 0) dataType = Number(reader.varint())
    else if (field === 4) readFloats(reader, wire, floats)
    else if (field === 10) readDoubles(reader, wire, doubles)
    else if (field === 9 && wire === 2) raw = reader.lengthDelimited()
    else reader.skip(wire)
  }
  if (raw) {
    const width = dataType === DOUBLE ? 8 : 4
    const view = new DataView(reader.bytes.buffer, reader.bytes.byteOffset + raw[0], raw[1] - raw[0])
    const values: number[] = []
    for (let offset = 0; offset + width <= view.byteLength; offset += width) values.push(width === 8 ? view.getFloat64(offset, true) : view.getFloat32(offset, true))
    return values
  }
  return dataType === DOUBLE ? doubles : dataType === FLOAT ? floats : []
}

function readAttribute(reader: ProtoReader): [string, RawAttribute] {
  let name = ''
  const attribute: RawAttribute = { ints: [], floats: [], strings: [] }
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 1 && wire === 2) name = reader.string()
    else if (field === 2) readFloats(reader, wire, attribute.floats)
    else if (field === 3 && wire === 0) attribute.ints.push(BigInt.asIntN(64, reader.varint()))
    else if (field === 4 && wire === 2) attribute.s = reader.string()
    else if (field === 5 && wire === 2) attribute.doubles = readTensorValues(reader.sub(reader.lengthDelimited()))
    else if (field === 7) readFloats(reader, wire, attribute.floats)
    else if (field === 8) readInts(reader, wire, attribute.ints)
    else if (field === 9 && wire === 2) attribute.strings.push(reader.string())
    else reader.skip(wire)
  }
  return [name, attribute]
}

interface GraphNode {
  opType: string
  domain: string
  inputs: string[]
  outputs: string[]
  attributes: Map<string, RawAttribute>
}

function readGraphNode(reader: ProtoReader): GraphNode {
  const node: GraphNode = { opType: '', domain: '', inputs: [], outputs: [], attributes: new Map() }
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 1 && wire === 2) node.inputs.push(reader.string())
    else if (field === 2 && wire === 2) node.outputs.push(reader.string())
    else if (field === 4 && wire === 2) node.opType = reader.string()
    else if (field === 7 && wire === 2) node.domain = reader.string()
    else if (field === 5 && wire === 2) {
      const [name, attribute] = readAttribute(reader.sub(reader.lengthDelimited()))
      node.attributes.set(name, attribute)
    } else reader.skip(wire)
  }
  return node
}

interface GraphInput {
  name: string
  /** TensorProto element type (1 float, 11 double, …). */
  elementType: number
}

function readGraphInput(reader: ProtoReader): GraphInput {
  let name = ''
  let elementType = 0
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 1 && wire === 2) name = reader.string()
    else if (field === 2 && wire === 2) {
      // TypeProto → tensor_type (1) → elem_type (1)
      const type = reader.sub(reader.lengthDelimited())
      while (!type.done()) {
        const [f, w] = type.key()
        if (f === 1 && w === 2) {
          const tensor = type.sub(type.lengthDelimited())
          while (!tensor.done()) {
            const [g, v] = tensor.key()
            if (g === 1 && v === 0) elementType = Number(tensor.varint())
            else tensor.skip(v)
          }
        } else type.skip(w)
      }
    } else reader.skip(wire)
  }
  return { name, elementType }
}

/** Why a model's trees cannot be explained, in one sentence; `hasTrees` is false when the graph has none at all. */
export class UnsupportedTreeModel extends Error {
  constructor(
    message: string,
    readonly hasTrees = true,
  ) {
    super(message)
  }
}

/**
 * Finds the graph's one tree-ensemble node and flattens it. Throws UnsupportedTreeModel when the graph
 * has none, more than one, or the node does not read a graph input (then feature ids are not columns).
 */
export function readTreeEnsemble(bytes: Uint8Array): TreeEnsemble {
  const reader = new ProtoReader(bytes, 0, bytes.length)
  let graph: [number, number] | undefined
  while (!reader.done()) {
    const [field, wire] = reader.key()
    if (field === 7 && wire === 2) graph = reader.lengthDelimited()
    else reader.skip(wire)
  }
  if (!graph) throw new NotOnnxError('no graph')
  const nodes: GraphNode[] = []
  const inputs: GraphInput[] = []
  const initializers = new Set<string>()
  const graphReader = reader.sub(graph)
  while (!graphReader.done()) {
    const [field, wire] = graphReader.key()
    if (field === 1 && wire === 2) nodes.push(readGraphNode(graphReader.sub(graphReader.lengthDelimited())))
    else if (field === 11 && wire === 2) inputs.push(readGraphInput(graphReader.sub(graphReader.lengthDelimited())))
    else if (field === 5 && wire === 2) {
      const tensor = graphReader.sub(graphReader.lengthDelimited())
      while (!tensor.done()) {
        const [f, w] = tensor.key()
        if (f === 8 && w === 2) initializers.add(tensor.string())
        else tensor.skip(w)
      }
    } else graphReader.skip(wire)
  }
  const trees = nodes.filter((node) => node.opType === 'TreeEnsembleClassifier' || node.opType === 'TreeEnsembleRegressor')
  if (trees.length === 0) throw new UnsupportedTreeModel('the graph has no TreeEnsembleClassifier or TreeEnsembleRegressor node', false)
  if (trees.length > 1) throw new UnsupportedTreeModel(`the graph has ${trees.length} tree-ensemble nodes; TreeSHAP reads a graph with one`)
  const node = trees[0]!
  if (node.domain !== 'ai.onnx.ml') throw new UnsupportedTreeModel(`the ${node.opType} node is in domain '${node.domain}', not ai.onnx.ml`)

  // The tree node must read a graph input, directly or through one Cast (skl2onnx casts doubles).
  const graphInputs = inputs.filter((input) => !initializers.has(input.name))
  let source = node.inputs[0] ?? ''
  let castTo: number | undefined
  const cast = nodes.find((candidate) => candidate.outputs[0] === source && candidate.opType === 'Cast')
  if (cast) {
    castTo = Number(cast.attributes.get('to')?.ints[0] ?? 0n)
    source = cast.inputs[0] ?? ''
  }
  const input = graphInputs.find((candidate) => candidate.name === source)
  if (!input) throw new UnsupportedTreeModel(`the ${node.opType} node reads '${node.inputs[0] ?? ''}', which is computed in the graph, not the model's input`)
  const FLOAT = 1
  const float32 = (castTo ?? input.elementType) === FLOAT || input.elementType === FLOAT
  return flatten(node, input.name, float32)
}

function numbers(attribute: RawAttribute | undefined): number[] {
  if (!attribute) return []
  return attribute.doubles ?? attribute.floats
}

function flatten(node: GraphNode, input: string, float32: boolean): TreeEnsemble {
  const a = node.attributes
  const ints = (name: string) => (a.get(name)?.ints ?? []).map(Number)
  const treeIds = ints('nodes_treeids')
  const nodeIds = ints('nodes_nodeids')
  const featureIds = ints('nodes_featureids')
  const modes = a.get('nodes_modes')?.strings ?? []
  const trueIds = ints('nodes_truenodeids')
  const falseIds = ints('nodes_falsenodeids')
  const missing = ints('nodes_missing_value_tracks_true')
  const values = a.has('nodes_values_as_tensor') ? numbers(a.get('nodes_values_as_tensor')) : numbers(a.get('nodes_values'))
  const count = treeIds.length
  for (const [name, list] of [['nodes_nodeids', nodeIds], ['nodes_featureids', featureIds], ['nodes_modes', modes], ['nodes_truenodeids', trueIds], ['nodes_falsenodeids', falseIds], ['nodes_values', values]] as const) {
    if (list.length !== count) throw new UnsupportedTreeModel(`${name} has ${list.length} entries where nodes_treeids has ${count}`)
  }
  if (missing.length !== 0 && missing.length !== count) throw new UnsupportedTreeModel(`nodes_missing_value_tracks_true has ${missing.length} entries where nodes_treeids has ${count}`)

  const index = new Map<string, number>()
  for (let i = 0; i < count; i++) {
    const key = `${treeIds[i]}:${nodeIds[i]}`
    if (index.has(key)) throw new UnsupportedTreeModel(`tree ${treeIds[i]} declares node ${nodeIds[i]} twice`)
    index.set(key, i)
  }
  const classifier = node.opType === 'TreeEnsembleClassifier'
  const prefix = classifier ? 'class' : 'target'
  const classLabels = classifier ? (a.get('classlabels_strings')?.strings ?? ints('classlabels_int64s').map(String)) : []
  const scoreCount = classifier ? (classLabels.length === 2 ? 1 + Math.max(0, ...ints('class_ids')) : classLabels.length) : Math.max(1, Number(a.get('n_targets')?.ints[0] ?? 1n))
  if (scoreCount < 1) throw new UnsupportedTreeModel('the classifier declares no class labels')

  const feature = new Int32Array(count).fill(-1)
  const threshold = new Float64Array(count)
  const mode = new Uint8Array(count)
  const trueChild = new Int32Array(count).fill(-1)
  const falseChild = new Int32Array(count).fill(-1)
  const missingTrue = new Uint8Array(count)
  const child = (tree: number, id: number, of: number): number => {
    const found = index.get(`${tree}:${id}`)
    if (found === undefined) throw new UnsupportedTreeModel(`node ${nodeIds[of]} of tree ${tree} points at node ${id}, which the tree does not have`)
    return found
  }
  for (let i = 0; i < count; i++) {
    const code = MODE_CODES[modes[i] as NodeMode]
    if (code === undefined) throw new UnsupportedTreeModel(`node ${nodeIds[i]} of tree ${treeIds[i]} has mode '${modes[i]}'`)
    mode[i] = code
    missingTrue[i] = missing[i] ?? 0
    if (code !== 0) {
      feature[i] = featureIds[i]!
      threshold[i] = values[i]!
      trueChild[i] = child(treeIds[i]!, trueIds[i]!, i)
      falseChild[i] = child(treeIds[i]!, falseIds[i]!, i)
    }
  }

  const votes = new Float64Array(count * scoreCount)
  const voteTrees = ints(`${prefix}_treeids`)
  const voteNodes = ints(`${prefix}_nodeids`)
  const voteIds = ints(`${prefix}_ids`)
  const weights = a.has(`${prefix}_weights_as_tensor`) ? numbers(a.get(`${prefix}_weights_as_tensor`)) : numbers(a.get(`${prefix}_weights`))
  if (voteNodes.length !== voteTrees.length || voteIds.length !== voteTrees.length || weights.length !== voteTrees.length) {
    throw new UnsupportedTreeModel(`the ${prefix}_* attributes have different lengths`)
  }
  for (let v = 0; v < voteTrees.length; v++) {
    const at = index.get(`${voteTrees[v]}:${voteNodes[v]}`)
    if (at === undefined) throw new UnsupportedTreeModel(`a vote names node ${voteNodes[v]} of tree ${voteTrees[v]}, which does not exist`)
    if (mode[at] !== 0) throw new UnsupportedTreeModel(`a vote names node ${voteNodes[v]} of tree ${voteTrees[v]}, which is a branch`)
    const id = voteIds[v]!
    if (id < 0 || id >= scoreCount) throw new UnsupportedTreeModel(`a vote goes to ${prefix} ${id}, outside 0..${scoreCount - 1}`)
    votes[at * scoreCount + id]! += weights[v]!
  }

  const treeList = [...new Set(treeIds)]
  const roots = new Int32Array(treeList.length)
  treeList.forEach((tree, t) => {
    const root = index.get(`${tree}:0`)
    if (root === undefined) throw new UnsupportedTreeModel(`tree ${tree} has no node 0 (its root)`)
    roots[t] = root
  })
  const base = a.has('base_values_as_tensor') ? numbers(a.get('base_values_as_tensor')) : numbers(a.get('base_values'))
  const baseValues = new Float64Array(scoreCount)
  for (let k = 0; k < Math.min(scoreCount, base.length); k++) baseValues[k] = base[k]!
  const aggregate = (a.get('aggregate_function')?.s ?? 'SUM') as TreeEnsemble['aggregate']
  return {
    op: node.opType as TreeEnsemble['op'],
    input,
    roots,
    feature,
    threshold,
    mode,
    trueChild,
    falseChild,
    missingTrue,
    votes,
    scoreCount,
    baseValues,
    postTransform: a.get('post_transform')?.s ?? 'NONE',
    aggregate,
    classLabels,
    float32,
  }
}

/** Whether `value` takes node `i`'s true branch, as onnxruntime decides it (NaN by missing_value_tracks_true). */
export function takesTrueBranch(ensemble: TreeEnsemble, i: number, value: number): boolean {
  const x = ensemble.float32 ? Math.fround(value) : value
  if (Number.isNaN(x)) return ensemble.missingTrue[i] === 1 || ensemble.mode[i] === 6
  const t = ensemble.threshold[i]!
  switch (ensemble.mode[i]) {
    case 1: return x <= t
    case 2: return x < t
    case 3: return x >= t
    case 4: return x > t
    case 5: return x === t
    default: return x !== t
  }
}
