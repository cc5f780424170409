/**
 * GET /user as GitHub answers it: the account behind a personal access token, and 403 "Resource
 * not accessible by integration" for a GITHUB_TOKEN or an App installation token, which act as a
 * bot that has no user profile.
 */
import { ApiError, json, type Handler } from '../http.js'
import { simpleUser } from '../objects.js'

const getAuthenticated: Handler = ({ state, token, urls }) => {
  if (token === undefined) throw new ApiError(401, 'Requires authentication')
  if (token.kind !== 'pat') throw new ApiError(403, 'Resource not accessible by integration')
  const user = state.user(token.login)
  const at = '2020-01-01T00:00:00Z'
  return json(200, {
    ...simpleUser(urls, user),
    name: null,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: at,
    updated_at: at,
  })
}

/** User operations by operationId. */
export const userHandlers: Record<string, Handler> = {
  'users/get-authenticated': getAuthenticated,
}
