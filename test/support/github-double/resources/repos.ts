/**
 * The repository itself, collaborator permissions (set by tests with `double.setPermission`) and the
 * rate-limit overview of the calling token.
 */
import { json, notFound, type Handler } from '../http.js'
import { repository, simpleUser } from '../objects.js'
import type { CollaboratorPermission } from '../state.js'

// GitHub folds the finer roles into the classic levels in `permission` and keeps them in `role_name`.
const CLASSIC: Record<CollaboratorPermission, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
}

/** Repository, collaborator and rate-limit operations by operationId. */
export const repoHandlers: Record<string, Handler> = {
  'repos/get': ({ state, urls }) => {
    const openIssues = [...state.issues.values()].filter((issue) => issue.state === 'open').length
    return json(200, repository(urls, state, openIssues, true))
  },
  'repos/get-collaborator-permission-level': ({ state, request, urls }) => {
    const login = request.params.username as string
    const permission = state.permissions.get(login)
    if (permission === undefined) throw notFound()
    const rank = ['none', 'read', 'triage', 'write', 'maintain', 'admin'].indexOf(permission)
    return json(200, {
      permission: CLASSIC[permission],
      role_name: permission,
      user: {
        ...simpleUser(urls, state.user(login)),
        role_name: permission,
        permissions: { pull: rank >= 1, triage: rank >= 2, push: rank >= 3, maintain: rank >= 4, admin: rank >= 5 },
      },
    })
  },
  'rate-limit/get': ({ token, rateLimit }) => {
    const core = token === undefined
      ? { limit: 60, used: 0, remaining: 60, reset: Math.floor(Date.now() / 1000) + 3600 }
      : { limit: rateLimit, used: token.used, remaining: Math.max(0, rateLimit - token.used), reset: token.resetAt }
    const other = { limit: 5000, used: 0, remaining: 5000, reset: core.reset }
    return json(200, { resources: { core, search: { ...other, limit: 30, remaining: 30 }, graphql: other }, rate: core })
  },
}
