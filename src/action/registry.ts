/**
 * The registry as the actions open it (evaluate's champion, register, promote): GitHub through the
 * token; under `act` (ACT=true) with no token, the local registry of the checkout, with a warning.
 * On a real runner a missing token is an error with the fix, never a silent local registry that
 * the job throws away.
 */
import type { RegistryBackend } from '../registry/backend.js'
import { openRegistry } from '../registry/index.js'
import type { RegistryLog } from '../registry/log.js'
import { actWithoutToken } from './act.js'
import type { ActionEnv } from './env.js'

/**
 * The registry for an action; `token` is the action's input (default GITHUB_TOKEN), masked in the log.
 * Throws a UsageError naming the fix when there is no token (or no GITHUB_REPOSITORY) outside `act`.
 */
export function actionRegistry(env: ActionEnv, root: string, token: string | undefined): { backend: RegistryBackend; token: string | undefined } {
  if (actWithoutToken(env.vars, token)) {
    env.annotate({
      level: 'warning',
      title: 'Modelship registry',
      message: `running under act with no GitHub token: using the local registry in ${root} (tags in this checkout, release files under its refs/modelship/releases); nothing is read from or published to GitHub. Pass one with act -s GITHUB_TOKEN=... to use GitHub.`,
    })
    return { backend: openRegistry({ backend: 'local', repoDir: root }), token: undefined }
  }
  const available = token?.trim() || env.vars.GITHUB_TOKEN?.trim() || undefined
  if (available) env.setSecret(available)
  // openRegistry reads the token and GITHUB_REPOSITORY through readGitHubContext, which says what is missing.
  return { backend: openRegistry({ backend: 'github', repoDir: env.workspace, token: available, env: env.vars }), token: available }
}

/** Registry progress lines into the step log; its warnings as annotations. */
export function actionRegistryLog(env: ActionEnv): RegistryLog {
  return { info: (message) => env.info(message), warn: (message) => void env.annotate({ level: 'warning', title: 'Modelship registry', message }) }
}
