/**
 * A local double of GitHub's REST API for tests: an HTTP server on 127.0.0.1 that keeps state in
 * memory, backs refs and tags with a real bare git repository, and checks every request and answer
 * against GitHub's OpenAPI description. Code that sends a request GitHub would refuse records a
 * violation, and `close()` fails the test while any violation is left.
 *
 * ```ts
 * const double = await startGitHubDouble({ owner: 'acme', repo: 'models' })
 * const octokit = createOctokit({ token: double.token, baseUrl: double.url, retryAfterBaseMs: 1, writeIntervalMs: 0 })
 * try { ... } finally { await double.close() }
 * ```
 */
import { AssertionError } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tokenRecord, type TokenRecord, type TokenSpec } from './auth.js'
import type { FaultSpec, PendingFault, RequestMatcher } from './faults.js'
import { GitStore } from './git-store.js'
import { timestamp, type Handler } from './http.js'
import { loadGitHubOpenApi } from './openapi.js'
import { actionHandlers, registerWorkflow } from './resources/actions.js'
import { deploymentHandlers } from './resources/deployments.js'
import { gitHandlers } from './resources/git.js'
import { addLabels, issueHandlers } from './resources/issues.js'
import { pullHandlers } from './resources/pulls.js'
import { releaseHandlers } from './resources/releases.js'
import { repoHandlers } from './resources/repos.js'
import { settingsHandlers } from './resources/settings.js'
import { userHandlers } from './resources/users.js'
import { createListener, type DoubleCore, type RecordedRequest, type Violation } from './server.js'
import { DoubleState, type CollaboratorPermission, type IssueRecord } from './state.js'
import { makeUrls, type Urls } from './urls.js'

export { primaryRateLimit, secondaryRateLimit, type FaultSpec, type RequestMatcher } from './faults.js'
export type { TokenSpec, TokenKind, TokenPermissions, PermissionName, AccessLevel } from './auth.js'
export type { RecordedRequest, Violation } from './server.js'
export type * from './state.js'
export { DoubleState } from './state.js'

/** Options of `startGitHubDouble`. */
export interface GitHubDoubleOptions {
  /** Default `acme`. */
  owner?: string
  /** Default `models`. */
  repo?: string
  /** Default `main`. */
  defaultBranch?: string
  /** Files of the initial commit on the default branch; default a README.md. */
  files?: Record<string, string>
  /** Extra tokens by value; `'read'` makes a read-only token (`double.token` always has write access). */
  tokens?: Record<string, TokenSpec | 'read' | 'write'>
  /** Requests an hour per token before 403 "API rate limit exceeded"; default 1000 (GITHUB_TOKEN's limit). */
  rateLimit?: number
}

/** Options of `double.addPullRequest`. */
export interface PullRequestOptions {
  /** Head branch in the bare repository (make it with `createCommit({ branch })`). */
  head: string
  /** Default: the default branch. */
  base?: string
  title?: string
  body?: string
  /** Author login; default `octocat`. */
  user?: string
  draft?: boolean
  labels?: string[]
  /** A pull request from a fork: its head repository is `user/repo`, its head sha fixed at creation. */
  fromFork?: boolean
}

const HANDLERS: Record<string, Handler> = {
  ...repoHandlers,
  ...gitHandlers,
  ...releaseHandlers,
  ...issueHandlers,
  ...pullHandlers,
  ...deploymentHandlers,
  ...actionHandlers,
  ...userHandlers,
  ...settingsHandlers,
}

/** A running double; see the module comment. */
export class GitHubDouble {
  /** Tokens the double accepts, by value. */
  readonly tokens = new Map<string, TokenRecord>()
  private readonly faults: PendingFault[] = []
  private closed = false

  private constructor(
    private readonly server: Server,
    private readonly tempDir: string,
    /** API root, e.g. http://127.0.0.1:PORT; pass it as `baseUrl`. */
    readonly url: string,
    /** Upload root used in every release's `upload_url`. */
    readonly uploadUrl: string,
    /** Web root (what GITHUB_SERVER_URL would be); release downloads live under it. */
    readonly webUrl: string,
    /** A token with write access to everything, acting as `github-actions[bot]`. */
    readonly token: string,
    readonly owner: string,
    readonly repo: string,
    /** The bare repository behind refs, tags and commits; `git ls-remote` / `git fetch` it. */
    readonly gitDir: string,
    /** In-memory records (issues, releases, deployments, dispatches …). */
    readonly state: DoubleState,
    /** The git side; `double.git.git([...])` runs any git command in the bare repository. */
    readonly git: GitStore,
    /** Every request received, in order. */
    readonly requests: RecordedRequest[],
    /** Contract breaches found so far. */
    readonly violations: Violation[],
    private readonly core: DoubleCore,
  ) {}

  /** @internal use `startGitHubDouble`. */
  static async start(options: GitHubDoubleOptions = {}): Promise<GitHubDouble> {
    const owner = options.owner ?? 'acme'
    const repo = options.repo ?? 'models'
    const defaultBranch = options.defaultBranch ?? 'main'
    const referee = loadGitHubOpenApi()
    for (const operationId of Object.keys(HANDLERS)) referee.operation(operationId)
    const tempDir = await mkdtemp(join(tmpdir(), 'github-double-'))
    const gitDir = join(tempDir, `${repo}.git`)
    const git = await GitStore.create(gitDir, defaultBranch, options.files)
    const state = new DoubleState(owner, repo, defaultBranch, 500_000 + Math.floor(Math.random() * 100_000), timestamp())
    state.user(owner)
    const core: DoubleCore = {
      referee,
      state,
      git,
      urls: makeUrls('http://127.0.0.1', owner, repo),
      tokens: new Map(),
      rateLimit: options.rateLimit ?? 1000,
      faults: [],
      requests: [],
      violations: [],
      handlers: HANDLERS,
    }
    const server = createServer(createListener(core))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    core.urls = makeUrls(origin, owner, repo)
    const token = `ghs_double${randomBytes(16).toString('hex')}`
    const double = new GitHubDouble(
      server,
      tempDir,
      core.urls.api,
      core.urls.uploads,
      core.urls.web,
      token,
      owner,
      repo,
      gitDir,
      state,
      git,
      core.requests,
      core.violations,
      core,
    )
    core.tokens = double.tokens
    core.faults = double.faults
    double.addToken(token, 'write')
    for (const [value, spec] of Object.entries(options.tokens ?? {})) double.addToken(value, spec)
    return double
  }

  /** The URL roots (api, uploads, web, repoApi, repoWeb). */
  get urls(): Urls {
    return this.core.urls
  }

  /** Accepts another token (`'read'` for a read-only one, or a permission map). */
  addToken(token: string, spec: TokenSpec | 'read' | 'write' = 'write'): void {
    this.tokens.set(token, tokenRecord(token, spec, new Date()))
  }

  /** Makes the next `times` (default 1) requests that `matcher` selects answer with `fault`. */
  failNext(matcher: RequestMatcher, fault: FaultSpec): void {
    this.faults.push({ matcher, spec: fault, remaining: fault.times ?? 1 })
  }

  /** Sets what `repos.getCollaboratorPermissionLevel` answers for `user`. */
  setPermission(user: string, permission: CollaboratorPermission): void {
    this.state.user(user)
    this.state.permissions.set(user, permission)
  }

  /**
   * Commits `files` (null deletes) on `branch` (default: the default branch); a new branch starts
   * from `parent` or else from the default branch. Returns the new commit's sha.
   */
  async createCommit(options: { files?: Record<string, string | null>; message?: string; branch?: string; parent?: string; date?: Date } = {}): Promise<string> {
    const branch = options.branch ?? this.state.defaultBranch
    const parent = options.parent ?? ((await this.git.readRef(`refs/heads/${branch}`)) === undefined ? await this.git.resolveCommit(this.state.defaultBranch) : undefined)
    return this.git.commit({
      branch,
      message: options.message ?? 'Change files',
      ...(options.files !== undefined ? { files: options.files } : {}),
      ...(parent !== undefined ? { parent } : {}),
      ...(options.date !== undefined ? { date: options.date } : {}),
    })
  }

  /** Opens a pull request from `head` into `base`; returns its number. Also writes `refs/pull/N/head`. */
  async addPullRequest(options: PullRequestOptions): Promise<number> {
    const base = options.base ?? this.state.defaultBranch
    const headSha = await this.git.resolveCommit(options.head)
    const baseSha = await this.git.resolveCommit(base)
    if (headSha === undefined || baseSha === undefined) {
      throw new Error(`addPullRequest: branch '${headSha === undefined ? options.head : base}' does not exist in the double's repository`)
    }
    const now = timestamp()
    const issue: IssueRecord = {
      id: this.state.nextId(),
      number: this.state.nextNumber(),
      title: options.title ?? `Change ${options.head}`,
      body: options.body ?? null,
      state: 'open',
      stateReason: null,
      labels: [],
      assignees: [],
      user: options.user ?? 'octocat',
      locked: false,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      pull: {
        headRef: options.head,
        headSha,
        baseRef: base,
        baseSha,
        draft: options.draft ?? false,
        merged: false,
        mergedAt: null,
        mergeCommitSha: null,
        fromFork: options.fromFork ?? false,
      },
    }
    for (const name of options.labels ?? []) issue.labels.push(this.state.label(name).name)
    this.state.issues.set(issue.number, issue)
    await this.git.setRef(`refs/pull/${issue.number}/head`, headSha)
    return issue.number
  }

  /** Adds `label` to issue or pull request `number` as `actor` would by a click, recording the `labeled` event. */
  labelIssue(number: number, label: string, actor: string): void {
    const issue = this.state.issues.get(number)
    if (issue === undefined) throw new Error(`labelIssue: no issue or pull request #${number}`)
    addLabels(issue, this.state, [label], actor)
  }

  /** Registers a workflow without a file in the repository; returns its id. */
  addWorkflow(options: { path: string; name?: string }): number {
    return registerWorkflow(this.state, options.path, options.name ?? options.path).id
  }

  /** The variables a GitHub Actions step would see for this double. */
  env(): Record<string, string> {
    return {
      GITHUB_API_URL: this.url,
      GITHUB_SERVER_URL: this.webUrl,
      GITHUB_REPOSITORY: `${this.owner}/${this.repo}`,
      GITHUB_TOKEN: this.token,
    }
  }

  /** Returns the violations so far and forgets them (for tests that provoke them on purpose). */
  takeViolations(): Violation[] {
    return this.violations.splice(0, this.violations.length)
  }

  /** Throws an AssertionError listing every violation so far. */
  assertNoViolations(): void {
    if (this.violations.length === 0) return
    throw new AssertionError({ message: `GitHub double saw ${this.violations.length} contract violation(s):\n${this.violations.map(formatViolation).join('\n')}` })
  }

  /** Stops the server, deletes the bare repository, then fails if any violation is left. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
    await rm(this.tempDir, { recursive: true, force: true })
    this.assertNoViolations()
  }
}

/** `METHOD path (operationId) [kind]: problem; problem` */
export function formatViolation(violation: Violation): string {
  const op = violation.operationId === undefined ? '' : ` (${violation.operationId})`
  return `  ${violation.method} ${violation.path}${op} [${violation.kind}]: ${violation.problems.join('; ')}`
}

/** Starts a double on 127.0.0.1 at a random port; close it in `finally` / `after`. */
export function startGitHubDouble(options: GitHubDoubleOptions = {}): Promise<GitHubDouble> {
  return GitHubDouble.start(options)
}
