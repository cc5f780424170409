/**
 * Deployments and deployment statuses. `auto_inactive` follows GitHub's documentation: a new
 * `success` status adds an `inactive` status to every prior deployment to the same environment that
 * is non-transient and non-production and whose latest status is `success`. Production deployments
 * are left alone, so a deploy to production must mark superseded ones `inactive` itself.
 */
import { ApiError, bodyOf, intParam, json, noContent, notFound, timestamp, type Handler, type HandlerContext } from '../http.js'
import { nodeId, simpleUser } from '../objects.js'
import { paginate } from '../pagination.js'
import type { DeploymentRecord, DeploymentStatusRecord, DoubleState } from '../state.js'
import type { Urls } from '../urls.js'

interface DeploymentBody {
  ref: string
  task: string
  payload: Record<string, unknown> | string
  environment: string
  description: string | null
  transient_environment: boolean
  production_environment: boolean
  auto_merge: boolean
  required_contexts: string[]
}

interface StatusBody {
  state: DeploymentStatusRecord['state']
  target_url: string
  log_url: string
  description: string
  environment: string
  environment_url: string
  auto_inactive: boolean
}

function renderDeployment(urls: Urls, state: DoubleState, deployment: DeploymentRecord): Record<string, unknown> {
  const url = `${urls.repoApi}/deployments/${deployment.id}`
  return {
    url,
    id: deployment.id,
    node_id: nodeId('DE', deployment.id),
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: deployment.payload,
    original_environment: deployment.originalEnvironment,
    environment: deployment.environment,
    description: deployment.description,
    creator: simpleUser(urls, state.user(deployment.creator)),
    created_at: deployment.createdAt,
    updated_at: deployment.updatedAt,
    statuses_url: `${url}/statuses`,
    repository_url: urls.repoApi,
    transient_environment: deployment.transient,
    production_environment: deployment.production,
  }
}

function renderStatus(urls: Urls, state: DoubleState, status: DeploymentStatusRecord): Record<string, unknown> {
  const deploymentUrl = `${urls.repoApi}/deployments/${status.deploymentId}`
  return {
    url: `${deploymentUrl}/statuses/${status.id}`,
    id: status.id,
    node_id: nodeId('DES', status.id),
    state: status.state,
    creator: simpleUser(urls, state.user(status.creator)),
    description: status.description,
    environment: status.environment,
    target_url: status.targetUrl,
    log_url: status.logUrl,
    environment_url: status.environmentUrl,
    created_at: status.createdAt,
    updated_at: status.updatedAt,
    deployment_url: deploymentUrl,
    repository_url: urls.repoApi,
  }
}

function findDeployment(state: DoubleState, id: number): DeploymentRecord {
  const deployment = state.deployments.get(id)
  if (deployment === undefined) throw notFound()
  return deployment
}

/** Statuses of a deployment, newest first. */
export function statusesOf(state: DoubleState, deploymentId: number): DeploymentStatusRecord[] {
  return [...state.deploymentStatuses.values()].filter((status) => status.deploymentId === deploymentId).sort((a, b) => b.id - a.id)
}

const createDeployment: Handler = async ({ state, request, urls, git }) => {
  const body = bodyOf<DeploymentBody>(request)
  const ref = body.ref as string
  const sha = await git.resolveCommit(ref)
  if (sha === undefined) throw new ApiError(422, `No ref found for: ${ref}`)
  const environment = body.environment ?? 'production'
  const now = timestamp()
  const deployment: DeploymentRecord = {
    id: state.nextId(),
    sha,
    ref,
    task: body.task ?? 'deploy',
    environment,
    originalEnvironment: environment,
    payload: body.payload ?? {},
    description: body.description ?? null,
    creator: request.login ?? 'github-actions[bot]',
    transient: body.transient_environment ?? false,
    production: body.production_environment ?? environment === 'production',
    createdAt: now,
    updatedAt: now,
  }
  state.deployments.set(deployment.id, deployment)
  return json(201, renderDeployment(urls, state, deployment))
}

function addStatus(context: HandlerContext, deployment: DeploymentRecord, body: Partial<StatusBody>): DeploymentStatusRecord {
  const { state, request } = context
  const now = timestamp()
  const logUrl = body.log_url ?? body.target_url ?? ''
  const status: DeploymentStatusRecord = {
    id: state.nextId(),
    deploymentId: deployment.id,
    state: body.state as DeploymentStatusRecord['state'],
    description: body.description ?? '',
    environment: body.environment ?? deployment.environment,
    targetUrl: logUrl,
    logUrl,
    environmentUrl: body.environment_url ?? '',
    creator: request.login ?? 'github-actions[bot]',
    createdAt: now,
    updatedAt: now,
  }
  state.deploymentStatuses.set(status.id, status)
  deployment.updatedAt = now
  return status
}

const createStatus: Handler = (context) => {
  const { state, request, urls } = context
  const deployment = findDeployment(state, intParam(request, 'deployment_id'))
  // description's 140-character limit is in the schema, so the server has checked it already.
  const body = bodyOf<StatusBody>(request)
  if (body.environment !== undefined) deployment.environment = body.environment
  const status = addStatus(context, deployment, body)
  if (status.state === 'success' && body.auto_inactive !== false) {
    for (const prior of state.deployments.values()) {
      if (prior.id >= deployment.id || prior.environment !== deployment.environment || prior.transient || prior.production) continue
      if (statusesOf(state, prior.id)[0]?.state === 'success') addStatus(context, prior, { state: 'inactive', description: '' })
    }
  }
  return json(201, renderStatus(urls, state, status), { location: `${urls.repoApi}/deployments/${deployment.id}/statuses/${status.id}` })
}

/**
 * The environments GitHub made on the first deployment to each name (as it does when a deployment
 * names an environment that does not exist), oldest first, with the first deployment's time.
 */
function environmentsOf(state: DoubleState): { name: string; id: number; createdAt: string; updatedAt: string }[] {
  const found = new Map<string, { name: string; id: number; createdAt: string; updatedAt: string }>()
  for (const deployment of [...state.deployments.values()].sort((a, b) => a.id - b.id)) {
    const known = found.get(deployment.environment)
    if (known === undefined) found.set(deployment.environment, { name: deployment.environment, id: deployment.id, createdAt: deployment.createdAt, updatedAt: deployment.updatedAt })
    else known.updatedAt = deployment.updatedAt
  }
  return [...found.values()]
}

function renderEnvironment(urls: Urls, environment: { name: string; id: number; createdAt: string; updatedAt: string }): Record<string, unknown> {
  return {
    id: environment.id,
    node_id: nodeId('EN', environment.id),
    name: environment.name,
    url: `${urls.repoApi}/environments/${encodeURIComponent(environment.name)}`,
    html_url: `${urls.repoWeb}/deployments/activity_log?environments_filter=${encodeURIComponent(environment.name)}`,
    created_at: environment.createdAt,
    updated_at: environment.updatedAt,
    protection_rules: [],
    deployment_branch_policy: null,
  }
}

/** Deployment operations by operationId. */
export const deploymentHandlers: Record<string, Handler> = {
  'repos/get-all-environments': ({ state, urls }) => {
    const environments = environmentsOf(state)
    return json(200, { total_count: environments.length, environments: environments.map((environment) => renderEnvironment(urls, environment)) })
  },
  'repos/get-environment': ({ state, request, urls }) => {
    const environment = environmentsOf(state).find((candidate) => candidate.name === request.params.environment_name)
    if (environment === undefined) throw notFound()
    return json(200, renderEnvironment(urls, environment))
  },
  'repos/create-deployment': createDeployment,
  'repos/list-deployments': ({ state, request, urls }) => {
    const filters = ['sha', 'ref', 'task', 'environment'] as const
    const deployments = [...state.deployments.values()]
      .filter((deployment) => filters.every((name) => request.query.get(name) === null || request.query.get(name) === deployment[name]))
      .sort((a, b) => b.id - a.id)
    return paginate(request, urls.api, deployments, (deployment) => renderDeployment(urls, state, deployment))
  },
  'repos/get-deployment': ({ state, request, urls }) => json(200, renderDeployment(urls, state, findDeployment(state, intParam(request, 'deployment_id')))),
  'repos/delete-deployment': ({ state, request }) => {
    const deployment = findDeployment(state, intParam(request, 'deployment_id'))
    const active = statusesOf(state, deployment.id)[0]?.state === 'success'
    if (state.deployments.size > 1 && active) {
      throw new ApiError(422, 'We cannot delete an active deployment unless it is the only deployment in a given environment.')
    }
    for (const status of statusesOf(state, deployment.id)) state.deploymentStatuses.delete(status.id)
    state.deployments.delete(deployment.id)
    return noContent()
  },
  'repos/create-deployment-status': createStatus,
  'repos/list-deployment-statuses': ({ state, request, urls }) => {
    const deployment = findDeployment(state, intParam(request, 'deployment_id'))
    return paginate(request, urls.api, statusesOf(state, deployment.id), (status) => renderStatus(urls, state, status))
  },
  'repos/get-deployment-status': ({ state, request, urls }) => {
    const deployment = findDeployment(state, intParam(request, 'deployment_id'))
    const status = state.deploymentStatuses.get(intParam(request, 'status_id'))
    if (status === undefined || status.deploymentId !== deployment.id) throw notFound()
    return json(200, renderStatus(urls, state, status))
  },
}
