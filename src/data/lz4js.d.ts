/** Types for the parts of lz4js (plain CommonJS, no types of its own) that codecs.ts uses. */
declare module 'lz4js' {
  /** An upper bound of a frame's decoded size, from its header (content size) or its block sizes. */
  export function decompressBound(src: Uint8Array): number
  /** Decodes an LZ4 frame into a buffer of at most `maxSize` bytes, returned cut to the decoded size. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array
}
