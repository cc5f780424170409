/**
 * The reconciler's view of the repository: a clone it fetches (branch, version tags and the local
 * registry's `refs/modelship/*`), the desired state and model specs read at the remote branch head
 * (not the clone's work tree, which a person may have edited), and commits to the desired state made
 * without touching any work tree (an index of its own, `commit-tree`, a push of that commit), so the
 * reconciler can tell git what is live from a clone nobody checks out.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ModelshipError } from '../../errors.js'
import { git, gitBytes, GitCommandError } from '../../git/command.js'
import { ModelSpecSchema, type ModelSpec } from '../../spec/model-schema.js'
import { parseYamlSource } from '../../spec/yaml-source.js'
import { desiredStatePath, emptyEnvironment, parseDesiredState, planRollback, renderDesiredState, type Environment, type ModelTraffic } from '../desired-state.js'

/** The desired state at one commit. */
export interface DesiredSnapshot {
  /** The commit of the remote branch head it was read at. */
  commit: string
  state: Environment
  /** The file's text (undefined when the branch has no such file: nothing should serve). */
  text?: string
}

/** Options of `ReconcilerRepository`. */
export interface RepositoryOptions {
  /** A clone of the repository (work tree or bare). */
  dir: string
  remote?: string
  /** The branch whose head is the desired state; default `main`. */
  branch?: string
  environment: string
}

/** A failure to reach or read the repository (fetch, show, push); the reconciler keeps serving and retries at the next poll. */
export class RepositoryError extends ModelshipError {}

/** The repository the reconciler follows. */
export class ReconcilerRepository {
  readonly remote: string
  readonly branch: string

  constructor(private readonly options: RepositoryOptions) {
    this.remote = options.remote ?? 'origin'
    this.branch = options.branch ?? 'main'
  }

  get dir(): string {
    return this.options.dir
  }

  private get remoteRef(): string {
    return `refs/remotes/${this.remote}/${this.branch}`
  }

  /** Fetches the branch, every tag and the local registry's refs; answers the branch head commit. */
  async fetch(): Promise<string> {
    try {
      await git(
        ['fetch', '--quiet', '--no-write-fetch-head', this.remote, `+refs/heads/${this.branch}:${this.remoteRef}`, '+refs/tags/*:refs/tags/*', '+refs/modelship/*:refs/modelship/*'],
        { cwd: this.dir },
      )
      return (await git(['rev-parse', '--verify', `${this.remoteRef}^{commit}`], { cwd: this.dir })).trim()
    } catch (error) {
      throw new RepositoryError(`could not fetch ${this.branch} from ${this.remote} in ${this.dir}: ${gitMessage(error)}`, { cause: error })
    }
  }

  /** The desired state of the environment at `commit` (a missing file is an empty state). */
  async desiredState(commit: string): Promise<DesiredSnapshot> {
    const file = desiredStatePath(this.options.environment)
    const text = await this.show(commit, file)
    if (text === undefined) return { commit, state: emptyEnvironment(this.options.environment) }
    return { commit, state: parseDesiredState(text, file), text }
  }

  /**
   * The spec of `model` at `commit` (shape only: its data and code files are the training job's
   * concern, not the server's). Undefined when the repository has no such model.
   */
  async modelSpec(commit: string, model: string): Promise<Pick<ModelSpec, 'deploy'> | undefined> {
    const file = `models/${model.split(':').join('/')}/model.yaml`
    const text = await this.show(commit, file)
    if (text === undefined) return undefined
    const source = parseYamlSource(text, file)
    const parsed = source.data === undefined ? undefined : ModelSpecSchema.safeParse(source.data)
    if (!parsed?.success) {
      const problem = source.problems[0]?.message ?? parsed?.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)[0] ?? 'not a model spec'
      throw new RepositoryError(`${file} at ${commit.slice(0, 7)} is not a valid model spec (${problem}); run modelship validate on that commit`)
    }
    return parsed.data
  }

  private async show(commit: string, file: string): Promise<string | undefined> {
    try {
      // ls-tree first, so that "no such file" is told apart from "git failed".
      const listed = await git(['ls-tree', '--name-only', commit, '--', file], { cwd: this.dir })
      if (listed.trim() === '') return undefined
      return await git(['show', `${commit}:${file}`], { cwd: this.dir })
    } catch (error) {
      throw new RepositoryError(`could not read ${file} at ${commit.slice(0, 7)} in ${this.dir}: ${gitMessage(error)}`, { cause: error })
    }
  }

  /**
   * Commits `model`'s entries as `restore` on top of the branch head and pushes it, so that git says
   * what is live. `basedOn` is the desired-state commit the decision was made on: when a person has
   * changed the model's entries since, theirs is newer than what we know and nothing is written
   * (`superseded`). A push that races another is fetched and tried again (up to `attempts`).
   */
  async commitState(request: { model: string; restore: readonly ModelTraffic[]; message: string; basedOn: string }, attempts = 5): Promise<{ outcome: 'pushed' | 'unchanged' | 'superseded'; commit: string }> {
    const base = await this.desiredState(request.basedOn)
    const entries = (state: Environment) => JSON.stringify(state.models.filter((m) => m.model === request.model))
    for (let attempt = 1; ; attempt++) {
      const head = await this.desiredState(await this.fetch())
      if (head.commit !== base.commit && entries(head.state) !== entries(base.state)) return { outcome: 'superseded', commit: head.commit }
      const plan = planRollback(head.state, { model: request.model, restore: request.restore })
      if (!plan.changed) return { outcome: 'unchanged', commit: head.commit }
      const commit = await this.writeCommit(head, renderDesiredState(plan.state, head.text), request.message)
      try {
        await git(['push', '--quiet', this.remote, `${commit}:refs/heads/${this.branch}`], { cwd: this.dir })
        await git(['update-ref', this.remoteRef, commit], { cwd: this.dir })
        return { outcome: 'pushed', commit }
      } catch (error) {
        // A rejected (non-fast-forward) push lost a race: plan again on the newer head.
        if (attempt >= attempts) throw new RepositoryError(`could not push the desired state of ${request.model} to ${this.remote} ${this.branch} after ${attempts} attempts: ${gitMessage(error)}`, { cause: error })
      }
    }
  }

  /** A commit of `text` as the desired-state file on top of `head`, made in a private index. */
  private async writeCommit(head: DesiredSnapshot, text: string, message: string): Promise<string> {
    const scratch = await mkdtemp(join(tmpdir(), 'modelship-reconciler-index-'))
    const env = { GIT_INDEX_FILE: join(scratch, 'index'), ...(await this.identity()) }
    try {
      const blob = (await gitInput(['hash-object', '-w', '--stdin'], text, { cwd: this.dir, env })).trim()
      await git(['read-tree', head.commit], { cwd: this.dir, env })
      await git(['update-index', '--add', '--cacheinfo', `100644,${blob},${desiredStatePath(this.options.environment)}`], { cwd: this.dir, env })
      const tree = (await git(['write-tree'], { cwd: this.dir, env })).trim()
      return (await git(['commit-tree', tree, '-p', head.commit, '-m', message], { cwd: this.dir, env })).trim()
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
  }

  /** The clone's configured identity, else the reconciler's own (a server clone often has none). */
  private async identity(): Promise<Record<string, string>> {
    const configured = async (key: string) => (await git(['config', '--get', key], { cwd: this.dir }).catch(() => '')).trim()
    const name = process.env.GIT_AUTHOR_NAME ?? (await configured('user.name'))
    const email = process.env.GIT_AUTHOR_EMAIL ?? (await configured('user.email'))
    if (name && email) return {}
    const fallback = { name: 'modelship reconciler', email: 'reconciler@modelship.invalid' }
    return { GIT_AUTHOR_NAME: name || fallback.name, GIT_AUTHOR_EMAIL: email || fallback.email, GIT_COMMITTER_NAME: name || fallback.name, GIT_COMMITTER_EMAIL: email || fallback.email }
  }
}

function gitMessage(error: unknown): string {
  if (error instanceof GitCommandError) return error.stderr.trim().split('\n').at(-1) || error.message
  return error instanceof Error ? error.message : String(error)
}

/** git with `input` on stdin, answering stdout as text. */
async function gitInput(args: readonly string[], input: string, options: { cwd: string; env: Record<string, string> }): Promise<string> {
  return (await gitBytes(args, input, options)).toString('utf8')
}
