/**
 * What a person is shown about a registered release: where it is (the GitHub release page, or the
 * local folder) and each asset's size and SHA-256, read from the backend's digest or the release's
 * own SHA256SUMS, so the listing is what was registered, not what was assembled this time.
 */
import { pathToFileURL } from 'node:url'
import { readRepository, readServerUrl, type Environment } from '../github/context.js'
import { assetSha256 } from './assets.js'
import type { RegistryBackend, ReleaseRecord } from './backend.js'
import { CHECKSUMS_ASSET, parseChecksums } from './checksums.js'
import { GitHubRegistryBackend } from './github-backend.js'
import { LocalRegistryBackend, releaseRef } from './local-backend.js'

/** One asset of a release as shown in summaries. */
export interface AssetFacts {
  name: string
  /** Bytes. */
  size: number
  /** Lowercase hex SHA-256. */
  sha256: string
}

/**
 * The release's address: `<server>/<owner>/<repo>/releases/tag/<tag>` on GitHub (server and
 * repository from GITHUB_SERVER_URL and GITHUB_REPOSITORY); locally the `file://` URL of the repository
 * with the release's ref as fragment (`file:///repo#refs/modelship/releases/churn@v1.3.0`).
 */
export function releaseUrl(backend: RegistryBackend, tag: string, env: Environment = process.env): string {
  if (backend instanceof LocalRegistryBackend) return `${pathToFileURL(backend.repoDir).href}#${releaseRef(tag)}`
  if (backend instanceof GitHubRegistryBackend) {
    const { owner, repo } = readRepository(env)
    return `${readServerUrl(env)}/${owner}/${repo}/releases/tag/${tag.split('/').map(encodeURIComponent).join('/')}`
  }
  return ''
}

/** Name, size and SHA-256 of every asset of `release`, sorted by name. */
export async function releaseAssetFacts(backend: RegistryBackend, release: ReleaseRecord): Promise<AssetFacts[]> {
  let sums = new Map<string, string>()
  const sumsAsset = release.assets.find((a) => a.name === CHECKSUMS_ASSET && a.state === 'uploaded')
  if (release.assets.some((a) => !a.sha256) && sumsAsset) {
    const chunks: Buffer[] = []
    for await (const chunk of await backend.openAsset(release, sumsAsset)) chunks.push(Buffer.from(chunk as Uint8Array))
    sums = parseChecksums(Buffer.concat(chunks).toString('utf8'), `${CHECKSUMS_ASSET} of ${release.tagName}`)
  }
  const facts: AssetFacts[] = []
  for (const asset of release.assets) {
    const sha256 = asset.sha256 ?? sums.get(asset.name) ?? (await assetSha256(backend, release, asset))
    facts.push({ name: asset.name, size: asset.size, sha256 })
  }
  return facts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}
