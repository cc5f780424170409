/**
 * The decompressors for Parquet pages and Arrow IPC buffers, from well-kept packages instead of our
 * own: hyparquet-compressors (LZ4, LZ4_RAW), fzstd, the ZSTD decoder hyparquet-compressors uses
 * (where node:zlib lacks zstd, i.e. Node before 22.15), lz4js for the LZ4 frames of Arrow IPC (pyarrow.feather's default), and
 * node:zlib for GZIP and BROTLI (native: hyparquet-compressors' JavaScript ones took 2.2-2.4x as long on brotli
 * and up to 3x on gzip, bench/read-parquet.ts). SNAPPY stays with hyparquet's built-in decoder (no wasm to bundle;
 * the wasm one measured from 0.6x to 1.15x its time at load 11, which is noise).
 * Every decoder's output is bounded: zlib's by the page's declared size, the others' by the most
 * their codec can encode in the input's bytes, so a small hostile file cannot make one allocate
 * gigabytes (a ZSTD page can still claim 32,768 times its size where Node lacks native zstd).
 *
 * Why lz4js, little maintained, still decodes Arrow's LZ4 frames: nothing better kept reads the frame
 * format. hyparquet-compressors decodes raw and Hadoop-framed blocks, each into a fresh buffer, but
 * pyarrow writes frames of *linked* 64 KiB blocks (FLG 0x40: each block may copy from the ones
 * before it), so its decoder fails on every block after the first ("lz4 offset out of range", tried
 * on test/fixtures/data/lz4/text-140k.frame). lz4-wasm only reads its own size-prefixed blocks (Arrow
 * JS rejected it for this reason, apache/arrow-js#14, and tests its LZ4 reading with lz4js), and
 * lz4-napi's frame support is an unmerged pull request (antoniomuso/lz4-napi#665) of a native addon
 * that every platform's bundle would have to carry. lz4js is small pure JavaScript; its output is
 * bounded below and its results are checked against pyarrow's in test/data/lz4.test.ts.
 */
import * as zlib from 'node:zlib'
import type { Compressors } from 'hyparquet'
import { decompress as decompressZstd } from 'fzstd'
import { decompressLz4, decompressLz4Raw } from 'hyparquet-compressors/src/lz4.js'
import * as lz4js from 'lz4js'

type ZstdZlib = typeof zlib & { zstdDecompressSync?: (input: Uint8Array, options?: zlib.ZlibOptions) => Buffer }
const nativeZstd = (zlib as ZstdZlib).zstdDecompressSync

/** Parquet page decompressors by codec, for hyparquet's `compressors` option; `outputLength` is the page header's size. */
export const PARQUET_DECOMPRESSORS: Compressors = {
  GZIP: (input, outputLength) => zlib.gunzipSync(input, { maxOutputLength: Math.max(outputLength, 1) }),
  BROTLI: (input, outputLength) => zlib.brotliDecompressSync(input, { maxOutputLength: Math.max(outputLength, 1) }),
  ZSTD: nativeZstd
    ? (input, outputLength) => nativeZstd(input, { maxOutputLength: Math.max(outputLength, 1) })
    : (input, outputLength) => decompressZstd(input, new Uint8Array(claimedSize(input, outputLength, ZSTD_MAX_RATIO, 'ZSTD'))),
  LZ4: (input, outputLength) => decompressLz4(input, claimedSize(input, outputLength, LZ4_MAX_RATIO, 'LZ4')),
  // hyparquet-compressors reads the one-byte block of an empty page as a match at offset 0.
  LZ4_RAW: (input, outputLength) => (outputLength === 0 ? new Uint8Array(0) : decompressLz4Raw(input, claimedSize(input, outputLength, LZ4_MAX_RATIO, 'LZ4_RAW'))),
}

// A byte of an LZ4 block stands for at most 255 output bytes (a length extension), and a frame's
// blocks are at most 4 MiB each. A ZSTD block of 3 header bytes and 1 byte of RLE stands for up to
// 128 KiB. These decoders allocate the size a header claims, so a claim past the ratio is refused.
const LZ4_MAX_RATIO = 255
const LZ4_MAX_BLOCK = 4 << 20
const ZSTD_MAX_RATIO = (128 << 10) / 4

/** A page header's decoded size, when the codec could produce that much from `input`. */
function claimedSize(input: Uint8Array, outputLength: number, ratio: number, codec: string): number {
  if (outputLength > ratio * input.length + 1024) {
    throw new Error(`a ${codec} page of ${input.length} bytes claims ${outputLength} bytes decoded, more than ${codec} can encode in it`)
  }
  return outputLength
}

/** Decodes one LZ4 frame (an Arrow IPC buffer); throws on a frame that claims more than LZ4 can hold. */
export function decodeLz4Frame(input: Uint8Array): Uint8Array {
  const claimed = lz4js.decompressBound(input)
  const limit = LZ4_MAX_RATIO * input.length + 2 * LZ4_MAX_BLOCK
  if (!(claimed >= 0 && claimed <= limit)) throw new Error(`LZ4 frame of ${input.length} bytes claims ${claimed} bytes of output, more than LZ4 can encode in it`)
  return aligned(lz4js.decompress(input, claimed))
}

/** Decodes one ZSTD frame (an Arrow IPC buffer): node:zlib where it has zstd, else fzstd. */
export function decodeZstdFrame(input: Uint8Array): Uint8Array {
  return aligned(nativeZstd ? nativeZstd(input) : decompressZstd(input))
}

/** apache-arrow views a decoded buffer as int64s or float64s, which need an offset that is a multiple of 8. */
function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 ? bytes : bytes.slice()
}
