/**
 * actions/gate: the trusted side of a pull request (see src/pr-gate). It never checks out or runs
 * the pull request's code, so it may hold a token that writes.
 *
 * - `approve` (pull_request_target): on `labeled` with the training label, checks that the label is
 *   on the head commit the event names and was applied by someone with write access, then
 *   dispatches the training workflow on the default branch with `pull-request` and `head-sha`. On
 *   `synchronize` it removes the label: a new push needs a new approval. A refusal is a warning.
 * - `verify` (workflow_dispatch): checks the same again in the dispatched run, whose inputs anyone
 *   with write access could have typed, and outputs the commits to check out and compare with; no
 *   approval fails the step.
 * - `changed-models` (workflow_run): the models the pull request changes, from GitHub's file list.
 */
import * as z from 'zod/mini'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { readInputs } from '../../src/action/inputs.js'
import { ModelshipError, UsageError } from '../../src/errors.js'
import { readEventPayload, readGitHubContext } from '../../src/github/context.js'
import { isNotFound } from '../../src/github/errors.js'
import { createOctokit, type GitHubClient } from '../../src/github/octokit.js'
import { changedModels, checkTrainingApproval, DEFAULT_TRAIN_LABEL } from '../../src/pr-gate/index.js'

const number = z.pipe(z.string().check(z.regex(/^[1-9]\d*$/, { error: 'expected a pull request number such as 42' })), z.transform(Number))

/** Inputs of action.yml, camelCase. */
export const GateInputs = z.object({
  operation: z.enum(['approve', 'verify', 'changed-models'], { error: "expected 'approve', 'verify' or 'changed-models'" }),
  label: z._default(z.string(), DEFAULT_TRAIN_LABEL),
  workflow: z._default(z.string().check(z.regex(/^[\w.-]+\.ya?ml$/, { error: 'expected a workflow file name such as modelship-pr.yml' })), 'modelship-pr.yml'),
  pullRequest: z.optional(number),
  headSha: z.optional(z.string()),
  token: z.optional(z.string()),
})
type Inputs = z.infer<typeof GateInputs>

interface Client {
  octokit: GitHubClient
  owner: string
  repo: string
}

function client(env: ActionEnv, token: string | undefined): Client {
  const context = readGitHubContext({ ...(token ? { token } : {}), env: env.vars })
  env.setSecret(context.token)
  const warn = (message: string) => void env.annotate({ level: 'warning', title: 'Modelship gate', message })
  const octokit = createOctokit({ token: context.token, baseUrl: context.apiUrl, log: { debug: (m) => env.debug(m), info: (m) => env.info(m), warn, error: warn } })
  return { octokit, owner: context.owner, repo: context.repo }
}

/** Refuses an operation outside the event it is made for: its safety rests on that event's trust. */
function requireEvent(env: ActionEnv, operation: string, events: string[]): void {
  const event = env.vars.GITHUB_EVENT_NAME ?? ''
  if (!events.includes(event)) {
    throw new UsageError(`operation '${operation}' runs in a ${events.join(' or ')} workflow, not '${event || 'no event'}': see actions/gate/README.md for where each operation belongs`)
  }
}

function required<T>(value: T | undefined, input: string, operation: string, example: string): T {
  if (value === undefined) throw new UsageError(`input '${input}' is not set: operation '${operation}' needs it, e.g. ${example}\nFix the step's 'with:' block in your workflow.`)
  return value
}

interface TargetEvent {
  action?: string
  label?: { name?: string }
  sender?: { login?: string }
  pull_request?: { number?: number; head?: { sha?: string }; labels?: Array<{ name?: string }> }
  repository?: { default_branch?: string }
}

async function approve(env: ActionEnv, inputs: Inputs): Promise<void> {
  requireEvent(env, 'approve', ['pull_request_target'])
  const event = (readEventPayload(env.vars) ?? {}) as TargetEvent
  const pullNumber = event.pull_request?.number
  const headSha = event.pull_request?.head?.sha
  if (typeof pullNumber !== 'number' || typeof headSha !== 'string') throw new ModelshipError('the pull_request_target event names no pull request and head commit (GITHUB_EVENT_PATH)')
  env.setOutput('pull-request', String(pullNumber))
  env.setOutput('approved', 'false')
  const gh = client(env, inputs.token)
  const label = inputs.label
  const hasLabel = (event.pull_request?.labels ?? []).some((l) => l.name?.toLowerCase() === label.toLowerCase())

  if (event.action === 'synchronize' || event.action === 'reopened') {
    if (!hasLabel) {
      env.info(`Pull request #${pullNumber} got new commits (${headSha}); it carries no '${label}' label, so nothing to withdraw.`)
      return
    }
    try {
      await gh.octokit.rest.issues.removeLabel({ owner: gh.owner, repo: gh.repo, issue_number: pullNumber, name: label })
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
    env.info(`Pull request #${pullNumber} got new commits (${headSha}): removed '${label}', since an approval holds for the commit a maintainer read. Apply it again to train the new head.`)
    return
  }
  if (event.action !== 'labeled' || event.label?.name?.toLowerCase() !== label.toLowerCase()) {
    env.info(`Nothing to do for '${event.action ?? 'unknown'}'${event.label?.name ? ` of label '${event.label.name}'` : ''}: training starts when a maintainer applies '${label}'.`)
    return
  }
  const result = await checkTrainingApproval({ ...gh, pullNumber, headSha, label })
  if (!result.approved) {
    env.annotate({ level: 'warning', title: 'Modelship gate', message: `Training of pull request #${pullNumber} not started: ${result.reason}.` })
    return
  }
  if (!result.pull.fromFork) {
    env.info(`Pull request #${pullNumber} comes from this repository: its own pull_request run trains it; nothing to dispatch.`)
    return
  }
  const ref = event.repository?.default_branch
  if (!ref) throw new ModelshipError('the pull_request_target event names no default branch (repository.default_branch) to dispatch the training workflow on')
  await gh.octokit.rest.actions.createWorkflowDispatch({
    owner: gh.owner,
    repo: gh.repo,
    workflow_id: inputs.workflow,
    ref,
    inputs: { 'pull-request': String(pullNumber), 'head-sha': headSha },
  })
  env.setOutput('approved', 'true')
  env.setOutput('head-sha', headSha)
  env.setOutput('approver', result.approver)
  env.info(`Pull request #${pullNumber} at ${headSha}: '${label}' applied by ${result.approver} (${result.role}); dispatched ${inputs.workflow} on ${ref}.`)
  await env.summary(`## Modelship gate: training approved\n\nPull request #${pullNumber} at \`${headSha}\`, label \`${label}\` by @${result.approver} (${result.role}): dispatched \`${inputs.workflow}\` on \`${ref}\`.\n`)
}

async function verify(env: ActionEnv, inputs: Inputs): Promise<void> {
  requireEvent(env, 'verify', ['workflow_dispatch'])
  const pullNumber = required(inputs.pullRequest, 'pull-request', 'verify', "pull-request: ${{ inputs.pull-request }}")
  const headSha = required(inputs.headSha, 'head-sha', 'verify', "head-sha: ${{ inputs.head-sha }}")
  const gh = client(env, inputs.token)
  const result = await checkTrainingApproval({ ...gh, pullNumber, headSha, label: inputs.label })
  env.setOutput('pull-request', String(pullNumber))
  if (!result.approved) {
    env.setOutput('approved', 'false')
    throw new ModelshipError(`Not training pull request #${pullNumber} at ${headSha}: ${result.reason}.`)
  }
  env.setOutput('approved', 'true')
  env.setOutput('head-sha', result.pull.headSha)
  env.setOutput('base-sha', result.pull.baseSha)
  env.setOutput('approver', result.approver)
  env.info(`Pull request #${pullNumber} from ${result.pull.headRepository} at ${headSha}: '${inputs.label}' applied by ${result.approver} (${result.role}); training approved.`)
}

async function models(env: ActionEnv, inputs: Inputs): Promise<void> {
  const pullNumber = required(inputs.pullRequest, 'pull-request', 'changed-models', "pull-request: ${{ steps.pull.outputs.number }}")
  const gh = client(env, inputs.token)
  const { models, truncated } = await changedModels({ ...gh, pullNumber })
  if (truncated) {
    env.annotate({ level: 'warning', title: 'Modelship gate', message: `GitHub lists only the first 3,000 files of pull request #${pullNumber}: a model changed only in the others is not counted.` })
  }
  env.info(models.length === 0 ? `Pull request #${pullNumber} changes no file under models/.` : `Pull request #${pullNumber} changes: ${models.join(', ')}`)
  env.setOutput('pull-request', String(pullNumber))
  env.setOutput('models', models.join('\n'))
}

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(GateInputs, env)
  if (inputs.operation === 'approve') return approve(env, inputs)
  if (inputs.operation === 'verify') return verify(env, inputs)
  return models(env, inputs)
}
