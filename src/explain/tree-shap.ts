/**
 * Exact interventional TreeSHAP on ONNX tree ensembles, straight from the trees of the file.
 *
 * For a background row z, the game v_z(S) = f(x_S, z_S̄) of a single tree is a sum over its leaves:
 * a leaf is reached exactly when every feature x "needs" on the way (set A) comes from x and every
 * feature z needs (set B) comes from z, so each leaf is a game u(S) = value · [A ⊆ S, B ∩ S = ∅]
 * whose Shapley values are closed-form: with n = |A| + |B|,
 *
 *   φ_i = +value · (|A|−1)! |B|! / n!   for i ∈ A,     φ_i = −value · |A|! (|B|−1)! / n!   for i ∈ B.
 *
 * One walk of the tree per (x, z) pair visits only the leaves some coalition reaches (features on
 * which x and z go the same way split nothing). Averaging over the background gives the interventional
 * Shapley values, with Σφ = f(x) − E_z[f(z)] exactly (Lundberg et al. 2020, "From local explanations
 * to global understanding with explainable AI for trees", Nature Machine Intelligence 2:56–67, the
 * "interventional" algorithm; shap's `TreeExplainer(model, data, feature_perturbation="interventional")`).
 *
 * Output space: leaf votes add up to a margin. Where the model's explained output is the margin itself
 * (regressors; random-forest probabilities), the values are exact. Where it is σ(margin) (a gradient-
 * boosted classifier's probability), each pair's margin attributions are rescaled by
 * (σ(m(x)) − σ(m(z))) / (m(x) − m(z)), so they add up to the probability difference: this is what shap
 * does for `model_output="probability"` (checked against shap 0.51 to 1e-12 on the fixture), and it is
 * how the explained output stays the same probability the other methods explain.
 *
 * Before any value is trusted, the trees are evaluated on every explained and background row and
 * compared with onnxruntime's own outputs: a model whose graph does more than the trees (scalers,
 * other post-transforms) fails that check instead of being explained wrongly.
 */
import { readFile } from 'node:fs/promises'
import { positiveClassIndex } from '../metrics/positive-class.js'
import type { OnnxModel } from '../onnx/model.js'
import type { ModelSignature } from '../onnx/signature.js'
import { requireColumn, type ColumnarTable } from '../onnx/table.js'
import { readTreeEnsemble, takesTrueBranch, UnsupportedTreeModel, type TreeEnsemble } from '../onnx/tree-ensemble.js'
import type { Attributions } from './attributions.js'
import { evaluateOutputs } from './model-output.js'

export { UnsupportedTreeModel } from '../onnx/tree-ensemble.js'

/** How the ensemble's score columns become one explained output. */
interface ExplainedOutput {
  name: string
  /** Weight of each score column in the margin. */
  coefficients: Float64Array
  /** Added to the margin. */
  offset: number
  transform: 'identity' | 'logistic'
}

/** An ensemble ready to explain: the trees and the outputs they are explained in. */
export interface TreeModel {
  ensemble: TreeEnsemble
  outputs: ExplainedOutput[]
  /** Leaf values per explained output, row-major [node, K]: votes combined by each output's coefficients. */
  leafValues: Float64Array
}

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t))

/**
 * Reads the trees of `model` and maps them to the outputs `explainedOutputs` (src/explain/model-output.ts)
 * explains for this signature. Throws UnsupportedTreeModel with the reason where it cannot.
 */
export async function readTreeModel(model: OnnxModel, signature: ModelSignature, positiveClass?: string): Promise<TreeModel> {
  const ensemble = readTreeEnsemble(await readFile(model.path))
  if (signature.inputs.kind !== 'matrix') {
    throw new UnsupportedTreeModel('TreeSHAP reads models with one 2-D float input (one column per feature); this model takes one input per feature')
  }
  if (ensemble.input !== signature.inputs.input) throw new UnsupportedTreeModel(`the trees read '${ensemble.input}', not the model's input '${signature.inputs.input}'`)
  const M = signature.features.length
  for (let i = 0; i < ensemble.feature.length; i++) {
    if (ensemble.feature[i]! >= M) throw new UnsupportedTreeModel(`a tree splits on column ${ensemble.feature[i]}, past the ${M} features`)
  }
  const S = ensemble.scoreCount
  const unit = (c: number, scale = 1) => {
    const coefficients = new Float64Array(S)
    coefficients[c] = scale
    return coefficients
  }
  const transform = ensemble.postTransform
  let outputs: ExplainedOutput[]
  if (ensemble.op === 'TreeEnsembleRegressor') {
    if (S !== 1) throw new UnsupportedTreeModel(`the regressor has ${S} targets; TreeSHAP here explains one`)
    if (transform !== 'NONE') throw new UnsupportedTreeModel(`the regressor's post_transform is ${transform}`)
    if (ensemble.aggregate !== 'SUM' && ensemble.aggregate !== 'AVERAGE') throw new UnsupportedTreeModel(`the regressor aggregates trees by ${ensemble.aggregate}, which is not a sum`)
    const scale = ensemble.aggregate === 'AVERAGE' ? 1 / ensemble.roots.length : 1
    outputs = [{ name: 'value', coefficients: unit(0, scale), offset: ensemble.baseValues[0]!, transform: 'identity' }]
  } else {
    const labels = ensemble.classLabels
    if (transform !== 'NONE' && transform !== 'LOGISTIC') {
      throw new UnsupportedTreeModel(`the classifier's post_transform is ${transform}; TreeSHAP here explains NONE and LOGISTIC (a ${transform} probability is not a rescaled margin)`)
    }
    const g = transform === 'LOGISTIC' ? 'logistic' : 'identity'
    if (labels.length === 2) {
      const column = positiveClassIndex(labels, positiveClass)
      const name = `P(${labels[column]})`
      if (S === 1) {
        // One score column s for a binary model: onnxruntime answers [1 − s, s] (NONE) or [σ(−s), σ(s)].
        const sign = column === 1 ? 1 : -1
        const base = ensemble.baseValues[0]!
        const offset = g === 'identity' && sign < 0 ? 1 - base : sign * base
        outputs = [{ name, coefficients: unit(0, sign), offset, transform: g }]
      } else {
        outputs = [{ name, coefficients: unit(column), offset: ensemble.baseValues[column]!, transform: g }]
      }
    } else {
      if (g !== 'identity') throw new UnsupportedTreeModel('a multiclass LOGISTIC classifier is not explained by TreeSHAP here')
      outputs = labels.map((label, c) => ({ name: `P(${label})`, coefficients: unit(c), offset: ensemble.baseValues[c]!, transform: 'identity' as const }))
    }
  }
  const K = outputs.length
  const nodes = ensemble.feature.length
  const leafValues = new Float64Array(nodes * K)
  for (let i = 0; i < nodes; i++) {
    if (ensemble.mode[i] !== 0) continue
    for (let k = 0; k < K; k++) {
      let value = 0
      const { coefficients } = outputs[k]!
      for (let c = 0; c < S; c++) value += coefficients[c]! * ensemble.votes[i * S + c]!
      leafValues[i * K + k] = value
    }
  }
  return { ensemble, outputs, leafValues }
}

/** Rows × features as one Float64Array, row-major, in signature order. */
function rowMatrix(table: ColumnarTable, features: readonly string[]): Float64Array {
  const M = features.length
  const out = new Float64Array(table.rowCount * M)
  features.forEach((feature, j) => {
    const column = requireColumn(table, feature)
    if (!(column instanceof Float64Array)) throw new UnsupportedTreeModel(`feature ${feature} is not numeric`)
    for (let r = 0; r < table.rowCount; r++) out[r * M + j] = column[r]!
  })
  return out
}

/** Each row's branch decisions: [row, node] → 1 when the row takes the node's true branch. */
function branchDecisions(ensemble: TreeEnsemble, rows: Float64Array, rowCount: number, M: number): Uint8Array {
  const nodes = ensemble.feature.length
  const out = new Uint8Array(rowCount * nodes)
  for (let r = 0; r < rowCount; r++) {
    for (let i = 0; i < nodes; i++) {
      const f = ensemble.feature[i]!
      if (f >= 0 && takesTrueBranch(ensemble, i, rows[r * M + f]!)) out[r * nodes + i] = 1
    }
  }
  return out
}

/** The margin per explained output of one row, from its branch decisions. */
function margins(model: TreeModel, decisions: Uint8Array, row: number, into: Float64Array): void {
  const { ensemble, leafValues, outputs } = model
  const K = outputs.length
  const nodes = ensemble.feature.length
  for (let k = 0; k < K; k++) into[k] = outputs[k]!.offset
  for (const root of ensemble.roots) {
    let node = root
    while (ensemble.feature[node]! >= 0) node = decisions[row * nodes + node] ? ensemble.trueChild[node]! : ensemble.falseChild[node]!
    for (let k = 0; k < K; k++) into[k]! += leafValues[node * K + k]!
  }
}

function applyTransform(transform: ExplainedOutput['transform'], margin: number): number {
  return transform === 'logistic' ? sigmoid(margin) : margin
}

/** W[n][m] = m! (n − m − 1)! / n!, the Shapley weight of a coalition of m among n players. */
function shapleyWeights(maxPlayers: number): Float64Array[] {
  const factorial = [1]
  for (let i = 1; i <= maxPlayers; i++) factorial.push(factorial[i - 1]! * i)
  const table: Float64Array[] = []
  for (let n = 0; n <= maxPlayers; n++) {
    const row = new Float64Array(Math.max(n, 1))
    for (let m = 0; m < n; m++) row[m] = (factorial[m]! * factorial[n - m - 1]!) / factorial[n]!
    table.push(row)
  }
  return table
}

function treeDepth(ensemble: TreeEnsemble): number {
  let deepest = 0
  const stack: Array<[number, number]> = [...ensemble.roots].map((root) => [root, 0])
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (ensemble.feature[node]! < 0) {
      deepest = Math.max(deepest, depth)
      continue
    }
    if (depth > 4096) throw new UnsupportedTreeModel('a tree is deeper than 4,096 levels (or has a cycle)')
    stack.push([ensemble.trueChild[node]!, depth + 1], [ensemble.falseChild[node]!, depth + 1])
  }
  return deepest
}

/**
 * Interventional TreeSHAP values of `rows` against `background` (both in the signature's features),
 * after checking the trees reproduce onnxruntime's outputs on every one of those rows.
 */
export async function treeShap(
  model: OnnxModel,
  signature: ModelSignature,
  treeModel: TreeModel,
  background: ColumnarTable,
  rows: ColumnarTable,
  positiveClass?: string,
): Promise<Attributions> {
  const { ensemble, outputs, leafValues } = treeModel
  const features = signature.features
  const M = features.length
  const K = outputs.length
  const nodes = ensemble.feature.length
  const R = rows.rowCount
  const B = background.rowCount
  if (B === 0) throw new UnsupportedTreeModel('the background sample is empty')

  const x = rowMatrix(rows, features)
  const z = rowMatrix(background, features)
  const dx = branchDecisions(ensemble, x, R, M)
  const dz = branchDecisions(ensemble, z, B, M)

  const marginX = new Float64Array(R * K)
  const marginZ = new Float64Array(B * K)
  const scratch = new Float64Array(K)
  for (let r = 0; r < R; r++) {
    margins(treeModel, dx, r, scratch)
    marginX.set(scratch, r * K)
  }
  for (let b = 0; b < B; b++) {
    margins(treeModel, dz, b, scratch)
    marginZ.set(scratch, b * K)
  }
  const predictions = new Float64Array(R * K)
  for (let i = 0; i < R * K; i++) predictions[i] = applyTransform(outputs[i % K]!.transform, marginX[i]!)
  const baseValue = new Float64Array(K)
  for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) baseValue[k]! += applyTransform(outputs[k]!.transform, marginZ[b * K + k]!) / B

  // The trees must say what onnxruntime says, row for row, before their attributions mean anything.
  const [ortRows, ortBackground] = [await evaluateOutputs(model, signature, rows, undefined, positiveClass), await evaluateOutputs(model, signature, background, undefined, positiveClass)]
  const check = (ours: (i: number) => number, theirs: Float64Array, what: string) => {
    for (let i = 0; i < theirs.length; i++) {
      const expected = theirs[i]!
      const got = ours(i)
      // onnxruntime adds float32 votes; 1e-5 relative is far above that rounding and far below a real difference.
      if (!(Math.abs(got - expected) <= 1e-5 * Math.max(1, Math.abs(expected)))) {
        throw new UnsupportedTreeModel(`the trees give ${got} for ${what} row ${Math.floor(i / K)} where onnxruntime gives ${expected}; the graph does more than its tree-ensemble node`)
      }
    }
  }
  check((i) => predictions[i]!, ortRows.values, 'explained')
  check((i) => applyTransform(outputs[i % K]!.transform, marginZ[i]!), ortBackground.values, 'background')

  const W = shapleyWeights(treeDepth(ensemble) + 1)
  const values = new Float64Array(R * M * K)
  const state = new Int8Array(M)
  const fromX = new Int32Array(M + 1)
  const fromZ = new Int32Array(M + 1)
  const { feature, trueChild, falseChild, roots } = ensemble
  const T = roots.length
  // The leaf each row reaches in each tree: where x and z reach the same leaf they took the same
  // path, so that tree adds nothing to their pair and is not walked.
  const leafOf = (decisions: Uint8Array, count: number): Int32Array => {
    const leaves = new Int32Array(count * T)
    for (let r = 0; r < count; r++) {
      for (let t = 0; t < T; t++) {
        let node = roots[t]!
        while (feature[node]! >= 0) node = decisions[r * nodes + node] ? trueChild[node]! : falseChild[node]!
        leaves[r * T + t] = node
      }
    }
    return leaves
  }
  const leavesX = leafOf(dx, R)
  const leavesZ = leafOf(dz, B)

  // A pair's walk of a tree reads z only through z's decisions at that tree's branches, so background
  // rows with the same decisions there walk alike: walk once per distinct pattern and weigh the walk by
  // the sum of its rows' factors (exact; with a logistic output each row keeps its own factor).
  const patterns: Array<{ tree: number; representative: number; members: Int32Array }> = []
  const treeBranches = (root: number): number[] => {
    const branches: number[] = []
    const stack = [root]
    while (stack.length > 0) {
      const node = stack.pop()!
      if (feature[node]! < 0) continue
      branches.push(node)
      stack.push(trueChild[node]!, falseChild[node]!)
    }
    return branches
  }
  const patternStart = new Int32Array(T + 1)
  for (let t = 0; t < T; t++) {
    patternStart[t] = patterns.length
    const branches = treeBranches(roots[t]!)
    const groups = new Map<string, number[]>()
    for (let bg = 0; bg < B; bg++) {
      let key = ''
      for (const node of branches) key += dz[bg * nodes + node] ? '1' : '0'
      const group = groups.get(key)
      if (group) group.push(bg)
      else groups.set(key, [bg])
    }
    for (const members of groups.values()) patterns.push({ tree: t, representative: members[0]!, members: Int32Array.from(members) })
  }
  patternStart[T] = patterns.length

  let xOffset = 0
  let zOffset = 0
  let out = 0
  // Per output, what the walk's leaf values are multiplied by (the pattern's summed factors), so the
  // walk adds straight into `values`.
  const scale = new Float64Array(K)
  // Each background row's factor for the current x: 1/B, times the logistic rescaling where there is one.
  const factors = new Float64Array(B * K)

  const walk = (node: number, a: number, b: number): void => {
    const f = feature[node]!
    if (f < 0) {
      const n = a + b
      const plus = a > 0 ? W[n]![a - 1]! : 0
      const minus = b > 0 ? W[n]![a]! : 0
      for (let k = 0; k < K; k++) {
        const value = leafValues[node * K + k]! * scale[k]!
        if (value === 0) continue
        for (let i = 0; i < a; i++) values[out + fromX[i]! * K + k]! += value * plus
        for (let i = 0; i < b; i++) values[out + fromZ[i]! * K + k]! -= value * minus
      }
      return
    }
    const xChild = dx[xOffset + node] ? trueChild[node]! : falseChild[node]!
    const zChild = dz[zOffset + node] ? trueChild[node]! : falseChild[node]!
    const s = state[f]!
    if (s === 1) return walk(xChild, a, b)
    if (s === -1) return walk(zChild, a, b)
    if (xChild === zChild) return walk(xChild, a, b)
    state[f] = 1
    fromX[a] = f
    walk(xChild, a + 1, b)
    state[f] = -1
    fromZ[b] = f
    walk(zChild, a, b + 1)
    state[f] = 0
  }

  for (let r = 0; r < R; r++) {
    xOffset = r * nodes
    out = r * M * K
    for (let bg = 0; bg < B; bg++) {
      for (let k = 0; k < K; k++) {
        let factor = 1 / B
        if (outputs[k]!.transform === 'logistic') {
          const mx = marginX[r * K + k]!
          const mz = marginZ[bg * K + k]!
          const p = sigmoid(mx)
          factor *= mx === mz ? p * (1 - p) : (p - sigmoid(mz)) / (mx - mz)
        }
        factors[bg * K + k] = factor
      }
    }
    for (let t = 0; t < T; t++) {
      const leafX = leavesX[r * T + t]!
      for (let p = patternStart[t]!; p < patternStart[t + 1]!; p++) {
        const { representative, members } = patterns[p]!
        if (leavesZ[representative * T + t] === leafX) continue
        scale.fill(0)
        for (let i = 0; i < members.length; i++) for (let k = 0; k < K; k++) scale[k]! += factors[members[i]! * K + k]!
        zOffset = representative * nodes
        walk(roots[t]!, 0, 0)
      }
    }
  }
  return {
    features,
    outputNames: outputs.map((output) => output.name),
    baseValue,
    predictions,
    values,
    rowCount: R,
    modelRuns: ortRows.values.length > 0 ? 2 : 0,
  }
}
