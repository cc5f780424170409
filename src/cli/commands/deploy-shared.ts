/**
 * What the commands that change desired state (deploy, rollback, retire) share: the options that
 * say where the change is committed and pushed, and how each push result is told to the user.
 */
import { resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import type { CliIo, CliOption } from '../command.js'
import { findRepositoryRoot } from '../validation-targets.js'

/** `--path`, `--remote`, `--branch`, `--no-push`. */
export const PUSH_OPTIONS = {
  path: {
    type: 'string',
    valueName: '<repo>',
    description: 'repository root holding models/ and deploy/; default the nearest folder at or above the current one that holds models/',
  },
  remote: { type: 'string', valueName: '<name>', default: 'origin', description: 'git remote the desired state is pushed to' },
  branch: { type: 'string', valueName: '<name>', description: 'branch holding deploy/; default the branch checked out' },
  'no-push': { type: 'boolean', description: 'commit to the local branch only (no remote needed)' },
} as const satisfies Record<string, CliOption>

/** Parsed values of PUSH_OPTIONS. */
export interface PushValues {
  path?: string | undefined
  remote: string
  branch?: string | undefined
  'no-push'?: boolean | undefined
}

/** The repository root and push options from parsed values. */
export async function pushSettings(values: PushValues, io: CliIo): Promise<{ root: string; remote: string; branch?: string; push: boolean }> {
  const root = values.path !== undefined ? resolve(io.cwd, values.path) : ((await findRepositoryRoot(io.cwd)) ?? resolve(io.cwd))
  return { root, remote: values.remote, push: values['no-push'] !== true, ...(values.branch !== undefined ? { branch: values.branch } : {}) }
}

/** An environment name given by --environment, required. */
export function requireEnvironment(value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new UsageError('missing --environment: name the environment, e.g. --environment staging')
  return value
}

/** `--traffic N`: a percent above 0 and at most 100. */
export function parseTraffic(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const share = Number(value)
  if (value.trim() === '' || !Number.isFinite(share) || share <= 0 || share > 100) {
    throw new UsageError(`--traffic '${value}' is not a share of traffic; expected a percent above 0 and at most 100, e.g. --traffic 10`)
  }
  return share
}

/** A progress line on stderr. */
export function progress(io: CliIo): (line: string) => void {
  return (line) => io.err(`${line}\n`)
}
