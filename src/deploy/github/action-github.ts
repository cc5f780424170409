/**
 * GitHub as actions/deploy and actions/rollback see it: the client, the repository, and git push
 * credentials for this step's own git processes. Under `act` (ACT=true) with no token there is no
 * GitHub: the change is committed in the checkout only, with a warning. On a real runner a missing
 * token is an error with the fix, never a deploy that silently records nothing.
 */
import { actWithoutToken } from '../../action/act.js'
import type { ActionEnv } from '../../action/env.js'
import { UsageError } from '../../errors.js'
import { readGitHubContext } from '../../github/context.js'
import { createOctokit, type GitHubClient } from '../../github/octokit.js'
import { gitPushAuth } from './publish.js'

/** The GitHub side of a deploy step. */
export interface ActionGitHub {
  octokit: GitHubClient
  owner: string
  repo: string
  serverUrl: string
  runUrl: string | undefined
}

/**
 * GitHub for a deploy step (`undefined` under act without a token, after a warning). Sets the git
 * credentials of this process's children so the desired-state push authenticates with `token`.
 */
export function actionGitHub(env: ActionEnv, token: string | undefined, title: string): ActionGitHub | undefined {
  if (actWithoutToken(env.vars, token)) {
    env.annotate({
      level: 'warning',
      title,
      message:
        'running under act with no GitHub token: the desired-state change is committed in this checkout only; nothing is pushed and no GitHub deployment is recorded. Pass one with act -s GITHUB_TOKEN=... to deploy for real.',
    })
    return undefined
  }
  const context = readGitHubContext({ ...(token?.trim() ? { token: token.trim() } : {}), env: env.vars })
  env.setSecret(context.token)
  const interval = env.vars.MODELSHIP_GITHUB_WRITE_INTERVAL_MS?.trim()
  const writeIntervalMs = interval ? Number(interval) : undefined
  if (writeIntervalMs !== undefined && !(Number.isFinite(writeIntervalMs) && writeIntervalMs >= 0)) {
    throw new UsageError(`MODELSHIP_GITHUB_WRITE_INTERVAL_MS '${interval}' is not a number of milliseconds; expected 0 or more, e.g. 1000`)
  }
  const octokit = createOctokit({
    token: context.token,
    baseUrl: context.apiUrl,
    env: env.vars,
    ...(writeIntervalMs !== undefined ? { writeIntervalMs } : {}),
    log: { debug: (m) => env.debug(m), info: (m) => env.info(m), warn: (m) => env.annotate({ level: 'warning', title, message: m }), error: (m) => env.info(m) },
  })
  // git children of this step inherit the credentials; nothing is written to .git/config.
  Object.assign(process.env, gitPushAuth(context.serverUrl, context.token, process.env))
  return { octokit, owner: context.owner, repo: context.repo, serverUrl: context.serverUrl, runUrl: context.runUrl }
}
