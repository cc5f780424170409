/**
 * The registry as the register and promote actions open it: GitHub through the token when the
 * runner has one (and GITHUB_REPOSITORY), else the local registry in the checkout with a warning
 * (`act` without a token), and registry progress as step log lines.
 */
import type { ActionEnv } from '../../src/action/env.js'
import type { RegistryBackend } from '../../src/registry/backend.js'
import { openRegistry } from '../../src/registry/index.js'
import type { RegistryLog } from '../../src/registry/log.js'

/** The registry for an action: GitHub with a token, else the local registry in the checkout (with a warning). */
export function actionRegistry(env: ActionEnv, root: string, token: string | undefined): { backend: RegistryBackend; token: string | undefined } {
  const available = token ?? env.vars.GITHUB_TOKEN?.trim() ?? undefined
  if (available && env.vars.GITHUB_REPOSITORY?.trim()) {
    env.setSecret(available)
    return { backend: openRegistry({ backend: 'github', repoDir: env.workspace, token: available, env: env.vars }), token: available }
  }
  env.annotate({
    level: 'warning',
    title: 'Modelship registry',
    message: `no token (or no GITHUB_REPOSITORY): using the local registry in ${root} (tags in this checkout, assets in .modelship/registry); nothing is published to GitHub. Pass token: \${{ github.token }} with contents: write to register on GitHub.`,
  })
  return { backend: openRegistry({ backend: 'local', repoDir: root }), token: undefined }
}

/** Registry progress lines into the step log. */
export function actionRegistryLog(env: ActionEnv): RegistryLog {
  return { info: (message) => env.info(message), warn: (message) => void env.annotate({ level: 'warning', title: 'Modelship registry', message }) }
}
