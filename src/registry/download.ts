/**
 * Downloading release assets, each checked while it streams to a temp file against the sha256 the
 * version tag's lineage recorded (which a release cannot rewrite; the release's own SHA256SUMS only
 * for a tag that records none). Only a verified file is renamed into place, a mismatch removes the
 * partial file. A version whose files cannot be had says which, where they were looked for, and the fix.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { RegistryConflictError, RegistryNotFoundError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-file.js'
import { sha256 } from '../fs/sha256.js'
import type { RegistryBackend, ReleaseRecord } from './backend.js'
import { CHECKSUMS_ASSET, lineageChecksums, parseChecksums, renderChecksums } from './checksums.js'
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
  const commit = version.commit.slice(0, 7)
  const release = await backend.getRelease(tag)
  if (!release || release.draft) throw missingRelease(backend, tag, version.model.toString(), version.commit, release !== undefined)
  // The version tag's sha256s are the truth; the release's SHA256SUMS only stands in for a tag that records none.
  const recorded = lineageChecksums(version.tag.message ?? (await backend.readTagMessage(tag)))
  let sums: Map<string, string>
  let sumsText: string
  if (recorded) {
    sums = recorded
    sumsText = renderChecksums(recorded)
  } else {
    sumsText = await readSmallAsset(backend, release, CHECKSUMS_ASSET, commit)
    sums = parseChecksums(sumsText, `${CHECKSUMS_ASSET} of ${tag}`)
    log.warn(`${tag}'s version tag records no asset sha256s (a tag not made by modelship), so its files are checked against the release's own ${CHECKSUMS_ASSET} only`)
  }
  const names = options.assets ?? (recorded ? [...recorded.keys()] : release.assets.map((a) => a.name).filter((n) => n !== CHECKSUMS_ASSET))
  for (const name of names) {
    if (name !== CHECKSUMS_ASSET && !sums.has(name)) {
      throw new RegistryNotFoundError(`${tag} has no asset '${name}'; its assets: ${[CHECKSUMS_ASSET, ...sums.keys()].sort().join(', ')}`)
    }
  }
  // A broken upload is still read: the checksum check then says what is wrong with it.
  const missing = names.filter((name) => name !== CHECKSUMS_ASSET && !release.assets.some((a) => a.name === name))
  if (missing.length > 0) throw missingAssets(backend, release, version.model.toString(), version.commit, missing)
  const dir = resolve(options.dir)
  await mkdir(dir, { recursive: true })
  const files: DownloadResult['files'] = []
  for (const name of names) {
    if (name === CHECKSUMS_ASSET) {
      // Asked for by name: the checksums the files were verified against, in sha256sum's format.
      await writeFileAtomic(join(dir, name), sumsText)
      files.push({ name, path: join(dir, name), sha256: sha256(sumsText) })
      continue
    }
    const asset = release.assets.find((a) => a.name === name)!
    const expected = sums.get(name)!
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
      const source = recorded ? 'its version tag recorded' : `${CHECKSUMS_ASSET} says`
      throw new RegistryConflictError(
        `checksum mismatch for ${name} of ${tag}: ${source} ${expected}, the download is ${actual}; the partial file was removed. The asset was changed or damaged after registration: download again, and if it persists run modelship registry register ${version.model} --commit ${commit} with the registered run's files, which uploads it again`,
      )
    }
    await rename(partial, target)
    log.info(`downloaded ${name} of ${tag} (sha256 ${actual.slice(0, 12)}…, verified)`)
    files.push({ name, path: target, sha256: actual })
  }
  if (options.assets === undefined) await writeFileAtomic(join(dir, CHECKSUMS_ASSET), sumsText)
  return { tag, version: version.version.toString(), files }
}

/** The version is registered but its release cannot be had: why, where it was looked for, and the fix. */
function missingRelease(backend: RegistryBackend, tag: string, model: string, commit: string, draft: boolean): RegistryNotFoundError {
  if (draft) {
    return new RegistryNotFoundError(
      `the files of ${tag} cannot be had: its release in ${backend.description} is still a draft, so its registration did not finish (or is running now); run modelship registry register ${model} --commit ${commit.slice(0, 7)} again to finish it`,
    )
  }
  const help =
    backend.missingReleaseHelp?.(tag) ??
    `${backend.description} has no release ${tag} (it was deleted, or never published); restore it with modelship registry register ${model} --commit ${commit.slice(0, 7)} and the registered run's files, which must match the sha256s its version tag recorded`
  return new RegistryNotFoundError(`the files of ${tag} (commit ${commit.slice(0, 7)}) cannot be had: ${help}`)
}

function missingAssets(backend: RegistryBackend, release: ReleaseRecord, model: string, commit: string, names: readonly string[]): RegistryNotFoundError {
  return new RegistryNotFoundError(
    `the files of ${release.tagName} cannot be had: its release in ${backend.description} lacks ${names.join(', ')}; run modelship registry register ${model} --commit ${commit.slice(0, 7)} with the registered run's files: it uploads again what the release lost, checked against the sha256s its version tag recorded`,
  )
}

async function readSmallAsset(backend: RegistryBackend, release: ReleaseRecord, name: string, commit: string): Promise<string> {
  const asset = release.assets.find((a) => a.name === name && a.state === 'uploaded')
  if (!asset) {
    throw new RegistryNotFoundError(
      `${release.tagName} has no ${name} asset and its version tag records no sha256s, so its files cannot be verified; register commit ${commit} as a new version`,
    )
  }
  const chunks: Buffer[] = []
  for await (const chunk of await backend.openAsset(release, asset)) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks).toString('utf8')
}
