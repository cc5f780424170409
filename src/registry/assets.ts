/**
 * The files a version carries, gathered and checked before anything is written, and brought onto a
 * release so that it ends up holding exactly them (identical ones kept, broken or stale ones replaced).
 */
import { readdir, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createHash } from 'node:crypto'
import { RegistryConflictError, RegistryNotFoundError, UsageError } from '../errors.js'
import { sha256, sha256File } from '../fs/sha256.js'
import type { AssetRecord, RegistryBackend, ReleaseRecord } from './backend.js'
import { CHECKSUMS_ASSET, renderChecksums } from './checksums.js'
import type { RegistryLog } from './log.js'

/** Assets every version must have (SHA256SUMS is generated). */
export const REQUIRED_ASSETS = ['model.onnx', 'evaluation.json', 'run.json', 'model-card.md', 'reference-profile.json', 'spec.yaml'] as const

/** GitHub's limits: an asset under 2 GiB, 1,000 assets a release. */
export const MAX_ASSET_BYTES = 2 * 1024 ** 3 - 1
export const MAX_ASSETS = 1000

const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** One file to put on a release. */
export interface AssetFile {
  name: string
  path: string
  /** Bytes. */
  size: number
  /** Lowercase hex SHA-256. */
  sha256: string
}

/**
 * Gathers the asset files from `assetsDir` (every regular, non-hidden file) and `assets`
 * (name → path, which win), checks names, sizes and the required set, hashes them, and adds a
 * generated SHA256SUMS (a SHA256SUMS found among the inputs is ignored: it is always regenerated).
 */
export async function collectAssets(
  options: { assetsDir?: string; assets?: Record<string, string> },
  /** A scratch folder for the generated SHA256SUMS; the caller removes it. */
  workDir: string,
): Promise<AssetFile[]> {
  const paths = new Map<string, string>()
  if (options.assetsDir !== undefined) {
    const dir = resolve(options.assetsDir)
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch {
      throw new RegistryNotFoundError(`assets folder '${options.assetsDir}' does not exist or cannot be read; pass the folder holding ${REQUIRED_ASSETS.join(', ')}`)
    }
    for (const entry of entries) {
      if (entry.isFile() && !entry.name.startsWith('.')) paths.set(entry.name, join(dir, entry.name))
    }
  }
  for (const [name, path] of Object.entries(options.assets ?? {})) paths.set(name, resolve(path))
  paths.delete(CHECKSUMS_ASSET)

  const missing = REQUIRED_ASSETS.filter((name) => !paths.has(name))
  if (missing.length > 0) {
    const where = options.assetsDir !== undefined ? ` in '${options.assetsDir}'` : ''
    throw new RegistryNotFoundError(
      `missing asset${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${where}: a version needs ${REQUIRED_ASSETS.join(', ')}; produce them (train, evaluate, render the model card and reference profile) before registering`,
    )
  }
  if (paths.size + 1 > MAX_ASSETS) {
    throw new UsageError(`${paths.size} asset files plus SHA256SUMS is more than GitHub's ${MAX_ASSETS} assets a release; register fewer files`)
  }
  const files: AssetFile[] = []
  for (const [name, path] of [...paths].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!ASSET_NAME.test(name)) {
      throw new UsageError(`asset name '${name}' is not allowed: use letters, digits, '.', '_' and '-', starting with a letter or digit`)
    }
    let size: number
    try {
      const info = await stat(path)
      if (!info.isFile()) throw new Error('not a file')
      size = info.size
    } catch {
      throw new RegistryNotFoundError(`asset '${name}' at ${path} does not exist or is not a file; produce it before registering`)
    }
    if (size === 0) throw new UsageError(`asset '${name}' at ${path} is empty; an empty asset is a broken output, produce it again`)
    if (size > MAX_ASSET_BYTES) {
      throw new UsageError(`asset '${name}' is ${size} bytes, over GitHub's limit of 2 GiB an asset; make it smaller`)
    }
    files.push({ name, path, size, sha256: await sha256File(path) })
  }
  const sums = renderChecksums(new Map(files.map((f) => [f.name, f.sha256])))
  const sumsPath = join(workDir, CHECKSUMS_ASSET)
  await writeFile(sumsPath, sums)
  files.push({ name: CHECKSUMS_ASSET, path: sumsPath, size: Buffer.byteLength(sums), sha256: sha256(sums) })
  return files
}

/** SHA-256 of a release asset: the backend's digest when it has one, else by reading the asset. */
export async function assetSha256(backend: RegistryBackend, release: ReleaseRecord, asset: AssetRecord): Promise<string> {
  if (asset.sha256) return asset.sha256
  const hash = createHash('sha256')
  await pipeline(await backend.openAsset(release, asset), hash)
  return hash.digest('hex')
}

/**
 * Makes the draft `release` hold exactly `files`: identical assets are kept (same size and
 * checksum), broken (`starter`, empty) or different ones deleted and uploaded again, stale ones
 * deleted.
 */
export async function syncAssets(backend: RegistryBackend, release: ReleaseRecord, files: readonly AssetFile[], log: RegistryLog): Promise<ReleaseRecord> {
  const wanted = new Set(files.map((f) => f.name))
  for (const asset of release.assets) {
    if (!wanted.has(asset.name)) {
      log.info(`deleting asset ${asset.name} of ${release.tagName}: not part of this registration`)
      await backend.deleteAsset(release.id, asset.id)
    }
  }
  for (const file of files) {
    const existing = release.assets.find((a) => a.name === file.name)
    if (existing) {
      if (existing.state === 'uploaded' && existing.size === file.size && (await assetSha256(backend, release, existing)) === file.sha256) {
        log.info(`asset ${file.name} of ${release.tagName} is already uploaded and identical; kept`)
        continue
      }
      const why = existing.state === 'broken' || existing.size === 0 ? 'a broken upload' : 'different content'
      log.info(`replacing asset ${file.name} of ${release.tagName}: it is ${why}`)
      await backend.deleteAsset(release.id, existing.id)
    }
    await putAsset(backend, release, file, log)
  }
  return reread(backend, release)
}

/** An asset to bring back onto a published release, and why it is needed. */
export interface AssetRepair {
  file: AssetFile
  /** The broken asset of that name, deleted before the upload; undefined when the asset is missing. */
  broken: AssetRecord | undefined
  /** Why it is uploaded again, for the log: `it was missing; the local file matches …`. */
  reason: string
}

/**
 * Uploads `repairs` onto the published `release` (each broken asset deleted first) and touches no
 * other asset: a published version's healthy files never change. The caller has checked each file
 * against the version's lineage.
 */
export async function restoreAssets(backend: RegistryBackend, release: ReleaseRecord, repairs: readonly AssetRepair[], log: RegistryLog): Promise<ReleaseRecord> {
  for (const { file, broken, reason } of repairs) {
    log.info(`uploading asset ${file.name} of ${release.tagName} again: ${reason}`)
    if (broken) await backend.deleteAsset(release.id, broken.id)
    await putAsset(backend, release, file, log)
  }
  return reread(backend, release)
}

/**
 * Uploads one file. A same-name upload refused (GitHub's 422) means the listing was stale: the
 * asset is deleted and uploaded once more.
 */
async function putAsset(backend: RegistryBackend, release: ReleaseRecord, file: AssetFile, log: RegistryLog): Promise<void> {
  const result = await backend.uploadAsset(release.id, file.name, file.path)
  if (!('exists' in result)) return
  log.info(`asset ${file.name} of ${release.tagName} appeared meanwhile; deleting it and uploading again`)
  const fresh = await backend.getReleaseById(release.id)
  const stale = fresh?.assets.find((a) => a.name === file.name)
  if (stale) await backend.deleteAsset(release.id, stale.id)
  const again = await backend.uploadAsset(release.id, file.name, file.path)
  if ('exists' in again) {
    throw new RegistryConflictError(
      `asset ${file.name} of release ${release.tagName} keeps reappearing: another registration is writing the same release; wait for it and run again`,
    )
  }
}

async function reread(backend: RegistryBackend, release: ReleaseRecord): Promise<ReleaseRecord> {
  const now = await backend.getReleaseById(release.id)
  if (!now) throw new RegistryConflictError(`release ${release.tagName} (${release.id}) vanished while its assets were uploaded; run again`)
  return now
}
