/**
 * The reconciler's view of the repository: a clone it fetches (branch, version tags and the local
 * registry's `refs/modelship/*`), the desired state and model specs read at the remote branch head
 * (not the clone's work tree, which a person may have edited), and commits that tell git what is
 * live, made as `modelship deploy` makes its own (the deploy module's `applyStateChange`).
 */
import { ModelshipError } from '../../errors.js'
import { git, GitCommandError } from '../../git/command.js'
import { ModelSpecSchema, type ModelSpec } from '../../spec/model-schema.js'
import { parseYamlSource } from '../../spec/yaml-source.js'
import { desiredStatePath, emptyEnvironment, parseDesiredState, planRollback, type Environment, type ModelTraffic } from '../desired-state.js'
import { applyStateChange } from '../push.js'

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
   * what is live, through the deploy module's `applyStateChange` (planned again on the newer state
   * after a lost race; a protected branch is reported, for a pull request). `basedOn` is the
   * desired-state commit the decision was made on: when a person has changed the model's entries
   * since, theirs is newer than what we know and nothing is written (`superseded`).
   */
  async commitState(request: { model: string; restore: readonly ModelTraffic[]; message: string; basedOn: string }): Promise<{ outcome: 'pushed' | 'unchanged' | 'superseded'; commit: string } | { outcome: 'protected'; commit: string; reason: string }> {
    const environment = this.options.environment
    const entries = (state: Environment) => JSON.stringify(state.models.filter((m) => m.model === request.model))
    const decidedOn = entries((await this.desiredState(request.basedOn)).state)
    let superseded: string | undefined
    let result
    try {
      result = await applyStateChange(
        {
          environments: [environment],
          purpose: `modelship serve --environment ${environment}: ${request.message.split('\n')[0]}`,
          plan: async (states, { base }) => {
            const head = states.get(environment)!.state
            superseded = undefined
            if (base !== request.basedOn && entries(head) !== decidedOn) {
              superseded = base
              return { states: [], message: request.message }
            }
            const plan = planRollback(head, { model: request.model, restore: request.restore })
            return { states: plan.changed ? [plan.state] : [], message: request.message }
          },
        },
        { root: this.dir, remote: this.remote, branch: this.branch },
      )
    } catch (error) {
      throw new RepositoryError(`could not commit the desired state of ${request.model} to ${this.remote} ${this.branch}: ${gitMessage(error)}`, { cause: error })
    }
    if (superseded) return { outcome: 'superseded', commit: superseded }
    if (result.status === 'unchanged') return { outcome: 'unchanged', commit: result.base }
    if (result.status === 'protected') return { outcome: 'protected', commit: result.commit, reason: result.reason }
    return { outcome: 'pushed', commit: result.commit }
  }
}

function gitMessage(error: unknown): string {
  if (error instanceof GitCommandError) return error.stderr.trim().split('\n').at(-1) || error.message
  return error instanceof Error ? error.message : String(error)
}
