/**
 * Releases and release assets. GitHub's rules kept here: a draft has no tag until it is published
 * (publishing creates a missing tag at `target_commitish`); `get by tag` finds published releases
 * only; one tag has at most one published release; a same-name upload answers 422 `already_exists`;
 * downloads redirect (302) to a blob URL.
 */
import { createHash } from 'node:crypto'
import { ApiError, bodyOf, intParam, json, noContent, notFound, timestamp, validationFailed, type Handler, type HandlerContext } from '../http.js'
import { nodeId, simpleUser } from '../objects.js'
import { paginate } from '../pagination.js'
import type { AssetRecord, DoubleState, ReleaseRecord } from '../state.js'
import { BLOB_PREFIX, type Urls } from '../urls.js'

interface ReleaseBody {
  tag_name: string
  target_commitish: string
  name: string
  body: string
  draft: boolean
  prerelease: boolean
  make_latest: string
  generate_release_notes: boolean
}

/** `release` JSON. */
export function renderRelease(urls: Urls, state: DoubleState, release: ReleaseRecord): Record<string, unknown> {
  const webTag = release.draft ? `untagged-${release.untaggedSlug}` : encodeURIComponent(release.tagName)
  return {
    url: `${urls.repoApi}/releases/${release.id}`,
    html_url: `${urls.repoWeb}/releases/tag/${webTag}`,
    assets_url: `${urls.repoApi}/releases/${release.id}/assets`,
    upload_url: `${urls.uploads}/repos/${urls.owner}/${urls.repo}/releases/${release.id}/assets{?name,label}`,
    tarball_url: release.draft ? null : `${urls.repoApi}/tarball/${encodeURIComponent(release.tagName)}`,
    zipball_url: release.draft ? null : `${urls.repoApi}/zipball/${encodeURIComponent(release.tagName)}`,
    id: release.id,
    node_id: nodeId('RE', release.id),
    tag_name: release.tagName,
    target_commitish: release.targetCommitish,
    name: release.name,
    body: release.body,
    draft: release.draft,
    prerelease: release.prerelease,
    immutable: false,
    created_at: release.createdAt,
    updated_at: release.publishedAt ?? release.createdAt,
    published_at: release.publishedAt,
    author: simpleUser(urls, state.user(release.author)),
    assets: assetsOf(state, release.id).map((asset) => renderAsset(urls, state, asset)),
  }
}

/** `release-asset` JSON. */
export function renderAsset(urls: Urls, state: DoubleState, asset: AssetRecord): Record<string, unknown> {
  const release = state.releases.get(asset.releaseId)
  const webTag = release === undefined || release.draft ? `untagged-${release?.untaggedSlug ?? 'gone'}` : encodeURIComponent(release.tagName)
  return {
    url: `${urls.repoApi}/releases/assets/${asset.id}`,
    browser_download_url: `${urls.repoWeb}/releases/download/${webTag}/${encodeURIComponent(asset.name)}`,
    id: asset.id,
    node_id: nodeId('RA', asset.id),
    name: asset.name,
    label: asset.label,
    state: asset.state,
    content_type: asset.contentType,
    size: asset.data.length,
    digest: `sha256:${createHash('sha256').update(asset.data).digest('hex')}`,
    download_count: asset.downloadCount,
    created_at: asset.createdAt,
    updated_at: asset.updatedAt,
    uploader: simpleUser(urls, state.user(asset.uploader)),
  }
}

function assetsOf(state: DoubleState, releaseId: number): AssetRecord[] {
  return [...state.assets.values()].filter((asset) => asset.releaseId === releaseId).sort((a, b) => a.id - b.id)
}

function findRelease(state: DoubleState, id: number): ReleaseRecord {
  const release = state.releases.get(id)
  if (release === undefined) throw notFound()
  return release
}

function findAsset(state: DoubleState, id: number): AssetRecord {
  const asset = state.assets.get(id)
  if (asset === undefined) throw notFound()
  return asset
}

/** Newest first, as GitHub lists releases. */
function byNewest(a: ReleaseRecord, b: ReleaseRecord): number {
  return a.createdAt === b.createdAt ? b.id - a.id : a.createdAt < b.createdAt ? 1 : -1
}

async function checkTagName(context: HandlerContext, tag: string): Promise<void> {
  try {
    await context.git.git(['check-ref-format', `refs/tags/${tag}`])
  } catch {
    throw validationFailed({ resource: 'Release', code: 'invalid', field: 'tag_name' })
  }
}

/** Publishing: one published release per tag, and the tag is created at target_commitish when missing. */
async function publish(context: HandlerContext, release: ReleaseRecord): Promise<void> {
  const { state, git } = context
  const taken = [...state.releases.values()].some((other) => other.id !== release.id && !other.draft && other.tagName === release.tagName)
  if (taken) throw validationFailed({ resource: 'Release', code: 'already_exists', field: 'tag_name' })
  const tagRef = `refs/tags/${release.tagName}`
  if ((await git.readRef(tagRef)) === undefined) {
    const target = await git.resolveCommit(release.targetCommitish)
    if (target === undefined) throw validationFailed({ resource: 'Release', code: 'invalid', field: 'target_commitish' })
    await git.setRef(tagRef, target, '')
  }
  release.draft = false
  release.publishedAt = timestamp()
}

const createRelease: Handler = async (context) => {
  const { state, request, urls } = context
  const body = bodyOf<ReleaseBody>(request)
  const tagName = body.tag_name as string
  await checkTagName(context, tagName)
  const release: ReleaseRecord = {
    id: state.nextId(),
    tagName,
    targetCommitish: body.target_commitish ?? state.defaultBranch,
    name: body.name ?? null,
    body: body.body ?? null,
    draft: true,
    prerelease: body.prerelease ?? false,
    author: request.login ?? 'github-actions[bot]',
    createdAt: timestamp(),
    publishedAt: null,
    untaggedSlug: createHash('sha1').update(`${Date.now()}-${Math.random()}`).digest('hex').slice(0, 20),
  }
  if (body.draft !== true) await publish(context, release)
  state.releases.set(release.id, release)
  return json(201, renderRelease(urls, state, release), { location: `${urls.repoApi}/releases/${release.id}` })
}

const updateRelease: Handler = async (context) => {
  const { state, request, urls } = context
  const release = findRelease(state, intParam(request, 'release_id'))
  const body = bodyOf<ReleaseBody>(request)
  if (body.tag_name !== undefined) {
    await checkTagName(context, body.tag_name)
    release.tagName = body.tag_name
  }
  if (body.target_commitish !== undefined) release.targetCommitish = body.target_commitish
  if (body.name !== undefined) release.name = body.name
  if (body.body !== undefined) release.body = body.body
  if (body.prerelease !== undefined) release.prerelease = body.prerelease
  if (body.draft === false && release.draft) await publish(context, release)
  else if (body.draft === true && !release.draft) {
    release.draft = true
    release.publishedAt = null
  }
  return json(200, renderRelease(urls, state, release))
}

const uploadAsset: Handler = (context) => {
  const { state, request, urls } = context
  const release = findRelease(state, intParam(request, 'release_id'))
  const name = request.query.get('name') as string
  const contentType = request.headers['content-type']
  if (contentType === undefined || contentType === '') {
    throw new ApiError(400, 'Bad Content-Type header value')
  }
  if (assetsOf(state, release.id).some((asset) => asset.name === name)) {
    throw validationFailed({ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' })
  }
  if (assetsOf(state, release.id).length >= 1000) {
    throw validationFailed({ resource: 'ReleaseAsset', code: 'custom', field: 'name', message: 'a release holds at most 1000 assets' })
  }
  const now = timestamp()
  const asset: AssetRecord = {
    id: state.nextId(),
    releaseId: release.id,
    name,
    label: request.query.get('label'),
    contentType,
    data: Buffer.from(request.raw),
    state: 'uploaded',
    uploader: request.login ?? 'github-actions[bot]',
    createdAt: now,
    updatedAt: now,
    downloadCount: 0,
  }
  state.assets.set(asset.id, asset)
  return json(201, renderAsset(urls, state, asset))
}

const getAsset: Handler = ({ state, request, urls }) => {
  const asset = findAsset(state, intParam(request, 'asset_id'))
  const accept = String(request.headers.accept ?? '')
  if (accept.includes('application/octet-stream')) {
    // GitHub redirects to a short-lived storage URL; the double's blob route plays that part.
    return { status: 302, headers: { location: `${urls.api}${BLOB_PREFIX}/${asset.id}/${encodeURIComponent(asset.name)}` } }
  }
  return json(200, renderAsset(urls, state, asset))
}

const updateAsset: Handler = ({ state, request, urls }) => {
  const asset = findAsset(state, intParam(request, 'asset_id'))
  const body = bodyOf<{ name: string; label: string; state: string }>(request)
  if (body.name !== undefined && body.name !== asset.name) {
    if (assetsOf(state, asset.releaseId).some((other) => other.name === body.name)) {
      throw validationFailed({ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' })
    }
    asset.name = body.name
  }
  if (body.label !== undefined) asset.label = body.label
  asset.updatedAt = timestamp()
  return json(200, renderAsset(urls, state, asset))
}

/** Release and asset operations by operationId. */
export const releaseHandlers: Record<string, Handler> = {
  'repos/create-release': createRelease,
  'repos/update-release': updateRelease,
  'repos/get-release': ({ state, request, urls }) => json(200, renderRelease(urls, state, findRelease(state, intParam(request, 'release_id')))),
  'repos/get-release-by-tag': ({ state, request, urls }) => {
    const tag = request.params.tag as string
    const release = [...state.releases.values()].find((candidate) => !candidate.draft && candidate.tagName === tag)
    if (release === undefined) throw notFound()
    return json(200, renderRelease(urls, state, release))
  },
  'repos/get-latest-release': ({ state, urls }) => {
    const latest = [...state.releases.values()].filter((release) => !release.draft && !release.prerelease).sort(byNewest)[0]
    if (latest === undefined) throw notFound()
    return json(200, renderRelease(urls, state, latest))
  },
  'repos/list-releases': ({ state, request, urls }) =>
    paginate(request, urls.api, [...state.releases.values()].sort(byNewest), (release) => renderRelease(urls, state, release)),
  'repos/delete-release': ({ state, request }) => {
    const release = findRelease(state, intParam(request, 'release_id'))
    for (const asset of assetsOf(state, release.id)) state.assets.delete(asset.id)
    state.releases.delete(release.id)
    return noContent()
  },
  'repos/upload-release-asset': uploadAsset,
  'repos/list-release-assets': ({ state, request, urls }) => {
    const release = findRelease(state, intParam(request, 'release_id'))
    return paginate(request, urls.api, assetsOf(state, release.id), (asset) => renderAsset(urls, state, asset))
  },
  'repos/get-release-asset': getAsset,
  'repos/update-release-asset': updateAsset,
  'repos/delete-release-asset': ({ state, request }) => {
    const asset = findAsset(state, intParam(request, 'asset_id'))
    state.assets.delete(asset.id)
    return noContent()
  },
}

/** The blob behind a download redirect: `GET /_double/blobs/{asset_id}/{name}`; undefined if unknown. */
export function serveBlob(state: DoubleState, assetId: number): { data: Buffer; contentType: string } | undefined {
  const asset = state.assets.get(assetId)
  if (asset === undefined) return undefined
  asset.downloadCount += 1
  return { data: asset.data, contentType: asset.contentType }
}

/** github.com's `/{owner}/{repo}/releases/download/{tag}/{name}`: the asset id to redirect to, if published. */
export function findDownload(state: DoubleState, tag: string, name: string): AssetRecord | undefined {
  const release = [...state.releases.values()].find((candidate) => !candidate.draft && candidate.tagName === tag)
  if (release === undefined) return undefined
  return assetsOf(state, release.id).find((asset) => asset.name === name)
}
