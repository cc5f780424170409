/**
 * Git database operations (refs, annotated tag objects), repository tags and commits, all read from
 * and written to the double's bare repository. GitHub's answers kept: a missing object or an existing
 * ref is 422; updating a ref to a commit that is not a descendant needs `force`; deleting a missing
 * ref is 422 `Reference does not exist`.
 */
import { ApiError, bodyOf, json, noContent, notFound, timestamp, type Handler, type HandlerContext } from '../http.js'
import { nodeId } from '../objects.js'
import { paginate } from '../pagination.js'
import type { GitRef } from '../git-store.js'
import type { Urls } from '../urls.js'

const UNSIGNED = { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null }

function renderRef(urls: Urls, ref: GitRef): Record<string, unknown> {
  const objectPath = ref.type === 'tag' ? 'tags' : ref.type === 'commit' ? 'commits' : ref.type === 'tree' ? 'trees' : 'blobs'
  return {
    ref: ref.ref,
    node_id: nodeId('REF', hashCode(ref.ref)),
    url: `${urls.repoApi}/git/${ref.ref.split('/').map(encodeURIComponent).join('/')}`,
    object: { type: ref.type, sha: ref.sha, url: `${urls.repoApi}/git/${objectPath}/${ref.sha}` },
  }
}

function hashCode(text: string): number {
  let hash = 0
  for (const char of text) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0
  return hash
}

async function checkRefName(context: HandlerContext, ref: string): Promise<void> {
  if (!ref.startsWith('refs/') || ref.split('/').length < 3) {
    throw new ApiError(422, `Reference name must start with 'refs/' and have at least two slashes: ${ref}`)
  }
  try {
    await context.git.git(['check-ref-format', ref])
  } catch {
    throw new ApiError(422, `${ref} is not a valid ref name.`)
  }
}

const createRef: Handler = async (context) => {
  const { request, git, urls } = context
  const { ref, sha } = bodyOf<{ ref: string; sha: string }>(request) as { ref: string; sha: string }
  await checkRefName(context, ref)
  if ((await git.objectType(sha)) === undefined) throw new ApiError(422, 'Object does not exist')
  if ((await git.readRef(ref)) !== undefined) throw new ApiError(422, 'Reference already exists')
  try {
    await git.setRef(ref, sha, '')
  } catch {
    throw new ApiError(422, 'Reference already exists')
  }
  const created = await git.readRef(ref)
  if (created === undefined) throw new Error(`ref ${ref} vanished right after it was created`)
  return json(201, renderRef(urls, created), { location: renderRef(urls, created).url as string })
}

const updateRef: Handler = async (context) => {
  const { request, git, urls } = context
  const ref = `refs/${request.params.ref}`
  const { sha, force } = bodyOf<{ sha: string; force: boolean }>(request) as { sha: string; force?: boolean }
  const current = await git.readRef(ref)
  if (current === undefined) throw new ApiError(422, 'Reference does not exist')
  if ((await git.objectType(sha)) === undefined) throw new ApiError(422, 'Object does not exist')
  if (force !== true) {
    const from = await git.resolveCommit(current.sha)
    const to = await git.resolveCommit(sha)
    if (from === undefined || to === undefined || !(await git.isAncestor(from, to))) {
      throw new ApiError(422, 'Update is not a fast forward')
    }
  }
  try {
    await git.setRef(ref, sha, current.sha)
  } catch {
    throw new ApiError(409, 'Reference cannot be updated')
  }
  const updated = (await git.readRef(ref)) as GitRef
  return json(200, renderRef(urls, updated))
}

const createTag: Handler = async ({ request, git, state, urls }) => {
  const body = bodyOf<{ tag: string; message: string; object: string; type: string; tagger: { name: string; email: string; date?: string } }>(request) as {
    tag: string
    message: string
    object: string
    type: string
    tagger?: { name: string; email: string; date?: string }
  }
  const type = await git.objectType(body.object)
  if (type === undefined) throw new ApiError(422, 'Object does not exist')
  if (type !== body.type) throw new ApiError(422, `Object ${body.object} is a ${type}, not a ${body.type}`)
  const user = state.user(request.login ?? 'github-actions[bot]')
  const tagger = {
    name: body.tagger?.name ?? user.login,
    email: body.tagger?.email ?? `${user.id}+${user.login}@users.noreply.github.com`,
    date: timestamp(body.tagger?.date !== undefined ? new Date(body.tagger.date) : new Date()),
  }
  let sha: string
  try {
    sha = await git.writeTag({ tag: body.tag, object: body.object, type: body.type, tagger, message: body.message })
  } catch (error) {
    throw new ApiError(422, `Tag object is invalid: ${(error as Error).message}`)
  }
  const rendered = await renderTag(urls, git, sha)
  return json(201, rendered, { location: rendered.url as string })
}

async function renderTag(urls: Urls, git: HandlerContext['git'], sha: string): Promise<Record<string, unknown>> {
  const tag = await git.readTag(sha)
  if (tag === undefined) throw notFound()
  const objectPath = tag.type === 'commit' ? 'commits' : tag.type === 'tree' ? 'trees' : tag.type === 'tag' ? 'tags' : 'blobs'
  return {
    node_id: nodeId('TAG', hashCode(sha)),
    tag: tag.tag,
    sha: tag.sha,
    url: `${urls.repoApi}/git/tags/${tag.sha}`,
    message: tag.message,
    tagger: tag.tagger,
    object: { sha: tag.object, type: tag.type, url: `${urls.repoApi}/git/${objectPath}/${tag.object}` },
    verification: UNSIGNED,
  }
}

const getCommit: Handler = async ({ request, git, urls }) => {
  const ref = request.params.ref as string
  const sha = await git.resolveCommit(ref)
  if (sha === undefined) throw new ApiError(422, `No commit found for SHA: ${ref}`)
  const commit = await git.readCommit(sha)
  const parent = commit.parents[0]
  const files = parent === undefined ? [] : await git.changedFiles(parent, sha)
  const additions = files.reduce((sum, file) => sum + file.additions, 0)
  const deletions = files.reduce((sum, file) => sum + file.deletions, 0)
  return json(200, {
    url: `${urls.repoApi}/commits/${sha}`,
    sha,
    node_id: nodeId('C', hashCode(sha)),
    html_url: `${urls.repoWeb}/commit/${sha}`,
    comments_url: `${urls.repoApi}/commits/${sha}/comments`,
    commit: {
      url: `${urls.repoApi}/git/commits/${sha}`,
      author: commit.author,
      committer: commit.committer,
      message: commit.message.replace(/\n$/, ''),
      comment_count: 0,
      tree: { sha: commit.tree, url: `${urls.repoApi}/git/trees/${commit.tree}` },
      verification: UNSIGNED,
    },
    // The double maps no commit email to a GitHub account, as GitHub does for unknown emails.
    author: null,
    committer: null,
    parents: commit.parents.map((p) => ({ sha: p, url: `${urls.repoApi}/commits/${p}`, html_url: `${urls.repoWeb}/commit/${p}` })),
    stats: { additions, deletions, total: additions + deletions },
    files: files.map((file) => renderDiffEntry(urls, sha, file)),
  })
}

/** `diff-entry` JSON for a changed file at commit `sha`. */
export function renderDiffEntry(
  urls: Urls,
  sha: string,
  file: { filename: string; previousFilename: string | undefined; status: string; additions: number; deletions: number; blobSha: string | undefined },
): Record<string, unknown> {
  const path = file.filename.split('/').map(encodeURIComponent).join('/')
  return {
    sha: file.blobSha ?? null,
    filename: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.additions + file.deletions,
    blob_url: `${urls.repoWeb}/blob/${sha}/${path}`,
    raw_url: `${urls.repoWeb}/raw/${sha}/${path}`,
    contents_url: `${urls.repoApi}/contents/${path}?ref=${sha}`,
    ...(file.previousFilename !== undefined ? { previous_filename: file.previousFilename } : {}),
  }
}

/** Git database, tag and commit operations by operationId. */
export const gitHandlers: Record<string, Handler> = {
  'git/create-ref': createRef,
  'git/get-ref': async ({ request, git, urls }) => {
    const ref = await git.readRef(`refs/${request.params.ref}`)
    if (ref === undefined) throw notFound()
    return json(200, renderRef(urls, ref))
  },
  'git/update-ref': updateRef,
  'git/delete-ref': async ({ request, git }) => {
    const ref = `refs/${request.params.ref}`
    if ((await git.readRef(ref)) === undefined) throw new ApiError(422, 'Reference does not exist')
    await git.deleteRef(ref)
    return noContent()
  },
  'git/list-matching-refs': async ({ request, git, urls }) => {
    const refs = await git.listRefs(`refs/${request.params.ref}`)
    return json(200, refs.map((ref) => renderRef(urls, ref)))
  },
  'git/create-tag': createTag,
  'git/get-tag': async ({ request, git, urls }) => json(200, await renderTag(urls, git, request.params.tag_sha as string)),
  'repos/list-tags': async ({ request, git, urls }) => {
    const tags = await git.listTagsByVersion()
    return paginate(request, urls.api, tags, (tag) => ({
      name: tag.name,
      commit: { sha: tag.commit, url: `${urls.repoApi}/commits/${tag.commit}` },
      zipball_url: `${urls.repoApi}/zipball/refs/tags/${encodeURIComponent(tag.name)}`,
      tarball_url: `${urls.repoApi}/tarball/refs/tags/${encodeURIComponent(tag.name)}`,
      node_id: nodeId('REF', hashCode(`refs/tags/${tag.name}`)),
    }))
  },
  'repos/get-commit': getCommit,
}
