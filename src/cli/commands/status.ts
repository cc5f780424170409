/**
 * `modelship status --environment NAME [--server URL]`: the desired state of an environment, what a
 * running server reports beside it, and the last changes from git log.
 */
import { resolve } from 'node:path'
import { defineCommand } from '../command.js'
import { findRepositoryRoot } from '../validation-targets.js'
import { requireEnvironment } from './deploy-shared.js'

/** The status command. */
export const statusCommand = defineCommand({
  name: 'status',
  summary: 'desired state of an environment beside what its server reports, and the last deploys',
  usage: '--environment <name> [--server URL] [--json]',
  description: [
    'Prints deploy/<environment>.yaml (the versions and traffic shares git says should serve) and, with a',
    "server (--server, or MODELSHIP_SERVER_URL), what that server reports: loaded versions, their share",
    'of traffic, readiness, requests, error rate (5xx) and p99 (from GET /v2/models/... and /metrics;',
    'MODELSHIP_SERVER_TOKEN is sent as a bearer token when set). A reconciling server (serve --environment)',
    'is read from GET /v2/deploy/status instead: also its phase, the rollout under way, each version\'s role',
    '(serving, canary, standby) and health, and its recent failures with their reasons. Then the last changes of the file from',
    'git log: who, when, what, why and which workflow run. A server that cannot be reached is reported',
    'as unreachable (exit 1), never as "not deployed".',
  ].join('\n'),
  options: {
    environment: { type: 'string', valueName: '<name>', description: 'environment to show (deploy/<name>.yaml)' },
    server: { type: 'string', valueName: '<url>', description: 'base URL of a server following the environment; default MODELSHIP_SERVER_URL' },
    changes: { type: 'string', valueName: '<n>', default: '10', description: 'how many changes of git log to show' },
    json: { type: 'boolean', description: 'print JSON instead of text' },
    path: {
      type: 'string',
      valueName: '<repo>',
      description: 'repository root holding deploy/; default the nearest folder at or above the current one that holds models/',
    },
  },
  maxPositionals: 0,
  examples: ['modelship status --environment production', 'modelship status --environment staging --server http://127.0.0.1:8080'],
  async run({ values }, io) {
    const { UsageError } = await import('../../errors.js')
    const environment = requireEnvironment(values.environment)
    const changes = Number(values.changes)
    if (!Number.isInteger(changes) || changes < 0) throw new UsageError(`--changes '${values.changes}' is not a count; expected a whole number, e.g. --changes 10`)
    const server = values.server ?? (process.env.MODELSHIP_SERVER_URL?.trim() || undefined)
    if (server !== undefined && !/^https?:\/\/[^/]/.test(server)) throw new UsageError(`--server '${server}' is not an http(s) URL; expected e.g. http://127.0.0.1:8080`)
    const root = values.path !== undefined ? resolve(io.cwd, values.path) : ((await findRepositoryRoot(io.cwd)) ?? resolve(io.cwd))
    const { environmentStatus, formatStatus } = await import('../../deploy/index.js')
    const token = process.env.MODELSHIP_SERVER_TOKEN?.trim()
    const status = await environmentStatus({ root, environment, changes, ...(server !== undefined ? { server } : {}), ...(token ? { token } : {}) })
    io.out(values.json === true ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status))
    return status.server && !status.server.reachable ? 1 : 0
  },
})
