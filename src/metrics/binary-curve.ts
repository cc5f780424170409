/**
 * Cumulative true and false positives at each distinct score, highest score first: the table both
 * ROC AUC and average precision integrate. Same as scikit-learn's `_binary_clf_curve`: rows with
 * equal scores enter together (one threshold per distinct score), weighted when weights are given.
 *
 * Speed: one native sort of a float64 copy of the scores (no comparator), then each row finds its
 * score's bucket by binary search; no index array is sorted, so a million rows cost ~100 ms.
 */
import type { ClassIndices, SampleWeight } from './metric-input.js'

/** `tps[k]`, `fps[k]`: weighted positives and negatives with score ≥ `thresholds[k]` (descending). */
export interface BinaryCurve {
  thresholds: Float64Array
  tps: Float64Array
  fps: Float64Array
}

/** Builds the curve from 0/1 labels and scores (scores must not be NaN). */
export function binaryCurve(yTrue: ClassIndices, scores: ArrayLike<number>, weight?: SampleWeight): BinaryCurve {
  const n = yTrue.length
  const sorted = Float64Array.from(scores).sort()
  let distinct = 0
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[distinct - 1]) sorted[distinct++] = sorted[i]!
  const values = sorted.subarray(0, distinct)
  const positives = new Float64Array(distinct)
  const negatives = new Float64Array(distinct)
  for (let i = 0; i < n; i++) {
    const score = scores[i]!
    let lo = 0
    let hi = distinct - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (values[mid]! < score) lo = mid + 1
      else hi = mid
    }
    const w = weight ? weight[i]! : 1
    if (yTrue[i] === 1) positives[lo]! += w
    else negatives[lo]! += w
  }
  const thresholds = new Float64Array(distinct)
  const tps = new Float64Array(distinct)
  const fps = new Float64Array(distinct)
  let tp = 0
  let fp = 0
  for (let k = 0; k < distinct; k++) {
    const bucket = distinct - 1 - k
    tp += positives[bucket]!
    fp += negatives[bucket]!
    thresholds[k] = values[bucket]!
    tps[k] = tp
    fps[k] = fp
  }
  return { thresholds, tps, fps }
}
