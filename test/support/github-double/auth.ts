/**
 * Tokens the double accepts, the permission each operation needs (GitHub App permission names,
 * as a workflow's `permissions:` grants them), and the per-token primary rate limit.
 */
import type { Operation } from './openapi.js'

/** A GitHub App permission the double distinguishes. */
export type PermissionName = 'contents' | 'issues' | 'pull_requests' | 'deployments' | 'actions' | 'metadata'

/** Access a token has to one permission. */
export type AccessLevel = 'none' | 'read' | 'write'

/** `write` / `read` for every permission, or a map (unnamed permissions: `none`, metadata always `read`). */
export type TokenPermissions = 'read' | 'write' | Partial<Record<PermissionName, AccessLevel>>

/** How a test describes a token. */
export interface TokenSpec {
  /** Login the token acts as; default `github-actions[bot]`. */
  login?: string
  /** Default `write`. */
  permissions?: TokenPermissions
  /**
   * What issued the token: `installation` (a GITHUB_TOKEN or GitHub App installation token, the
   * default) or `pat` (a personal access token). GitHub answers GET /user only for a `pat`.
   */
  kind?: TokenKind
}

/** Who issued a token; decides whether GET /user answers. */
export type TokenKind = 'installation' | 'pat'

/** A token as the double holds it, with its rate-limit account. */
export interface TokenRecord {
  token: string
  login: string
  kind: TokenKind
  permissions: Record<PermissionName, AccessLevel>
  used: number
  /** Epoch seconds when `used` starts over. */
  resetAt: number
}

const ALL: PermissionName[] = ['contents', 'issues', 'pull_requests', 'deployments', 'actions', 'metadata']
const RANK: Record<AccessLevel, number> = { none: 0, read: 1, write: 2 }

/** Normalises a test's token description. */
export function tokenRecord(token: string, spec: TokenSpec | 'read' | 'write', now: Date): TokenRecord {
  const full = typeof spec === 'string' ? { permissions: spec } : spec
  const given = full.permissions ?? 'write'
  const permissions = Object.fromEntries(
    ALL.map((name) => [name, typeof given === 'string' ? given : (given[name] ?? (name === 'metadata' ? 'read' : 'none'))]),
  ) as Record<PermissionName, AccessLevel>
  if (permissions.metadata === 'none') permissions.metadata = 'read'
  return { token, login: full.login ?? 'github-actions[bot]', kind: full.kind ?? 'installation', permissions, used: 0, resetAt: Math.floor(now.getTime() / 1000) + 3600 }
}

/** The permissions (any one suffices) an operation needs, e.g. `[['issues','write'],['pull_requests','write']]`. */
export function requiredPermissions(operation: Operation): Array<[PermissionName, AccessLevel]> {
  const access: AccessLevel = operation.method === 'get' || operation.method === 'head' ? 'read' : 'write'
  const path = operation.template
  if (!path.startsWith('/repos/{owner}/{repo}')) return []
  const rest = path.slice('/repos/{owner}/{repo}'.length)
  if (rest === '' || rest.startsWith('/collaborators')) return [['metadata', 'read']]
  if (rest.startsWith('/issues')) return [['issues', access], ['pull_requests', access]]
  if (rest.startsWith('/pulls')) return [['pull_requests', access]]
  if (rest.startsWith('/deployments') || rest.startsWith('/environments')) return [['deployments', access]]
  if (rest.startsWith('/actions')) return [['actions', access]]
  return [['contents', access]]
}

/** True when the token holds one of the needed permissions. */
export function allows(record: TokenRecord, needed: Array<[PermissionName, AccessLevel]>): boolean {
  return needed.length === 0 || needed.some(([name, level]) => RANK[record.permissions[name]] >= RANK[level])
}

/** GitHub's `x-accepted-github-permissions` value for the needed permissions. */
export function acceptedPermissionsHeader(needed: Array<[PermissionName, AccessLevel]>): string {
  return needed.map(([name, level]) => `${name}=${level}`).join('; ')
}

/** Reads `Authorization: token X` / `Bearer X`; undefined when absent. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim())
  return match?.[1] ?? header.trim()
}
