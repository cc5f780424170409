/**
 * The top of every bundled action: runs `run(env)` against the real runner and turns what escapes
 * into a failed step. A `ModelshipError` is the user's to fix, so only its message is shown; anything
 * else is a bug in Modelship and its stack goes to the log.
 */
import { isUserError } from '../errors.js'
import { createActionEnv, type ActionEnv } from './env.js'

/** Runs an action's `run`; resolves to the process exit code (0, or 1 when the step failed). */
export async function runMain(run: (env: ActionEnv) => Promise<void>, env: ActionEnv = createActionEnv()): Promise<number> {
  try {
    await run(env)
  } catch (error) {
    if (isUserError(error)) {
      env.setFailed(error.message)
    } else {
      const stack = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error)
      env.info(stack)
      const what = error instanceof Error ? error.message : String(error)
      env.setFailed(`Unexpected error (a bug in Modelship; the stack trace is in the log above): ${what}`)
    }
  }
  return env.failed ? 1 : 0
}
