/**
 * The double's memory: plain records per resource, readable (and adjustable) by tests through
 * `double.state`. Git data is not here: it lives in the bare repository (`GitStore`).
 */

/** A user or bot account the double knows. */
export interface UserRecord {
  login: string
  id: number
  type: 'User' | 'Bot'
}

/** Collaborator permission levels, as `repos.getCollaboratorPermissionLevel` reports them. */
export type CollaboratorPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

/** Pull-request part of an issue record. */
export interface PullRecord {
  /** Branch name of the head, in this repository (or the fork's, when `fromFork`). */
  headRef: string
  headSha: string
  baseRef: string
  baseSha: string
  draft: boolean
  merged: boolean
  mergedAt: string | null
  mergeCommitSha: string | null
  /** True for a pull request from a fork (its head repository is another one). */
  fromFork: boolean
}

/** An issue, or a pull request (issues and pull requests share numbers, as on GitHub). */
export interface IssueRecord {
  id: number
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  stateReason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null
  labels: string[]
  assignees: string[]
  user: string
  locked: boolean
  createdAt: string
  updatedAt: string
  closedAt: string | null
  pull: PullRecord | undefined
}

/** A comment on an issue or pull request. */
export interface CommentRecord {
  id: number
  issueNumber: number
  body: string
  user: string
  createdAt: string
  updatedAt: string
}

/** A repository label. */
export interface LabelRecord {
  id: number
  name: string
  color: string
  description: string | null
}

/** A release; drafts have no tag until published. */
export interface ReleaseRecord {
  id: number
  tagName: string
  targetCommitish: string
  name: string | null
  body: string | null
  draft: boolean
  prerelease: boolean
  author: string
  createdAt: string
  publishedAt: string | null
  /** Drafts are reachable on the web as `untagged-<slug>`. */
  untaggedSlug: string
}

/** A release asset with its bytes. */
export interface AssetRecord {
  id: number
  releaseId: number
  name: string
  label: string | null
  contentType: string
  data: Buffer
  /** `open` marks an upload that never finished (a broken upload leaves one to delete). */
  state: 'uploaded' | 'open'
  uploader: string
  createdAt: string
  updatedAt: string
  downloadCount: number
}

/** A deployment. */
export interface DeploymentRecord {
  id: number
  sha: string
  ref: string
  task: string
  environment: string
  originalEnvironment: string
  payload: Record<string, unknown> | string
  description: string | null
  creator: string
  transient: boolean
  production: boolean
  createdAt: string
  updatedAt: string
}

/** A deployment status. */
export interface DeploymentStatusRecord {
  id: number
  deploymentId: number
  state: 'error' | 'failure' | 'inactive' | 'pending' | 'success' | 'queued' | 'in_progress'
  description: string
  environment: string
  targetUrl: string
  logUrl: string
  environmentUrl: string
  creator: string
  createdAt: string
  updatedAt: string
}

/** A workflow file known to the double. */
export interface WorkflowRecord {
  id: number
  name: string
  /** e.g. `.github/workflows/retrain.yml` */
  path: string
  state: 'active' | 'disabled_manually'
  createdAt: string
  updatedAt: string
}

/** A workflow run; dispatches create one in status `queued`. */
export interface WorkflowRunRecord {
  id: number
  workflowId: number
  runNumber: number
  event: string
  status: 'queued' | 'in_progress' | 'completed'
  conclusion: 'success' | 'failure' | 'cancelled' | null
  headBranch: string | null
  headSha: string
  actor: string
  displayTitle: string
  inputs: Record<string, unknown>
  createdAt: string
  updatedAt: string
}

/** A label added to or removed from an issue or pull request, as `issues.listEvents` reports it. */
export interface IssueEventRecord {
  id: number
  issueNumber: number
  event: 'labeled' | 'unlabeled'
  /** Who clicked: the token's user, or the login a test names. */
  actor: string
  label: string
  createdAt: string
}

/** An organization runner group with its runners, as `actions.listSelfHostedRunnerGroupsForOrg` reports it. */
export interface RunnerGroupRecord {
  name: string
  visibility: 'all' | 'selected' | 'private'
  restrictedToWorkflows: boolean
  /** e.g. `acme/models/.github/workflows/train.yml@refs/heads/main` */
  selectedWorkflows: string[]
  allowsPublicRepositories: boolean
  runners: Array<{ name: string; labels: string[] }>
}

/** One `createWorkflowDispatch` call as the double received it. */
export interface DispatchRecord {
  workflowId: number
  workflowPath: string
  ref: string
  inputs: Record<string, unknown>
  runId: number
  actor: string
}

/** The in-memory state of one double. */
/** Repository Actions settings, GitHub's defaults for a new public repository unless a test changes them. */
export interface ActionsSettings {
  forkApprovalPolicy: 'first_time_contributors_new_to_github' | 'first_time_contributors' | 'all_external_contributors'
  defaultWorkflowPermissions: 'read' | 'write'
  canApprovePullRequestReviews: boolean
  /** Runners registered to the repository itself. */
  selfHostedRunners: Array<{ name: string; labels: string[] }>
  /** Runner groups of the owner, an organization; undefined: the owner is a user account (GitHub answers 404). */
  orgRunnerGroups: RunnerGroupRecord[] | undefined
}

export class DoubleState {
  private lastId = 1000
  private lastNumber = 0
  readonly users = new Map<string, UserRecord>()
  readonly issues = new Map<number, IssueRecord>()
  readonly comments = new Map<number, CommentRecord>()
  readonly labels = new Map<string, LabelRecord>()
  readonly releases = new Map<number, ReleaseRecord>()
  readonly assets = new Map<number, AssetRecord>()
  readonly deployments = new Map<number, DeploymentRecord>()
  readonly deploymentStatuses = new Map<number, DeploymentStatusRecord>()
  readonly workflows = new Map<number, WorkflowRecord>()
  readonly workflowRuns = new Map<number, WorkflowRunRecord>()
  readonly dispatches: DispatchRecord[] = []
  /** Label events of every issue, oldest first. */
  readonly issueEvents: IssueEventRecord[] = []
  /** Collaborator permissions by login; unknown users answer 404. */
  readonly permissions = new Map<string, CollaboratorPermission>()
  /** The repository's Actions settings that `modelship doctor` reads; tests change them in place. */
  readonly actionsSettings: ActionsSettings = {
    forkApprovalPolicy: 'first_time_contributors',
    defaultWorkflowPermissions: 'read',
    canApprovePullRequestReviews: false,
    selfHostedRunners: [],
    orgRunnerGroups: [],
  }

  constructor(
    readonly owner: string,
    readonly repo: string,
    readonly defaultBranch: string,
    readonly repositoryId: number,
    readonly createdAt: string,
  ) {}

  /** A fresh id, unique across every kind of object of this double. */
  nextId(): number {
    this.lastId += 1
    return this.lastId
  }

  /** The next issue / pull request number. */
  nextNumber(): number {
    this.lastNumber += 1
    return this.lastNumber
  }

  /** The user with this login, made up (as a `User`, or a `Bot` for `name[bot]`) on first use. */
  user(login: string): UserRecord {
    let found = this.users.get(login)
    if (found === undefined) {
      found = { login, id: login === 'github-actions[bot]' ? 41898282 : this.nextId(), type: login.endsWith('[bot]') ? 'Bot' : 'User' }
      this.users.set(login, found)
    }
    return found
  }

  /** The label, created with GitHub's default color when missing (as adding a label does). */
  label(name: string): LabelRecord {
    const key = name.toLowerCase()
    let found = this.labels.get(key)
    if (found === undefined) {
      found = { id: this.nextId(), name, color: 'ededed', description: null }
      this.labels.set(key, found)
    }
    return found
  }
}
