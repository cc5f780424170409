/** Types for the decoder modules codecs.ts imports that ship none of their own. */
declare module 'lz4js' {
  /** An upper bound of a frame's decoded size, from its header (content size) or its block sizes. */
  export function decompressBound(src: Uint8Array): number
  /** Decodes an LZ4 frame into a buffer of at most `maxSize` bytes, returned cut to the decoded size. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array
}

// hyparquet-compressors' LZ4 file alone: its index also builds a wasm snappy decoder at import time,
// which every bundle would then compile at start-up for nothing.
declare module 'hyparquet-compressors/src/lz4.js' {
  /** Parquet's deprecated LZ4: Hadoop-framed blocks, or one raw block; `outputLength` bytes out. */
  export function decompressLz4(input: Uint8Array, outputLength: number): Uint8Array
  /** Parquet's LZ4_RAW: one raw LZ4 block decoded into `outputLength` bytes. */
  export function decompressLz4Raw(input: Uint8Array, outputLength: number): Uint8Array
}
