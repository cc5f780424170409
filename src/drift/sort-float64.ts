/**
 * Sorting for the drift statistics. V8's Float64Array.prototype.sort is a comparison sort about 9×
 * slower than numpy's, and every exact statistic here starts from sorted columns, so sorting is the
 * cost that matters. Two exact O(n) sorts:
 *
 * - a bucket sort on the value: n/4 equal-width buckets over [min, max] (the bucket index
 *   ⌊(x − min)·scale⌋ is monotone in x, since IEEE subtraction and multiplication round
 *   monotonically), then insertion sort inside each bucket; a bucket with more than 64 values is
 *   bucket-sorted again over its own range, or skipped when all its values are equal. About twice as
 *   fast as radix on real columns (two passes over the data instead of four scatters);
 * - an LSD radix sort on the IEEE-754 bits (four 16-bit digits) for what defeats the buckets:
 *   ranges that overflow, or data so skewed that the buckets keep most values together twice in a row.
 *
 * Finite values only: NaN and ±∞ are data-quality findings, not sample points; -0 becomes 0.
 */
import { DataError } from '../errors.js'

const RADIX_BITS = 16
const BUCKETS = 1 << RADIX_BITS
/** Below this a comparison sort wins over the bucket passes. */
const BUCKET_MIN_LENGTH = 2048
/** Buckets up to this size are finished by insertion sort. */
const INSERTION_MAX = 64
/** Bucket levels before a still-crowded bucket goes to the radix sort. */
const MAX_BUCKET_DEPTH = 4

/** A sorted ascending copy of `values`; throws when one is NaN or ±∞ (name the column in `what`). */
export function sortFinite(values: ArrayLike<number>, what = 'sample'): Float64Array {
  const n = values.length
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const v = values[i]!
    if (!Number.isFinite(v)) throw new DataError(`${what}: value ${i} is ${v}; drift statistics need finite numbers (drop or report NaN and infinities first)`)
    out[i] = v === 0 ? 0 : v // -0 and 0 are the same point; keep one bit pattern
  }
  return new SortWorkspace().sortInPlace(out)
}

/**
 * Scratch space for sorting many columns one after another without allocating per column: the
 * scratch buffer grows to the largest column seen and is reused.
 */
export class SortWorkspace {
  private scratch = new Float64Array(0)
  private starts = new Uint32Array(0)
  private next = new Uint32Array(0)

  /**
   * Sorts `values` (finite, no -0: see collectFinite) in place and returns it. The workspace's
   * scratch is overwritten; `values` is the result.
   */
  sortInPlace(values: Float64Array): Float64Array {
    const n = values.length
    if (n < BUCKET_MIN_LENGTH) {
      const at = values.findIndex((v) => !Number.isFinite(v))
      if (at >= 0) throw new DataError(`sample: value ${at} is ${values[at]}; drift statistics need finite numbers (drop or report NaN and infinities first)`)
      return values.sort()
    }
    if (this.scratch.length < n) this.scratch = new Float64Array(n)
    let min = values[0]!
    let max = min
    // A NaN or an infinity would never land in a bucket (the bucket walk would not end): refuse it here,
    // in the pass that is made anyway, rather than trust every caller to have left them out.
    let finite = Number.isFinite(min)
    for (let i = 1; i < n; i++) {
      const v = values[i]!
      finite &&= v - v === 0
      if (v < min) min = v
      else if (v > max) max = v
    }
    if (!finite) {
      const at = values.findIndex((v) => !Number.isFinite(v))
      throw new DataError(`sample: value ${at} is ${values[at]}; drift statistics need finite numbers (drop or report NaN and infinities first)`)
    }
    const buckets = bucketCount(n)
    if (this.starts.length < buckets + 1) {
      this.starts = new Uint32Array(buckets + 1)
      this.next = new Uint32Array(buckets)
    }
    bucketSort(values, this.scratch, 0, n, min, max, 0, this.starts.subarray(0, buckets + 1), this.next.subarray(0, buckets))
    return values
  }
}

function bucketCount(n: number): number {
  return Math.max(16, n >>> 2)
}

/**
 * Sorts a[lo, hi) in place, using scratch[lo, hi) as room; `starts` and `next` (buckets + 1 and
 * buckets long) are lent by the workspace at the top level, allocated for the rare deeper levels.
 */
function bucketSort(a: Float64Array, scratch: Float64Array, lo: number, hi: number, min: number, max: number, depth: number, lentStarts?: Uint32Array, lentNext?: Uint32Array): void {
  const n = hi - lo
  if (min === max) return
  const width = max - min
  if (depth >= MAX_BUCKET_DEPTH || !Number.isFinite(width)) {
    radixSort(a.subarray(lo, hi), scratch.subarray(lo, hi))
    return
  }
  const buckets = bucketCount(n)
  const scale = buckets / width
  const last = buckets - 1
  const starts = lentStarts ?? new Uint32Array(buckets + 1)
  starts.fill(0)
  // (x − min)·scale is ≥ 0 and below 2³¹ here, so truncation is the floor; only x = max reaches `buckets`.
  for (let i = lo; i < hi; i++) {
    const b = ((a[i]! - min) * scale) | 0
    starts[(b > last ? last : b) + 1]!++
  }
  for (let b = 0; b < buckets; b++) starts[b + 1]! += starts[b]!
  const next = lentNext ?? new Uint32Array(buckets)
  next.set(starts.subarray(0, buckets))
  for (let i = lo; i < hi; i++) {
    const x = a[i]!
    const b = ((x - min) * scale) | 0
    scratch[lo + next[b > last ? last : b]!++] = x
  }
  a.set(scratch.subarray(lo, hi), lo)
  for (let b = 0; b < buckets; b++) {
    const s = lo + starts[b]!
    const e = lo + starts[b + 1]!
    if (e - s < 2) continue
    if (e - s <= INSERTION_MAX) {
      for (let i = s + 1; i < e; i++) {
        const x = a[i]!
        let j = i - 1
        while (j >= s && a[j]! > x) {
          a[j + 1] = a[j]!
          j--
        }
        a[j + 1] = x
      }
      continue
    }
    let bMin = a[s]!
    let bMax = bMin
    for (let i = s + 1; i < e; i++) {
      const v = a[i]!
      if (v < bMin) bMin = v
      else if (v > bMax) bMax = v
    }
    // A bucket holding most of its parent's values means a few outliers stretched the range: its
    // own range is tight, so one more level usually settles it; twice in a row means heavy tails,
    // where more levels gain little, and the radix sort takes over.
    bucketSort(a, scratch, s, e, bMin, bMax, depth + (e - s > n / 2 ? 2 : 1))
  }
}

/** LSD radix sort of `values` in place on the IEEE-754 bits; `scratch` is at least as long. */
function radixSort(values: Float64Array, scratch: Float64Array): void {
  const n = values.length
  // Map each double to a 64-bit key whose unsigned order is the numeric order: flip all bits of
  // negatives, only the sign bit of positives. Work on two 32-bit halves (little-endian).
  let keys = new Uint32Array(values.buffer, values.byteOffset, n * 2)
  let other = new Uint32Array(scratch.buffer, scratch.byteOffset, n * 2)
  for (let i = 0; i < n; i++) {
    const hi = keys[2 * i + 1]!
    if (hi & 0x80000000) {
      keys[2 * i] = ~keys[2 * i]! >>> 0
      keys[2 * i + 1] = ~hi >>> 0
    } else {
      keys[2 * i + 1] = (hi | 0x80000000) >>> 0
    }
  }
  const counts = new Uint32Array(BUCKETS)
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1
    const shift = (pass & 1) * RADIX_BITS
    counts.fill(0)
    for (let i = 0; i < n; i++) counts[(keys[2 * i + word]! >>> shift) & 0xffff]!++
    // Skip a pass where every key has the same digit (common for the low bits of integer data).
    if (counts[(keys[word]! >>> shift) & 0xffff] === n) continue
    let sum = 0
    for (let b = 0; b < BUCKETS; b++) {
      const c = counts[b]!
      counts[b] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const lo = keys[2 * i]!
      const hi = keys[2 * i + 1]!
      const d = counts[((word === 0 ? lo : hi) >>> shift) & 0xffff]!++
      other[2 * d] = lo
      other[2 * d + 1] = hi
    }
    const t = keys
    keys = other
    other = t
  }
  for (let i = 0; i < n; i++) {
    const hi = keys[2 * i + 1]!
    if (hi & 0x80000000) {
      keys[2 * i + 1] = (hi & 0x7fffffff) >>> 0
    } else {
      keys[2 * i] = ~keys[2 * i]! >>> 0
      keys[2 * i + 1] = ~hi >>> 0
    }
  }
  // After an odd number of scatters the result sits in the scratch buffer.
  if (keys.buffer !== values.buffer || keys.byteOffset !== values.byteOffset) values.set(new Float64Array(keys.buffer, keys.byteOffset, n))
}
