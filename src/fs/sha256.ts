/** SHA-256 digests, the one implementation for run records, cache keys, checksums and lineage. */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/** Lowercase hex SHA-256 of bytes or text. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Lowercase hex SHA-256 of a file's bytes, streamed so large data files never sit in memory. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
