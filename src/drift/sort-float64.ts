/**
 * Sorting for the drift statistics. V8's Float64Array.prototype.sort is a comparison sort about 9×
 * slower than numpy's, so we sort by LSD radix on the IEEE-754 bits (four 16-bit digits): O(n),
 * exact, stable. Finite values only: NaN and ±∞ are data-quality findings, not sample points.
 */
import { DataError } from '../errors.js'

const RADIX_BITS = 16
const BUCKETS = 1 << RADIX_BITS
/** Below this a comparison sort wins over four counting passes. */
const RADIX_MIN_LENGTH = 2048

/** A sorted ascending copy of `values`; throws when one is NaN or ±∞ (name the column in `what`). */
export function sortFinite(values: ArrayLike<number>, what = 'sample'): Float64Array {
  const n = values.length
  const out = Float64Array.from(values)
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i]!)) throw new DataError(`${what}: value ${i} is ${out[i]}; drift statistics need finite numbers (drop or report NaN and infinities first)`)
    if (out[i] === 0) out[i] = 0 // -0 and 0 are the same point; keep one bit pattern
  }
  if (n < RADIX_MIN_LENGTH) return out.sort()
  return radixSort(out)
}

function radixSort(values: Float64Array): Float64Array {
  const n = values.length
  // Map each double to a 64-bit key whose unsigned order is the numeric order: flip all bits of
  // negatives, only the sign bit of positives. Work on two 32-bit halves (little-endian).
  let keys: Uint32Array = new Uint32Array(values.buffer, values.byteOffset, n * 2)
  for (let i = 0; i < n; i++) {
    const hi = keys[2 * i + 1]!
    if (hi & 0x80000000) {
      keys[2 * i] = ~keys[2 * i]! >>> 0
      keys[2 * i + 1] = ~hi >>> 0
    } else {
      keys[2 * i + 1] = (hi | 0x80000000) >>> 0
    }
  }
  let scratch: Uint32Array = new Uint32Array(n * 2)
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
      scratch[2 * d] = lo
      scratch[2 * d + 1] = hi
    }
    const t = keys
    keys = scratch
    scratch = t
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
  return new Float64Array(keys.buffer, keys.byteOffset, n)
}
