/**
 * LZ4 decompression, our own, for the three ways LZ4 reaches data files:
 * - the LZ4 frame format (lz4 Frame Format Description 1.6.x), which Arrow IPC uses for
 *   `compression='lz4'`, the default of `pyarrow.feather.write_feather` and pandas' `to_feather`;
 * - raw LZ4 blocks (lz4 Block Format Description), Parquet's `LZ4_RAW`;
 * - Parquet's deprecated `LZ4` codec, Hadoop's framing of raw blocks (big-endian decompressed and
 *   compressed sizes before each block), falling back to one raw block as parquet-cpp does.
 * Only decoding: a block is a list of sequences, each literals copied as they are, then a match
 * copied from `offset` bytes back in the output (overlapping copies repeat a pattern). Linked frame
 * blocks may reach back into earlier blocks, so every block of a frame decodes into one output.
 * Checksums (xxHash32) are skipped: bounds checks catch a truncated or garbled stream, and the IPC
 * and Parquet readers check the decoded sizes. Every malformed input throws an Lz4Error.
 */

/** A malformed LZ4 stream; the readers turn it into a DataError naming the file. */
export class Lz4Error extends Error {
  override name = 'Lz4Error'
}

const FRAME_MAGIC = 0x184d2204
// Skippable frames carry user data the decoder must step over: magic 0x184D2A50 to 0x184D2A5F.
const SKIPPABLE_MAGIC_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
const MIN_MATCH = 4
// Block maximum sizes by the BD byte's 3-bit id (4 to 7).
const BLOCK_MAX_SIZE: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 }

/** A growable output buffer, so one frame's blocks can refer back into each other. */
class Output {
  bytes: Uint8Array
  length = 0
  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(capacity, 64))
  }
  reserve(extra: number): void {
    const needed = this.length + extra
    if (needed <= this.bytes.length) return
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2))
    grown.set(this.bytes.subarray(0, this.length))
    this.bytes = grown
  }
  result(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }
}

/** Reads an LZ4 length extension: bytes of 255 add up until one below 255 ends it. */
function readLengthExtension(input: Uint8Array, at: { pos: number }, end: number): number {
  let total = 0
  for (;;) {
    if (at.pos >= end) throw new Lz4Error('LZ4 block ends inside a length')
    const byte = input[at.pos++]!
    total += byte
    if (byte !== 255) return total
  }
}

/** Decodes one raw block from input[start, end) onto `out`, whose earlier bytes matches may reach. */
function decodeBlockInto(input: Uint8Array, start: number, end: number, out: Output, maxOutput: number): void {
  const at = { pos: start }
  const limit = out.length + maxOutput
  while (at.pos < end) {
    const token = input[at.pos++]!
    let literals = token >>> 4
    if (literals === 15) literals += readLengthExtension(input, at, end)
    if (at.pos + literals > end) throw new Lz4Error('LZ4 literals run past the end of the block')
    if (out.length + literals > limit) throw new Lz4Error('LZ4 block decodes to more bytes than declared')
    out.reserve(literals)
    out.bytes.set(input.subarray(at.pos, at.pos + literals), out.length)
    out.length += literals
    at.pos += literals
    // The last sequence has literals only.
    if (at.pos === end) return
    if (at.pos + 2 > end) throw new Lz4Error('LZ4 block ends inside a match offset')
    const offset = input[at.pos]! | (input[at.pos + 1]! << 8)
    at.pos += 2
    if (offset === 0 || offset > out.length) throw new Lz4Error(`LZ4 match offset ${offset} points before the start of the data`)
    let match = (token & 15) + MIN_MATCH
    if ((token & 15) === 15) match += readLengthExtension(input, at, end)
    if (out.length + match > limit) throw new Lz4Error('LZ4 block decodes to more bytes than declared')
    out.reserve(match)
    const bytes = out.bytes
    let from = out.length - offset
    let to = out.length
    if (offset >= match) {
      bytes.copyWithin(to, from, from + match)
    } else {
      // Overlapping: each byte may be one this copy just wrote (a repeated pattern).
      for (const stop = to + match; to < stop; ) bytes[to++] = bytes[from++]!
    }
    out.length += match
  }
}

/**
 * Decodes one raw LZ4 block (Parquet LZ4_RAW). `outputLength`, when known, sizes the result and
 * must match it exactly.
 */
export function decodeLz4Block(input: Uint8Array, outputLength?: number): Uint8Array {
  const out = new Output(outputLength ?? input.length * 4)
  decodeBlockInto(input, 0, input.length, out, outputLength ?? Number.MAX_SAFE_INTEGER)
  if (outputLength !== undefined && out.length !== outputLength) {
    throw new Lz4Error(`LZ4 block decodes to ${out.length} bytes, not the ${outputLength} declared`)
  }
  return out.result()
}

function readUint32LE(input: Uint8Array, pos: number): number {
  if (pos + 4 > input.length) throw new Lz4Error('LZ4 frame is truncated')
  return (input[pos]! | (input[pos + 1]! << 8) | (input[pos + 2]! << 16) | (input[pos + 3]! << 24)) >>> 0
}

/** Decodes an LZ4 frame stream (one or more frames, skippable frames stepped over), as Arrow IPC writes it. */
export function decodeLz4Frame(input: Uint8Array): Uint8Array {
  const out = new Output(input.length * 4)
  let pos = 0
  if (input.length === 0) throw new Lz4Error('LZ4 frame is empty')
  while (pos < input.length) {
    const magic = readUint32LE(input, pos)
    pos += 4
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      pos += 4 + readUint32LE(input, pos)
      continue
    }
    if (magic !== FRAME_MAGIC) throw new Lz4Error(`not an LZ4 frame (magic number 0x${magic.toString(16)})`)
    if (pos + 2 > input.length) throw new Lz4Error('LZ4 frame is truncated')
    const flags = input[pos++]!
    const bd = input[pos++]!
    if (flags >>> 6 !== 1) throw new Lz4Error(`LZ4 frame version ${flags >>> 6} is not supported (only 1)`)
    if (flags & 1) throw new Lz4Error('LZ4 frame needs a dictionary, which data files never use')
    const blockChecksums = (flags & 0x10) !== 0
    const contentSize = (flags & 0x08) !== 0
    const contentChecksum = (flags & 0x04) !== 0
    const blockMax = BLOCK_MAX_SIZE[(bd >>> 4) & 7]
    if (blockMax === undefined) throw new Lz4Error(`LZ4 frame block size id ${(bd >>> 4) & 7} is not valid`)
    if (contentSize) pos += 8
    pos += 1 // header checksum
    if (pos > input.length) throw new Lz4Error('LZ4 frame is truncated')
    for (;;) {
      const word = readUint32LE(input, pos)
      pos += 4
      if (word === 0) break // end mark
      const size = word & 0x7fffffff
      if (size > blockMax) throw new Lz4Error(`LZ4 block of ${size} bytes is larger than the frame's ${blockMax}-byte maximum`)
      if (pos + size > input.length) throw new Lz4Error('LZ4 frame is truncated inside a block')
      if (word & 0x80000000) {
        // Stored uncompressed.
        out.reserve(size)
        out.bytes.set(input.subarray(pos, pos + size), out.length)
        out.length += size
      } else {
        decodeBlockInto(input, pos, pos + size, out, blockMax)
      }
      pos += size + (blockChecksums ? 4 : 0)
    }
    if (contentChecksum) pos += 4
    if (pos > input.length) throw new Lz4Error('LZ4 frame is truncated')
  }
  return out.result()
}

/**
 * Decodes Parquet's deprecated `LZ4` codec: Hadoop's framing (4-byte big-endian decompressed size,
 * 4-byte big-endian compressed size, a raw block; repeated), or, when the bytes do not parse as that
 * framing, one raw block (what some older writers produced), as parquet-cpp reads it.
 */
export function decodeHadoopLz4(input: Uint8Array, outputLength: number): Uint8Array {
  const framed = tryHadoopFraming(input, outputLength)
  return framed ?? decodeLz4Block(input, outputLength)
}

function tryHadoopFraming(input: Uint8Array, outputLength: number): Uint8Array | undefined {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength)
  const out = new Output(outputLength)
  let pos = 0
  try {
    while (pos < input.length) {
      if (pos + 8 > input.length) return undefined
      const decompressed = view.getUint32(pos)
      const compressed = view.getUint32(pos + 4)
      pos += 8
      if (pos + compressed > input.length || out.length + decompressed > outputLength) return undefined
      const before = out.length
      decodeBlockInto(input, pos, pos + compressed, out, decompressed)
      if (out.length - before !== decompressed) return undefined
      pos += compressed
    }
  } catch (error) {
    if (error instanceof Lz4Error) return undefined
    throw error
  }
  return out.length === outputLength ? out.result() : undefined
}
