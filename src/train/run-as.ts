/**
 * Running the training command as another user (`MODELSHIP_TRAIN_USER`, or `modelship train
 * --run-as`), for self-hosted runners: the runner's own processes and files then belong to a user the
 * pull request's code is not. Withholding variables is no boundary (a child can read its parent's
 * `/proc/<pid>/environ`); another uid is: it cannot read the environment or memory of the runner's
 * processes, nor files only the runner's user may read, nor write the checkout or the runner's
 * command files (GITHUB_ENV, GITHUB_OUTPUT, …).
 *
 * Switching users needs root (the runner service runs as root, or `sudo -E modelship train`). The
 * command gets an outputs folder, a checkpoints folder and a fresh HOME that only that user may
 * write (mode 0700, owned by it); when the command ends every process of it is gone (run-command)
 * and the folders are taken back (owned by the runner's user again) before the outputs are hashed.
 */
import { chmod, lchown, lstat, mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TrainError } from '../errors.js'
import { capture } from './capture.js'

/** The environment variable naming the user to train as; unset or empty: the runner's own user. */
export const TRAIN_USER_VARIABLE = 'MODELSHIP_TRAIN_USER'

/** A user to run the training command as. */
export interface TrainUser {
  name: string
  uid: number
  gid: number
}

const USER_NAME = /^[a-z_][a-z0-9_.-]*\$?$/i

/** Looks the user up (`id`, which also sees LDAP and other NSS sources); a clear error when it cannot be used. */
export async function resolveTrainUser(name: string, source = TRAIN_USER_VARIABLE): Promise<TrainUser> {
  if (process.platform !== 'linux' && process.platform !== 'darwin') {
    throw new TrainError(`${source}=${name}: training as another user works on Linux and macOS runners only, not ${process.platform}`)
  }
  if (!USER_NAME.test(name) && !/^\d+$/.test(name)) {
    throw new TrainError(`${source}: '${name}' is not a user name; expected a login such as modelship-train (create it with useradd --system modelship-train)`)
  }
  const me = process.getuid?.()
  if (me !== 0) {
    throw new TrainError(
      `${source}=${name} needs modelship train to run as root to switch to that user, but it runs as uid ${me}; ` +
        'run the runner service as root, or the step as sudo -E modelship train …, or unset it',
    )
  }
  const id = async (flag: '-u' | '-g'): Promise<number> => {
    const result = await capture('id', [flag, name], { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } })
    const value = result.stdout.trim()
    if (result.code !== 0 || !/^\d+$/.test(value)) {
      throw new TrainError(`${source}: there is no user '${name}' on this runner (id ${flag} ${name} failed); create it first, e.g. useradd --system --no-create-home ${name}`)
    }
    return Number(value)
  }
  const user = { name, uid: await id('-u'), gid: await id('-g') }
  if (user.uid === 0) throw new TrainError(`${source}: '${name}' is root (uid 0); name an unprivileged user, e.g. modelship-train`)
  return user
}

/** Makes `dir` the user's alone: owned by it, mode 0700, with everything in it owned by it too. */
export async function handOver(dir: string, user: TrainUser): Promise<void> {
  await chownTree(dir, user.uid, user.gid)
  await chmod(dir, 0o700)
}

/** Gives `dir` and everything in it back to this process's user, so the trained user can no longer change it. */
export async function takeBack(dir: string): Promise<void> {
  await chownTree(dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0)
}

/** A fresh HOME for the command (caches, config files), the user's alone; the caller removes it. */
export async function userHome(user: TrainUser): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'modelship-home-'))
  await handOver(home, user)
  return home
}

/** The variables that say who the command runs as. */
export function userVariables(user: TrainUser, home: string): Record<string, string> {
  return { HOME: home, USER: user.name, LOGNAME: user.name }
}

// Links are re-owned themselves (lchown), never followed: a link the command left must not make
// this hand a file elsewhere on the machine to the user or take it from its owner.
async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const info = await lstat(path).catch(() => undefined)
  if (info === undefined) return
  await lchown(path, uid, gid)
  if (!info.isDirectory()) return
  for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid)
}
