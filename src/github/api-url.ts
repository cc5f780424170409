/**
 * The REST API root, apart from the Octokit factory: reading the context needs it, and importing
 * octokit.ts for it would load @actions/github, which builds its proxy agent as it loads (see
 * octokit.ts), into every step that never calls GitHub.
 */

const DEFAULT_API_URL = 'https://api.github.com'

/** The REST API root a client would use: the option, else `GITHUB_API_URL`, else api.github.com. */
export function resolveApiUrl(baseUrl?: string, env: Record<string, string | undefined> = process.env): string {
  const chosen = nonEmpty(baseUrl) ?? nonEmpty(env.GITHUB_API_URL) ?? DEFAULT_API_URL
  return chosen.replace(/\/+$/, '')
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
