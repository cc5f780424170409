/**
 * Downloading release assets, each checked against the release's SHA256SUMS while it streams to a
 * temp file; only a verified file is renamed into place, a mismatch removes the partial file.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { RegistryConflictError, RegistryNotFoundError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-file.js'
import type { RegistryBackend, ReleaseRecord } from './backend.js'
import { CHECKSUMS_ASSET, parseChecksums } from './checksums.js'
import { stderrLog, type RegistryLog } from './log.js'
import { resolveVersion } from './lookup.js'
import type { ModelRef } from './tags.js'

/** Options of `download`. */
export interface DownloadOptions {
  backend: RegistryBackend
  /** `churn#production`, `churn@latest`, `churn@v1.2.3`. */
  ref: string | ModelRef
  /** Asset names; default every asset (SHA256SUMS then included, so `sha256sum -c` works there). */
  assets?: readonly string[]
  /** Folder to write into (created when missing). */
  dir: string
  log?: RegistryLog
}

/** What `download` wrote. */
export interface DownloadResult {
  tag: string
  version: string
  files: { name: string; path: string; sha256: string }[]
}

/** Downloads and verifies assets of the referenced version. */
export async function download(options: DownloadOptions): Promise<DownloadResult> {
  const { backend } = options
  const log = options.log ?? stderrLog
  const { version } = await resolveVersion(backend, options.ref)
  const tag = version.tag.name
  const release = await backend.getRelease(tag)
  if (!release || release.draft) {
    throw new RegistryNotFoundError(
      `${tag} has no published release in ${backend.description}: its registration did not finish; run modelship registry register again for commit ${version.commit.slice(0, 7)}`,
    )
  }
  const sumsText = await readSmallAsset(backend, release, CHECKSUMS_ASSET)
  const sums = parseChecksums(sumsText, `${CHECKSUMS_ASSET} of ${tag}`)
  const names = options.assets ?? release.assets.map((a) => a.name).filter((n) => n !== CHECKSUMS_ASSET)
  const dir = resolve(options.dir)
  await mkdir(dir, { recursive: true })
  const files: DownloadResult['files'] = []
  for (const name of names) {
    const asset = release.assets.find((a) => a.name === name)
    if (!asset) {
      throw new RegistryNotFoundError(`${tag} has no asset '${name}'; its assets: ${release.assets.map((a) => a.name).join(', ')}`)
    }
    const expected = sums.get(name)
    if (!expected) throw new RegistryConflictError(`${CHECKSUMS_ASSET} of ${tag} has no line for '${name}', so it cannot be verified; register the version again`)
    const target = join(dir, name)
    const partial = join(dir, `.${name}.partial-${randomBytes(4).toString('hex')}`)
    const hash = createHash('sha256')
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk)
        callback(null, chunk)
      },
    })
    try {
      await pipeline(await backend.openAsset(release, asset), hashing, createWriteStream(partial))
    } catch (error) {
      await rm(partial, { force: true })
      throw error
    }
    const actual = hash.digest('hex')
    if (actual !== expected) {
      await rm(partial, { force: true })
      throw new RegistryConflictError(
        `checksum mismatch for ${name} of ${tag}: SHA256SUMS says ${expected}, the download is ${actual}; the partial file was removed. The asset was changed or damaged after registration: download again, and if it persists register the commit anew`,
      )
    }
    await rename(partial, target)
    log.info(`downloaded ${name} of ${tag} (sha256 ${actual.slice(0, 12)}…, verified)`)
    files.push({ name, path: target, sha256: actual })
  }
  if (options.assets === undefined) await writeFileAtomic(join(dir, CHECKSUMS_ASSET), sumsText)
  return { tag, version: version.version.toString(), files }
}

async function readSmallAsset(backend: RegistryBackend, release: ReleaseRecord, name: string): Promise<string> {
  const asset = release.assets.find((a) => a.name === name && a.state === 'uploaded')
  if (!asset) {
    throw new RegistryNotFoundError(`${release.tagName} has no ${name} asset, so its files cannot be verified; register the version again`)
  }
  const chunks: Buffer[] = []
  for await (const chunk of await backend.openAsset(release, asset)) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks).toString('utf8')
}
