/**
 * Commits a change of desired state and pushes it. The change is planned on the states as the
 * remote branch holds them (fetched first) and committed on top of that commit through a private
 * index, so the user's index and work tree are never half-changed; a push that loses a race is
 * fetched again and the change planned again on the new state (never a text rebase), a bounded
 * number of times. A push that the remote refuses by policy (a protected branch, a pre-receive hook)
 * is a distinct result carrying the commit, for a pull request instead (`pushProposal`).
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { git, gitBytes, GitCommandError, type GitOptions } from '../git/command.js'
import { expectedModelName } from '../spec/model-checks.js'
import { desiredStatePath, emptyEnvironment, parseDesiredState, renderDesiredState, type DesiredStateFile, type Environment } from './desired-state.js'
import { DeployPushError, DeployRefusedError } from './errors.js'
import { lockEnvironments } from './lock.js'

/** Where and how a change is committed. */
export interface PushOptions {
  /** The repository checkout. */
  root: string
  /** Remote to push to; default `origin`. */
  remote?: string
  /** Branch holding the desired state; default the branch checked out. */
  branch?: string
  /** False commits to the local branch only (no remote needed); default true. */
  push?: boolean
  /** Most push attempts when pushes race; default 5. */
  maxAttempts?: number
  /** Environment for GITHUB_RUN_ID and the committer fallback; default process.env. */
  env?: NodeJS.ProcessEnv
  /** Progress lines; default none. */
  log?: (line: string) => void
  /** Called before each push with the attempt number (1-based); tests make races with it. */
  beforePush?: (attempt: number) => Promise<void>
}

/** The states a change writes and its commit message; no states means nothing to do. */
export interface PlannedChange {
  states: Environment[]
  message: string
}

/** What to change: which environments it reads and how it plans on them (called again after a lost race). */
export interface StateChange {
  environments: readonly string[]
  /** The environments it may write, locked while it runs; default all of `environments`. */
  writes?: readonly string[]
  /** Reads the states without checking that their models have a spec (retire: the spec may be gone). */
  anyModel?: boolean
  /** Shown in the lock while it runs, e.g. `deploy churn@v1.3.0`. */
  purpose: string
  /** Plans on the states at `base`; `models` are the model names with a spec at `base`. */
  plan(states: ReadonlyMap<string, DesiredStateFile>, context: { base: string; models: ReadonlySet<string>; readAt: (environment: string) => Promise<DesiredStateFile> }): Promise<PlannedChange>
}

/** How a change ended. */
export type PushResult =
  | { status: 'unchanged'; base: string }
  | { status: 'pushed'; commit: string; base: string; remote: string; branch: string; attempts: number; changed: Environment[] }
  | { status: 'committed'; commit: string; base: string; branch: string; changed: Environment[] }
  | {
      status: 'protected'
      commit: string
      base: string
      remote: string
      branch: string
      attempts: number
      changed: Environment[]
      /** What the remote said when it refused the push. */
      reason: string
    }

const DEFAULT_ATTEMPTS = 5

/** The identity GitHub shows for commits of a workflow's token. */
const ACTIONS_BOT = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' }

async function gitDir(root: string): Promise<string> {
  const dir = (await git(['rev-parse', '--git-dir'], { cwd: root })).trim()
  return isAbsolute(dir) ? dir : join(root, dir)
}

/** The repository must be one; only git's own answer means "not a repository". */
async function assertRepository(root: string): Promise<void> {
  try {
    await git(['rev-parse', '--is-inside-work-tree'], { cwd: root })
  } catch (error) {
    if (error instanceof GitCommandError && /not a git repository/i.test(error.stderr)) {
      throw new DeployRefusedError(`${root} is not a git repository; the desired state lives in git: run from a clone of the repository`)
    }
    throw error
  }
}

async function currentBranch(root: string): Promise<string> {
  try {
    return (await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: root })).trim()
  } catch (error) {
    if (error instanceof GitCommandError && error.exitCode === 1) {
      throw new DeployRefusedError('HEAD is detached, so there is no branch to commit the desired state to; pass the branch (--branch main)')
    }
    throw error
  }
}

async function remoteUrl(root: string, remote: string): Promise<string> {
  try {
    return (await git(['remote', 'get-url', remote], { cwd: root })).trim()
  } catch (error) {
    if (error instanceof GitCommandError && /no such remote/i.test(error.stderr)) {
      throw new DeployPushError(
        `the repository has no remote '${remote}' to push the desired state to; add it (git remote add ${remote} <url>), name another (--remote), or commit locally only (--no-push)`,
      )
    }
    throw error
  }
}

/** Fetches the branch and answers its commit there. */
async function fetchBase(root: string, remote: string, branch: string): Promise<string> {
  const tracking = `refs/remotes/${remote}/${branch}`
  try {
    await git(['fetch', '--quiet', '--no-tags', remote, `+refs/heads/${branch}:${tracking}`], { cwd: root })
  } catch (error) {
    if (error instanceof GitCommandError && /couldn't find remote ref/i.test(error.stderr)) {
      throw new DeployPushError(`remote '${remote}' has no branch '${branch}' to deploy to; push it first or pass the branch that holds deploy/ (--branch)`)
    }
    throw new DeployPushError(`could not fetch ${branch} from remote '${remote}': ${(error as Error).message}`, { cause: error })
  }
  return (await git(['rev-parse', '--verify', `${tracking}^{commit}`], { cwd: root })).trim()
}

/** Model names with a spec at `commit` (models/<path>/model.yaml). */
async function modelsAt(root: string, commit: string): Promise<Set<string>> {
  const listing = await git(['-c', 'core.quotePath=false', 'ls-tree', '-r', '-z', '--name-only', commit, '--', 'models'], { cwd: root })
  return new Set(
    listing
      .split('\0')
      .filter((path) => /^models\/.+\/model\.ya?ml$/.test(path))
      .map(expectedModelName),
  )
}

/** Reads `deploy/<environment>.yaml` as it is at `commit` (an empty state when the file is not there). */
export async function readDesiredStateAt(root: string, commit: string, environment: string, models?: ReadonlySet<string>): Promise<DesiredStateFile> {
  const file = desiredStatePath(environment)
  const listed = await git(['ls-tree', '-z', commit, '--', file], { cwd: root })
  if (listed === '') return { file, state: emptyEnvironment(environment) }
  const text = await git(['cat-file', 'blob', `${commit}:${file}`], { cwd: root })
  return { file, state: parseDesiredState(text, file, models ? { models } : {}), text }
}

/** Committer for `commit-tree`: git's own when configured, else the Actions bot on a runner, else `modelship`. */
async function identityEnv(root: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  try {
    await git(['var', 'GIT_COMMITTER_IDENT'], { cwd: root })
    await git(['var', 'GIT_AUTHOR_IDENT'], { cwd: root })
    return {}
  } catch {
    const who = env.GITHUB_ACTIONS === 'true' ? ACTIONS_BOT : { name: 'modelship', email: 'modelship@localhost' }
    return { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email }
  }
}

/** Builds a commit of `states` on top of `base` in a private index; answers its id. */
async function commitStates(root: string, base: string, states: readonly Environment[], previous: ReadonlyMap<string, DesiredStateFile>, message: string, env: NodeJS.ProcessEnv): Promise<string> {
  const index = join(await gitDir(root), `modelship-index-${process.pid}-${randomBytes(4).toString('hex')}`)
  const options: GitOptions = { cwd: root, env: { GIT_INDEX_FILE: index, ...(await identityEnv(root, env)) } }
  try {
    await git(['read-tree', base], options)
    for (const state of states) {
      const text = renderDesiredState(state, previous.get(state.name)?.text)
      const blob = (await gitBytes(['hash-object', '-w', '--stdin'], text, options)).toString().trim()
      await git(['update-index', '--add', '--cacheinfo', `100644,${blob},${desiredStatePath(state.name)}`], options)
    }
    const tree = (await git(['write-tree'], options)).trim()
    return (await gitBytes(['commit-tree', tree, '-p', base, '-F', '-'], message, options)).toString().trim()
  } finally {
    await rm(index, { force: true })
  }
}

type PushOutcome = { kind: 'pushed' } | { kind: 'race'; reason: string } | { kind: 'protected'; reason: string }

/** Pushes `commit` to the branch; a lost race and a refusal by policy are outcomes, anything else an error. */
async function pushCommit(root: string, remote: string, branch: string, commit: string): Promise<PushOutcome> {
  try {
    await git(['push', '--quiet', '--no-verify', remote, `${commit}:refs/heads/${branch}`], { cwd: root })
    return { kind: 'pushed' }
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error
    const stderr = error.stderr
    const rejected = /\[rejected\][^\n]*\(([^)\n]*)\)/.exec(stderr)
    if (rejected) return { kind: 'race', reason: rejected[1]! }
    const remoteRejected = /\[remote rejected\][^\n]*\(([^)\n]*)\)/.exec(stderr)
    if (remoteRejected) {
      const reason = remoteRejected[1]!
      // A concurrent push to the same branch can also surface as the remote failing to move the ref.
      if (/failed to update ref|cannot lock ref|incorrect old value|failed to lock/i.test(`${reason}\n${stderr}`)) return { kind: 'race', reason }
      const said = stderr
        .split('\n')
        .filter((line) => line.startsWith('remote:'))
        .map((line) => line.replace(/^remote:\s?/, '').trim())
        .filter(Boolean)
      return { kind: 'protected', reason: [reason, ...said].join('; ') }
    }
    throw new DeployPushError(`could not push the desired state to ${branch} on remote '${remote}': ${stderr.trim() || error.message}`, { cause: error })
  }
}

/** Brings the checked-out branch up to the new commit when it can do so without touching local work; a warning otherwise. */
async function fastForwardCheckout(root: string, branch: string, commit: string, log: (line: string) => void): Promise<void> {
  const checkedOut = await currentBranch(root).catch(() => undefined)
  if (checkedOut !== branch) return
  try {
    await git(['merge', '--ff-only', '--quiet', commit], { cwd: root })
  } catch (error) {
    log(`warning: your checkout of ${branch} was not fast-forwarded to ${commit.slice(0, 12)} (${(error as Error).message.split('\n')[0]}); run git pull`)
  }
}

/** Refuses when a file the change writes has uncommitted edits: they would be lost or block the update. */
async function assertClean(root: string, environments: readonly string[]): Promise<void> {
  const files = environments.map(desiredStatePath)
  const status = await git(['status', '--porcelain', '-z', '--', ...files], { cwd: root })
  const dirty = status
    .split('\0')
    .filter(Boolean)
    .map((line) => line.slice(3))
  if (dirty.length > 0) throw new DeployRefusedError(`${dirty.join(', ')} ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes; commit or discard them first, the deploy commits this file`)
}

/**
 * Runs one change of desired state: lock the environments, fetch, plan on the fetched states,
 * commit, push; after a lost race fetch and plan again (up to `maxAttempts` pushes).
 */
export async function applyStateChange(change: StateChange, options: PushOptions): Promise<PushResult> {
  const { root } = options
  const env = options.env ?? process.env
  const log = options.log ?? (() => {})
  const push = options.push ?? true
  const remote = options.remote ?? 'origin'
  const maxAttempts = options.maxAttempts ?? DEFAULT_ATTEMPTS
  await assertRepository(root)
  const branch = options.branch ?? (await currentBranch(root))
  if (push) await remoteUrl(root, remote)
  const writes = change.writes ?? change.environments
  await assertClean(root, writes)
  const lock = await lockEnvironments(root, writes, change.purpose)
  try {
    let lastRace = ''
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const base = push ? await fetchBase(root, remote, branch) : (await git(['rev-parse', '--verify', `refs/heads/${branch}^{commit}`], { cwd: root })).trim()
      const models = await modelsAt(root, base)
      const readAt = (environment: string) => readDesiredStateAt(root, base, environment, change.anyModel ? undefined : models)
      const states = new Map<string, DesiredStateFile>()
      for (const environment of change.environments) states.set(environment, await readAt(environment))
      const planned = await change.plan(states, { base, models, readAt })
      if (planned.states.length === 0) return { status: 'unchanged', base }
      const unexpected = planned.states.find((state) => !writes.includes(state.name))
      if (unexpected) throw new Error(`bug: a change planned a write to '${unexpected.name}', outside its environments ${writes.join(', ')}`)
      const commit = await commitStates(root, base, planned.states, states, planned.message, env)
      if (!push) {
        await git(['update-ref', `refs/heads/${branch}`, commit, base], { cwd: root })
        await fastForwardWorkTree(root, branch, base, log)
        return { status: 'committed', commit, base, branch, changed: planned.states }
      }
      await options.beforePush?.(attempt)
      const outcome = await pushCommit(root, remote, branch, commit)
      if (outcome.kind === 'pushed') {
        await git(['update-ref', `refs/remotes/${remote}/${branch}`, commit], { cwd: root })
        await fastForwardCheckout(root, branch, commit, log)
        return { status: 'pushed', commit, base, remote, branch, attempts: attempt, changed: planned.states }
      }
      if (outcome.kind === 'protected') return { status: 'protected', commit, base, remote, branch, attempts: attempt, changed: planned.states, reason: outcome.reason }
      lastRace = outcome.reason
      log(`the push raced another (${outcome.reason}); fetching ${branch} and planning again (attempt ${attempt + 1} of ${maxAttempts})`)
    }
    throw new DeployPushError(
      `the push to ${branch} on remote '${remote}' lost ${maxAttempts} races in a row (last: ${lastRace}); others are changing the desired state right now: run the command again`,
    )
  } finally {
    await lock.release()
  }
}

/**
 * After the branch ref moved from `base` to a new commit without a push, brings the work tree and
 * index along when that branch is checked out (only the desired-state files differ, and they were
 * checked clean).
 */
async function fastForwardWorkTree(root: string, branch: string, base: string, log: (line: string) => void): Promise<void> {
  const checkedOut = await currentBranch(root).catch(() => undefined)
  if (checkedOut !== branch) return
  try {
    // Moves index and work tree from base to HEAD, keeping any unrelated local changes.
    await git(['read-tree', '-m', '-u', base, 'HEAD'], { cwd: root })
  } catch (error) {
    log(`warning: the commit is on ${branch}, but the work tree was not updated (${(error as Error).message.split('\n')[0]}); run git checkout -- deploy/`)
  }
}

/** Options of `pushProposal`. */
export interface ProposalOptions {
  root: string
  /** The protected result of a deploy, rollback or retire. */
  result: Extract<PushResult, { status: 'protected' }>
  /** Branch to push the change to; default `modelship/<first environment>/<commit prefix>`. */
  branch?: string
}

/**
 * Pushes a change the protected branch refused to a branch of its own, for a pull request into
 * the protected one (opened by the deploy action). Answers the branch name.
 */
export async function pushProposal(options: ProposalOptions): Promise<string> {
  const { result } = options
  const environment = result.changed[0]?.name ?? 'deploy'
  const branch = options.branch ?? `modelship/${environment}/${result.commit.slice(0, 12)}`
  try {
    await git(['push', '--quiet', '--no-verify', '--force', result.remote, `${result.commit}:refs/heads/${branch}`], { cwd: options.root })
  } catch (error) {
    throw new DeployPushError(`could not push the proposed change to branch ${branch} on remote '${result.remote}': ${(error as Error).message}`, { cause: error })
  }
  return branch
}
