/**
 * The double's three faces, as GitHub has three hosts: the REST API (api.github.com), uploads
 * (uploads.github.com) and the web (github.com, which serves release downloads).
 */

/** Roots of the double's URLs, without trailing slashes. */
export interface Urls {
  /** REST API root, e.g. http://127.0.0.1:PORT. */
  api: string
  /** Upload root used in `upload_url`: `${api}/uploads`, as GHES serves it. */
  uploads: string
  /** Web root (GITHUB_SERVER_URL): `${api}/_web`. */
  web: string
  owner: string
  repo: string
  /** `${api}/repos/${owner}/${repo}` */
  repoApi: string
  /** `${web}/${owner}/${repo}` */
  repoWeb: string
}

/** Prefix under which the double serves release uploads. */
export const UPLOADS_PREFIX = '/uploads'
/** Prefix under which the double plays github.com. */
export const WEB_PREFIX = '/_web'
/** Prefix of the double's own routes (asset blobs behind download redirects). */
export const BLOB_PREFIX = '/_double/blobs'

/** Builds the URL roots for a double listening at `origin`. */
export function makeUrls(origin: string, owner: string, repo: string): Urls {
  const web = `${origin}${WEB_PREFIX}`
  return {
    api: origin,
    uploads: `${origin}${UPLOADS_PREFIX}`,
    web,
    owner,
    repo,
    repoApi: `${origin}/repos/${owner}/${repo}`,
    repoWeb: `${web}/${owner}/${repo}`,
  }
}
