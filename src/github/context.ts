/**
 * What a step knows about where it runs, read from the environment GitHub Actions sets
 * (`GITHUB_REPOSITORY`, `GITHUB_TOKEN`, `GITHUB_SERVER_URL`, `GITHUB_API_URL`, `GITHUB_RUN_ID`).
 */
import { readFileSync } from 'node:fs'
import { UsageError } from '../errors.js'
import { resolveApiUrl } from './api-url.js'

/** Environment variables as `process.env` holds them. */
export type Environment = Record<string, string | undefined>

/** An owner/name pair, e.g. `{ owner: 'acme', repo: 'models' }`. */
export interface RepositoryRef {
  owner: string
  repo: string
}

/** Everything a GitHub call needs, read once at the edge. */
export interface GitHubContext extends RepositoryRef {
  token: string
  /** REST API root without a trailing slash, e.g. https://api.github.com. */
  apiUrl: string
  /** Web root without a trailing slash, e.g. https://github.com. */
  serverUrl: string
  /** Link to this workflow run; undefined outside GitHub Actions. */
  runUrl: string | undefined
}

const DEFAULT_SERVER_URL = 'https://github.com'
// GitHub's rules: owners are alphanumerics and single hyphens; repository names also allow . and _.
const OWNER_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/
const REPO_PATTERN = /^[A-Za-z0-9._-]+$/

/** Splits `owner/repo`; `source` names where the value came from, for the message. */
export function parseRepository(value: string, source = 'GITHUB_REPOSITORY'): RepositoryRef {
  const parts = value.trim().split('/')
  const [owner, repo] = parts
  if (parts.length !== 2 || owner === undefined || repo === undefined || !OWNER_PATTERN.test(owner) || !REPO_PATTERN.test(repo) || repo === '.' || repo === '..') {
    throw new UsageError(`${source} '${value}' is not a repository; expected 'owner/repo', e.g. 'acme/models'.`)
  }
  return { owner, repo }
}

/** The repository from `GITHUB_REPOSITORY`; a clear error when it is unset or malformed. */
export function readRepository(env: Environment = process.env): RepositoryRef {
  const value = env.GITHUB_REPOSITORY
  if (value === undefined || value.trim() === '') {
    throw new UsageError(
      "GITHUB_REPOSITORY is not set; expected 'owner/repo'. Run inside GitHub Actions or set GITHUB_REPOSITORY=owner/repo.",
    )
  }
  return parseRepository(value)
}

/** The token from the `token` input when given, else `GITHUB_TOKEN`; a clear error when neither is set. */
export function readToken(input: string | undefined, env: Environment = process.env): string {
  const token = nonEmpty(input) ?? nonEmpty(env.GITHUB_TOKEN)
  if (token === undefined) {
    throw new UsageError(
      'No GitHub token: the token input is empty and GITHUB_TOKEN is not set. ' +
        'Pass `token: ${{ github.token }}` to the action, or set GITHUB_TOKEN when running locally.',
    )
  }
  return token
}

/** The web root: `GITHUB_SERVER_URL`, else https://github.com. */
export function readServerUrl(env: Environment = process.env): string {
  const value = nonEmpty(env.GITHUB_SERVER_URL) ?? DEFAULT_SERVER_URL
  if (!/^https?:\/\/[^\s/]+/.test(value)) {
    throw new UsageError(`GITHUB_SERVER_URL '${value}' is not a URL; expected e.g. 'https://github.com'.`)
  }
  return value.replace(/\/+$/, '')
}

/**
 * Link to the running workflow run, `GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID`
 * (plus `/attempts/N` after a re-run); undefined when `GITHUB_RUN_ID` is unset (a local run).
 */
export function readRunUrl(env: Environment = process.env): string | undefined {
  const runId = nonEmpty(env.GITHUB_RUN_ID)
  if (runId === undefined) return undefined
  if (!/^\d+$/.test(runId)) {
    throw new UsageError(`GITHUB_RUN_ID '${runId}' is not a run id; expected a number such as '1658821493'.`)
  }
  const { owner, repo } = readRepository(env)
  const attempt = nonEmpty(env.GITHUB_RUN_ATTEMPT)
  const suffix = attempt !== undefined && /^\d+$/.test(attempt) && attempt !== '1' ? `/attempts/${attempt}` : ''
  return `${readServerUrl(env)}/${owner}/${repo}/actions/runs/${runId}${suffix}`
}

/**
 * The triggering event's payload, the JSON file at `GITHUB_EVENT_PATH`; undefined when there is none
 * or it cannot be read (a local run), since every use of it has a fallback. The step's own payload
 * is read once and kept, so every part of a step sees the same event even if the file changes, as
 * @actions/github's `context.payload` would. That package is not imported for it: it builds its
 * proxy agent as it loads, which every action would pay at start-up to read one JSON file.
 */
export function readEventPayload(env: Environment = process.env): unknown {
  const path = nonEmpty(env.GITHUB_EVENT_PATH)
  if (path === undefined) return undefined
  const own = env === process.env && path === nonEmpty(process.env.GITHUB_EVENT_PATH)
  if (own && stepPayload?.path === path) return stepPayload.payload
  let payload: unknown
  try {
    payload = JSON.parse(readFileSync(path, 'utf8')) as unknown
  } catch {
    payload = undefined
  }
  if (own) stepPayload = { path, payload }
  return payload
}

let stepPayload: { path: string; payload: unknown } | undefined

/** Reads repository, token, URLs and run link at once; `token` is the action's input, if any. */
export function readGitHubContext(options: { token?: string; env?: Environment } = {}): GitHubContext {
  const env = options.env ?? process.env
  return {
    ...readRepository(env),
    token: readToken(options.token, env),
    apiUrl: resolveApiUrl(undefined, env),
    serverUrl: readServerUrl(env),
    runUrl: readRunUrl(env),
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
