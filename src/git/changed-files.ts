/**
 * Which files changed since a ref, as a pull request sees it: the diff from the merge base of REF and
 * HEAD to the working tree, plus untracked files that are not ignored. In CI the working tree is HEAD,
 * so this is exactly `git diff REF...HEAD`; on a laptop it also counts what you have not committed
 * yet, which is what you are about to push. Renames count as a delete plus an add (both paths).
 */
import { UsageError } from '../errors.js'
import { git as runGit } from './command.js'

/** git with its working directory bound. */
type Git = (args: readonly string[]) => Promise<string>

/** The changed paths, relative to `dir` (forward slashes, sorted); only paths under `dir` are listed. */
export interface ChangedFiles {
  /** The ref as given. */
  ref: string
  /** The merge-base commit the diff starts from. */
  base: string
  files: string[]
}

/** Lists the files under `dir` that changed since `ref` (see the module comment for what counts). */
export async function changedFilesSince(dir: string, ref: string): Promise<ChangedFiles> {
  const git: Git = (args) => runGit(args, { cwd: dir })
  // Each git call is a process start, so the ones that do not wait for another run side by side:
  // resolving REF beside listing untracked files, then the merge base, then the diff.
  const [resolved, listed] = await Promise.allSettled([
    resolveCommit(git, ref, dir),
    // ls-files run from `dir` lists only paths under it, relative to it, as `diff --relative` does.
    git(['ls-files', '--others', '--exclude-standard', '-z', '--', '.']),
  ])
  if (resolved.status === 'rejected') throw resolved.reason
  if (listed.status === 'rejected') throw listed.reason
  const base = await mergeBase(git, ref, resolved.value)
  const diff = await git(['-c', 'core.quotePath=false', 'diff', '--name-only', '--no-renames', '--relative', '-z', base, '--'])
  const files = new Set([...splitNul(diff), ...splitNul(listed.value)])
  return { ref, base, files: [...files].sort() }
}

function splitNul(text: string): string[] {
  return text.split('\0').filter((path) => path !== '')
}

async function assertInsideRepository(git: Git, dir: string): Promise<void> {
  let inside = false
  try {
    inside = (await git(['rev-parse', '--is-inside-work-tree'])).trim() === 'true'
  } catch {
    inside = false
  }
  if (!inside) {
    throw new UsageError(
      `changed-since needs git history, but ${dir} is not inside a git work tree; run it in a clone of the repository or leave changed-since out to list every model`,
    )
  }
}

async function resolveCommit(git: Git, ref: string, dir: string): Promise<string> {
  if (ref.startsWith('-')) {
    throw new UsageError(`changed-since: '${ref}' is not a ref (it starts with '-'); pass a branch, tag or commit such as origin/main`)
  }
  // A missing ref makes `rev-parse --quiet` exit 1 silently.
  const commit = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])
    .then((out) => out.trim())
    .catch(() => '')
  if (!commit) {
    // Outside a work tree every ref is missing; say that instead (checked only on this failure path).
    await assertInsideRepository(git, dir)
    throw new UsageError(
      `changed-since: '${ref}' is not a branch, tag or commit in the repository at ${dir}; ` +
        `fetch it first (actions/checkout with fetch-depth: 0, or git fetch origin ${ref.replace(/^origin\//, '')}) or pass a ref that exists`,
    )
  }
  return commit
}

async function mergeBase(git: Git, ref: string, commit: string): Promise<string> {
  // `merge-base` exits 1 without a word when there is no common ancestor (or HEAD is unborn).
  const base = await git(['merge-base', commit, 'HEAD'])
    .then((out) => out.trim())
    .catch(() => '')
  if (!base) {
    throw new UsageError(
      `changed-since: '${ref}' and HEAD have no common ancestor here; a shallow clone is the usual cause: ` +
        'check out with fetch-depth: 0 (actions/checkout) so the history back to the merge base is present',
    )
  }
  return base
}
