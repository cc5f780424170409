/**
 * GitHub Actions workflows and runs. A workflow is known when its file exists under
 * `.github/workflows/` on the default branch of the bare repository, or when a test added it with
 * `double.addWorkflow`. A dispatch is checked as GitHub checks it (the ref exists, the file has a
 * `workflow_dispatch` trigger, inputs are declared and required ones given), recorded in
 * `state.dispatches`, and creates a queued run.
 */
import { parse } from 'yaml'
import type { GitStore } from '../git-store.js'
import { ApiError, bodyOf, json, notFound, timestamp, type Handler, type HandlerContext } from '../http.js'
import { minimalRepository, nodeId, simpleUser } from '../objects.js'
import { paginateWrapped } from '../pagination.js'
import type { DoubleState, WorkflowRecord, WorkflowRunRecord } from '../state.js'
import type { Urls } from '../urls.js'

/** Declared `workflow_dispatch` inputs by name, or undefined when the workflow has no such trigger. */
type DispatchInputs = Record<string, { required: boolean }> | undefined

/** Reads `on.workflow_dispatch.inputs` from a workflow file's text. */
export function dispatchInputs(text: string): DispatchInputs {
  let document: unknown
  try {
    document = parse(text)
  } catch {
    return undefined
  }
  const on = (document as { on?: unknown } | null)?.on ?? (document as Record<string, unknown> | null)?.['true']
  if (on === 'workflow_dispatch') return {}
  if (Array.isArray(on)) return on.includes('workflow_dispatch') ? {} : undefined
  if (typeof on !== 'object' || on === null || !('workflow_dispatch' in on)) return undefined
  const trigger = (on as Record<string, unknown>).workflow_dispatch as { inputs?: Record<string, { required?: boolean }> } | null
  const inputs = trigger?.inputs ?? {}
  return Object.fromEntries(Object.entries(inputs).map(([name, spec]) => [name, { required: spec?.required === true }]))
}

async function readWorkflowFile(git: GitStore, ref: string, path: string): Promise<string | undefined> {
  try {
    return await git.git(['show', `${ref}:${path}`])
  } catch {
    return undefined
  }
}

/** The workflow an id or file name names, registering files found on the default branch. */
async function findWorkflow(context: HandlerContext, idOrFile: string): Promise<WorkflowRecord> {
  const { state, git } = context
  if (/^\d+$/.test(idOrFile)) {
    const found = state.workflows.get(Number(idOrFile))
    if (found === undefined) throw notFound()
    return found
  }
  const path = idOrFile.includes('/') ? idOrFile : `.github/workflows/${idOrFile}`
  const known = [...state.workflows.values()].find((workflow) => workflow.path === path)
  if (known !== undefined) return known
  const text = await readWorkflowFile(git, `refs/heads/${state.defaultBranch}`, path)
  if (text === undefined) throw notFound()
  const name = (parse(text) as { name?: unknown } | null)?.name
  return registerWorkflow(state, path, typeof name === 'string' ? name : path)
}

/** Adds a workflow record (what `double.addWorkflow` does). */
export function registerWorkflow(state: DoubleState, path: string, name: string): WorkflowRecord {
  const now = timestamp()
  const workflow: WorkflowRecord = { id: state.nextId(), name, path, state: 'active', createdAt: now, updatedAt: now }
  state.workflows.set(workflow.id, workflow)
  return workflow
}

function renderWorkflow(urls: Urls, workflow: WorkflowRecord): Record<string, unknown> {
  return {
    id: workflow.id,
    node_id: nodeId('W', workflow.id),
    name: workflow.name,
    path: workflow.path,
    state: workflow.state,
    created_at: workflow.createdAt,
    updated_at: workflow.updatedAt,
    url: `${urls.repoApi}/actions/workflows/${workflow.id}`,
    html_url: `${urls.repoWeb}/blob/HEAD/${workflow.path}`,
    badge_url: `${urls.repoWeb}/workflows/${encodeURIComponent(workflow.name)}/badge.svg`,
  }
}

async function renderRun(context: HandlerContext, run: WorkflowRunRecord): Promise<Record<string, unknown>> {
  const { urls, state, git } = context
  const workflow = state.workflows.get(run.workflowId)
  const url = `${urls.repoApi}/actions/runs/${run.id}`
  const commit = await git.readCommit(run.headSha)
  const repo = minimalRepository(urls, state)
  const actor = simpleUser(urls, state.user(run.actor))
  return {
    id: run.id,
    name: workflow?.name ?? 'workflow',
    node_id: nodeId('WFR', run.id),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: workflow?.path ?? '',
    display_title: run.displayTitle,
    run_number: run.runNumber,
    run_attempt: 1,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowId,
    check_suite_id: run.id + 1,
    url,
    html_url: `${urls.repoWeb}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    run_started_at: run.createdAt,
    actor,
    triggering_actor: actor,
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${urls.repoApi}/check-suites/${run.id + 1}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${urls.repoApi}/actions/workflows/${run.workflowId}`,
    head_commit: {
      id: commit.sha,
      tree_id: commit.tree,
      message: commit.message.replace(/\n$/, ''),
      timestamp: commit.committer.date,
      author: { name: commit.author.name, email: commit.author.email },
      committer: { name: commit.committer.name, email: commit.committer.email },
    },
    repository: repo,
    head_repository: repo,
  }
}

const dispatch: Handler = async (context) => {
  const { state, request, git, urls } = context
  const workflow = await findWorkflow(context, request.params.workflow_id as string)
  const body = bodyOf<{ ref: string; inputs: Record<string, unknown>; return_run_details: boolean }>(request)
  const ref = body.ref as string
  const refName = ref.replace(/^refs\/(heads|tags)\//, '')
  const sha = await git.resolveCommit(ref.startsWith('refs/') ? ref : refName)
  if (sha === undefined) throw new ApiError(422, `No ref found for: ${ref}`)
  const inputs = body.inputs ?? {}
  const text = await readWorkflowFile(git, sha, workflow.path)
  if (text !== undefined) {
    const declared = dispatchInputs(text)
    if (declared === undefined) throw new ApiError(422, "Workflow does not have 'workflow_dispatch' trigger")
    const unexpected = Object.keys(inputs).filter((name) => !(name in declared))
    if (unexpected.length > 0) throw new ApiError(422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`)
    const missing = Object.entries(declared).find(([name, spec]) => spec.required && inputs[name] === undefined)
    if (missing !== undefined) throw new ApiError(422, `Required input '${missing[0]}' not provided`)
  }
  const now = timestamp()
  const run: WorkflowRunRecord = {
    id: state.nextId(),
    workflowId: workflow.id,
    runNumber: [...state.workflowRuns.values()].filter((other) => other.workflowId === workflow.id).length + 1,
    event: 'workflow_dispatch',
    status: 'queued',
    conclusion: null,
    headBranch: refName,
    headSha: sha,
    actor: request.login ?? 'github-actions[bot]',
    displayTitle: workflow.name,
    inputs,
    createdAt: now,
    updatedAt: now,
  }
  state.workflowRuns.set(run.id, run)
  state.dispatches.push({ workflowId: workflow.id, workflowPath: workflow.path, ref, inputs, runId: run.id, actor: run.actor })
  if (body.return_run_details === true) {
    return json(200, { workflow_run_id: run.id, run_url: `${urls.repoApi}/actions/runs/${run.id}`, html_url: `${urls.repoWeb}/actions/runs/${run.id}` })
  }
  return { status: 204 }
}

async function listRuns(context: HandlerContext, workflowId: number | undefined) {
  const { state, request, urls } = context
  const query = request.query
  const runs = [...state.workflowRuns.values()]
    .filter((run) => workflowId === undefined || run.workflowId === workflowId)
    .filter((run) => query.get('actor') === null || run.actor === query.get('actor'))
    .filter((run) => query.get('branch') === null || run.headBranch === query.get('branch'))
    .filter((run) => query.get('event') === null || run.event === query.get('event'))
    .filter((run) => query.get('status') === null || run.status === query.get('status') || run.conclusion === query.get('status'))
    .filter((run) => query.get('head_sha') === null || run.headSha === query.get('head_sha'))
    .sort((a, b) => b.id - a.id)
  const rendered = await Promise.all(runs.map((run) => renderRun(context, run)))
  return paginateWrapped(request, urls.api, rendered, (slice, total) => ({ total_count: total, workflow_runs: slice }))
}

/** Actions operations by operationId. */
export const actionHandlers: Record<string, Handler> = {
  'actions/create-workflow-dispatch': dispatch,
  'actions/get-workflow': async (context) => json(200, renderWorkflow(context.urls, await findWorkflow(context, context.request.params.workflow_id as string))),
  'actions/list-repo-workflows': async (context) => {
    const { state, request, urls, git } = context
    const files = await git.git(['ls-tree', '--name-only', `refs/heads/${state.defaultBranch}`, '.github/workflows/']).catch(() => '')
    for (const path of files.split('\n').filter((line) => /\.ya?ml$/.test(line))) await findWorkflow(context, path)
    const workflows = [...state.workflows.values()].sort((a, b) => a.id - b.id)
    return paginateWrapped(request, urls.api, workflows, (slice, total) => ({ total_count: total, workflows: slice.map((w) => renderWorkflow(urls, w)) }))
  },
  'actions/list-workflow-runs': async (context) => listRuns(context, (await findWorkflow(context, context.request.params.workflow_id as string)).id),
  'actions/list-workflow-runs-for-repo': (context) => listRuns(context, undefined),
  'actions/get-workflow-run': async (context) => {
    const run = context.state.workflowRuns.get(Number(context.request.params.run_id))
    if (run === undefined) throw notFound()
    return json(200, await renderRun(context, run))
  },
}
