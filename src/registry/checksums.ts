/**
 * SHA-256 checksums and the `SHA256SUMS` file in the format `sha256sum` writes and `sha256sum -c`
 * checks: one `<64 hex digits><two spaces><file name>` line per file, sorted by name.
 */
import { RegistryConflictError } from '../errors.js'
import { parseTagMessage } from './lineage.js'

/** The name of the checksum asset of every release. */
export const CHECKSUMS_ASSET = 'SHA256SUMS'

/** Renders `SHA256SUMS` text from name → hex digest, sorted by name. */
export function renderChecksums(sums: ReadonlyMap<string, string>): string {
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, digest]) => `${digest}  ${name}\n`)
    .join('')
}

/** Parses `SHA256SUMS` text (text ` ` or binary `*` mode); RegistryConflictError on a malformed line. */
export function parseChecksums(text: string, source = CHECKSUMS_ASSET): Map<string, string> {
  const sums = new Map<string, string>()
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line)
    if (!m) {
      throw new RegistryConflictError(
        `${source} line ${i + 1} is not '<sha256>  <file>': ${JSON.stringify(line.slice(0, 120))}; the release's checksum file is damaged, register the version again`,
      )
    }
    sums.set(m[2]!, m[1]!.toLowerCase())
  })
  return sums
}

/**
 * Asset name → sha256 as a version tag's lineage recorded them at registration (`assets` of its
 * JSON); undefined when the tag carries none (a GTO-made or hand-made tag). The tag is the
 * registry's truth: a release can rewrite its assets and its SHA256SUMS together, never the tag.
 */
export function lineageChecksums(message: string | undefined): Map<string, string> | undefined {
  const assets = parseTagMessage(message)?.assets
  if (typeof assets !== 'object' || assets === null || Array.isArray(assets)) return undefined
  const sums = new Map<string, string>()
  for (const [name, digest] of Object.entries(assets)) {
    if (typeof digest === 'string' && /^[0-9a-f]{64}$/.test(digest)) sums.set(name, digest)
  }
  return sums.size > 0 ? sums : undefined
}
