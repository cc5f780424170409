/**
 * KernelSHAP (Lundberg & Lee 2017, "A Unified Approach to Interpreting Model Predictions", Theorem 2):
 * Shapley values as the solution of a weighted linear regression of v(z) − E[f] on coalition vectors z,
 * with the Shapley kernel
 *
 *   π(z) = (M − 1) / (C(M, |z|) · |z| · (M − |z|))
 *
 * and the constraint Σφ = f(x) − E[f] enforced exactly by eliminating the last feature
 * (φ_M = Δ − Σ_{j<M} φ_j), as shap's KernelExplainer does.
 *
 * Coalitions are chosen as in shap 0.4x/0.5x: subset sizes s and M − s are paired; sizes are taken
 * smallest first and enumerated completely while the sample budget covers every subset of that size
 * in expectation; the rest of the budget is sampled (sizes from the remaining kernel mass, each draw
 * also adding its complement, repeats counted as extra weight), then rescaled to the mass left.
 * Default budget 2M + 2048 samples, capped at 2^M − 2 (then every coalition is used and the answer
 * equals exact Shapley values). Features whose value in x equals every background row's value get
 * φ = 0 and are left out of the regression, as in shap. Sampling uses a seeded generator, so the
 * same seed gives the same values.
 *
 * Reference: shap's `KernelExplainer(...).shap_values(x, l1_reg=False)`. shap's default
 * (`l1_reg="num_features(10)"`) first keeps only 10 features by a LARS path when there are more and
 * gives every other feature φ = 0; we never drop features, so compare with l1_reg=False.
 */
import type { Attributions } from './attributions.js'
import { weightedLeastSquares } from './least-squares.js'
import { createRandom, type Random } from './random.js'
import type { CoalitionRequest, ValueFunction } from './value-function.js'
import { isNumericColumn, type ColumnarTable } from '../onnx/table.js'

/** Options for `kernelShap`. */
export interface KernelShapOptions {
  /** Coalitions per explained row; default 2M + 2048 (shap's 'auto'), capped at 2^M − 2. */
  samples?: number
  /** Seed of the coalition sampler; default 0. */
  seed?: number
}

/** Coalitions over M features with their kernel weights; `masks` is row-major [count, M]. */
export interface CoalitionSample {
  masks: Uint8Array
  weights: Float64Array
  count: number
}

function binomial(n: number, k: number): number {
  let result = 1
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i
  return Math.round(result)
}

/** Calls `visit` with each size-`k` subset of [0, n) as an index array (reused between calls). */
function forEachCombination(n: number, k: number, visit: (indices: Int32Array) => void): void {
  const indices = Int32Array.from({ length: k }, (_, i) => i)
  for (;;) {
    visit(indices)
    let i = k - 1
    while (i >= 0 && indices[i] === n - k + i) i--
    if (i < 0) return
    indices[i]!++
    for (let j = i + 1; j < k; j++) indices[j] = indices[j - 1]! + 1
  }
}

/** Chooses coalitions and kernel weights for M features (M ≥ 2) within a budget of `samples`. */
export function sampleCoalitions(M: number, samples: number, random: Random): CoalitionSample {
  const budget = Math.max(1, Math.min(samples, M <= 30 ? 2 ** M - 2 : Number.MAX_SAFE_INTEGER))
  const subsetSizes = Math.ceil((M - 1) / 2)
  const pairedSizes = Math.floor((M - 1) / 2)
  const kernel = new Float64Array(subsetSizes)
  for (let s = 1; s <= subsetSizes; s++) kernel[s - 1] = ((M - 1) / (s * (M - s))) * (s <= pairedSizes ? 2 : 1)
  const kernelTotal = kernel.reduce((a, b) => a + b, 0)
  for (let i = 0; i < subsetSizes; i++) kernel[i]! /= kernelTotal

  const masks: Uint8Array[] = []
  const weights: number[] = []
  const add = (mask: Uint8Array, weight: number) => {
    masks.push(mask)
    weights.push(weight)
  }

  let samplesLeft = budget
  let fullSizes = 0
  const remaining = Float64Array.from(kernel)
  for (let s = 1; s <= subsetSizes; s++) {
    const paired = s <= pairedSizes
    const subsets = binomial(M, s) * (paired ? 2 : 1)
    if ((samplesLeft * remaining[s - 1]!) / subsets < 1 - 1e-8) break
    fullSizes++
    samplesLeft -= subsets
    const share = remaining[s - 1]!
    if (share < 1) for (let i = 0; i < subsetSizes; i++) remaining[i]! /= 1 - share
    const weight = kernel[s - 1]! / binomial(M, s) / (paired ? 2 : 1)
    forEachCombination(M, s, (indices) => {
      const mask = new Uint8Array(M)
      for (const j of indices) mask[j] = 1
      add(mask, weight)
      if (paired) add(mask.map((bit) => 1 - bit), weight)
    })
  }

  const fixedCount = masks.length
  if (fullSizes < subsetSizes && samplesLeft > 0) {
    let weightLeft = 0
    for (let i = fullSizes; i < subsetSizes; i++) weightLeft += kernel[i]!
    // A draw of a paired size adds two coalitions, so its size is drawn with half the kernel mass.
    const sizeShares = Array.from({ length: subsetSizes - fullSizes }, (_, i) => {
      const s = fullSizes + 1 + i
      return kernel[s - 1]! / (s <= pairedSizes ? 2 : 1)
    })
    const shareTotal = sizeShares.reduce((a, b) => a + b, 0)
    const seen = new Map<string, number>()
    const order = Int32Array.from({ length: M }, (_, i) => i)
    const offer = (mask: Uint8Array) => {
      const key = mask.join('')
      const index = seen.get(key)
      if (index === undefined) {
        seen.set(key, masks.length)
        add(mask, 1)
        samplesLeft--
      } else weights[index]! += 1
    }
    const maxDraws = 4 * samplesLeft
    for (let draw = 0; draw < maxDraws && samplesLeft > 0; draw++) {
      let pick = random() * shareTotal
      let s = fullSizes + 1
      for (let i = 0; i < sizeShares.length - 1 && pick >= sizeShares[i]!; i++, s++) pick -= sizeShares[i]!
      // The first s entries of a partial Fisher–Yates shuffle are a uniform random subset.
      for (let i = 0; i < s; i++) {
        const j = i + Math.floor(random() * (M - i))
        const swap = order[i]!
        order[i] = order[j]!
        order[j] = swap
      }
      const mask = new Uint8Array(M)
      for (let i = 0; i < s; i++) mask[order[i]!] = 1
      offer(mask)
      if (samplesLeft > 0 && s <= pairedSizes) offer(mask.map((bit) => 1 - bit))
    }
    let sampledTotal = 0
    for (let i = fixedCount; i < weights.length; i++) sampledTotal += weights[i]!
    for (let i = fixedCount; i < weights.length; i++) weights[i] = (weights[i]! * weightLeft) / sampledTotal
  }

  const flat = new Uint8Array(masks.length * M)
  masks.forEach((mask, i) => flat.set(mask, i * M))
  return { masks: flat, weights: Float64Array.from(weights), count: masks.length }
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b))
}

/** Indices of features whose value in `row` differs from at least one background row. */
export function varyingFeatures(features: readonly string[], rows: ColumnarTable, row: number, background: ColumnarTable): number[] {
  const varying: number[] = []
  features.forEach((feature, j) => {
    const x = rows.columns.get(feature)!
    const b = background.columns.get(feature)!
    const value = x[row]
    const numeric = isNumericColumn(b)
    for (let i = 0; i < background.rowCount; i++) {
      if (!sameValue(numeric ? b[i] : (b[i] ?? null), numeric ? value : (value ?? null))) {
        varying.push(j)
        return
      }
    }
  })
  return varying
}

/**
 * KernelSHAP values of every row the value function was built for; `rows` and `background` are the
 * tables it was built from (to find each row's varying features).
 */
export async function kernelShap(
  valueFunction: ValueFunction,
  rows: ColumnarTable,
  background: ColumnarTable,
  options: KernelShapOptions = {},
): Promise<Attributions> {
  const features = valueFunction.features
  const M = features.length
  const K = valueFunction.outputNames.length
  const rowCount = valueFunction.predictions.length / K
  const random = createRandom(options.seed ?? 0)
  const values = new Float64Array(rowCount * M * K)
  const runsBefore = valueFunction.runs

  interface Plan {
    row: number
    varying: number[]
    sample?: CoalitionSample
    request?: CoalitionRequest
  }
  const plans: Plan[] = []
  for (let row = 0; row < rowCount; row++) {
    const varying = varyingFeatures(features, rows, row, background)
    const plan: Plan = { row, varying }
    if (varying.length >= 2) {
      const sample = sampleCoalitions(varying.length, options.samples ?? 2 * varying.length + 2048, random)
      const masks = new Uint8Array(sample.count * M)
      for (let c = 0; c < sample.count; c++) {
        varying.forEach((j, v) => (masks[c * M + j] = sample.masks[c * varying.length + v]!))
      }
      plan.sample = sample
      plan.request = { row, masks, count: sample.count }
    }
    plans.push(plan)
  }
  const requests = plans.flatMap((plan) => (plan.request ? [plan.request] : []))
  const evaluated = await valueFunction.evaluate(requests)
  const results = new Map(requests.map((request, i) => [request, evaluated[i]!]))

  for (const { row, varying, sample, request } of plans) {
    const delta = Array.from({ length: K }, (_, k) => valueFunction.predictions[row * K + k]! - valueFunction.baseValue[k]!)
    if (varying.length === 1) {
      for (let k = 0; k < K; k++) values[(row * M + varying[0]!) * K + k] = delta[k]!
    }
    if (!sample || !request) continue
    const v = results.get(request)!
    const P = varying.length - 1
    const n = sample.count
    // Eliminate the last varying feature: y − z_last·Δ = Σ_{j<last} φ_j (z_j − z_last).
    const z = new Float64Array(n * P)
    const ys = Array.from({ length: K }, () => new Float64Array(n))
    for (let r = 0; r < n; r++) {
      const last = sample.masks[r * varying.length + P]!
      for (let j = 0; j < P; j++) z[r * P + j] = sample.masks[r * varying.length + j]! - last
      for (let k = 0; k < K; k++) ys[k]![r] = v[r * K + k]! - valueFunction.baseValue[k]! - last * delta[k]!
    }
    const solutions = weightedLeastSquares(z, n, P, sample.weights, ys)
    for (let k = 0; k < K; k++) {
      const beta = solutions[k]!
      let sum = 0
      for (let j = 0; j < P; j++) {
        values[(row * M + varying[j]!) * K + k] = beta[j]!
        sum += beta[j]!
      }
      values[(row * M + varying[P]!) * K + k] = delta[k]! - sum
    }
  }

  return {
    features,
    outputNames: valueFunction.outputNames,
    baseValue: valueFunction.baseValue,
    predictions: valueFunction.predictions,
    values,
    rowCount,
    modelRuns: valueFunction.runs - runsBefore,
  }
}
