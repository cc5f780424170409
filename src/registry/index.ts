/**
 * The model registry: versions and stages as GTO-style git tags, assets on releases, two backends
 * (GitHub, local) behind one contract. Each CLI command is one call:
 *
 * | command                                   | call |
 * | ----------------------------------------- | ---- |
 * | `modelship registry register <model>`     | `register({ model, commit, assetsDir, bump, backend })` |
 * | `modelship registry promote <ref> <stage>`| `promote({ ref, stage, backend, actor, policy })` |
 * | `modelship registry deregister <model@v>` | `deregister({ ref, backend, actor, policy, message })` |
 * | `modelship registry deprecate <model>`    | `deprecate({ model, backend, actor, policy, message })` |
 * | `modelship registry list`                 | `formatModelList(await listModels(backend))` |
 * | `modelship registry show <ref>`           | `formatVersionDetails(await showVersion(backend, ref))` |
 * | `modelship registry history <model>`      | `formatHistory(await modelHistory(backend, model))` |
 * | `modelship registry download <ref>`       | `download({ backend, ref, assets, dir })` |
 *
 * `openRegistry` picks the backend.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../errors.js'
import { readGitHubContext, type Environment } from '../github/context.js'
import type { GitHubLog } from '../github/octokit.js'
import type { ModelSpec } from '../spec/model-schema.js'
import type { RegistryBackend } from './backend.js'
import { GitHubRegistryBackend } from './github-backend.js'
import { LocalRegistryBackend } from './local-backend.js'
import type { StagePolicy } from './promote.js'

export type * from './backend.js'
export { REQUIRED_ASSETS } from './assets.js'
export { CHECKSUMS_ASSET, parseChecksums, renderChecksums } from './checksums.js'
export { download, type DownloadOptions, type DownloadResult } from './download.js'
export { formatHistory, formatModelList, formatTagFacts, formatVersionDetails, formatVersionTable } from './format.js'
export { GitHubRegistryBackend, type GitHubRegistryOptions } from './github-backend.js'
export type { Lineage, PromotionRecord, RunLink, WithdrawalRecord } from './lineage.js'
export { LocalRegistryBackend, type LocalRegistryOptions } from './local-backend.js'
export { stderrLog, type RegistryLog } from './log.js'
export {
  checkRef,
  listModels,
  listVersions,
  modelHistory,
  resolveVersion,
  showVersion,
  type HistoryEntry,
  type ModelSummary,
  type ResolvedVersion,
  type TagFacts,
  type VersionDetails,
  type VersionRow,
} from './lookup.js'
export { renderModelCard, type ModelCardInput } from './model-card.js'
export { assertRegistrationFinished, demote, promote, type DemoteOptions, type PromoteOptions, type PromoteResult, type RepositoryRole, type StagePolicy } from './promote.js'
export { buildReferenceProfile, renderReferenceProfile, type ReferenceProfile, type ReferenceProfileOptions } from './reference-profile.js'
export { nextVersion, register, type RegisterOptions, type RegisterResult } from './register.js'
export { SemVer, type VersionBump } from './semver.js'
export {
  deprecate,
  deregister,
  type DeprecateOptions,
  type DeprecateResult,
  type DeregisterOptions,
  type DeregisterResult,
  type StageFallback,
} from './withdraw.js'
export { DeprecationTag, ModelName, ModelRef, ModelTag, parseRegistryTag, StageTag, type RegistryTag } from './tags.js'

/** Options of `openRegistry`. */
export interface OpenRegistryOptions {
  /** `github`, `local`, or `auto` (default): GitHub when GITHUB_TOKEN and GITHUB_REPOSITORY are set, else local. */
  backend?: 'auto' | 'github' | 'local'
  /** The repository checkout (local backend: where tags live; GitHub: tags are fetched into it). Default cwd. */
  repoDir?: string
  /** Token input (actions); default GITHUB_TOKEN. */
  token?: string
  env?: Environment
  log?: GitHubLog
  /**
   * Least milliseconds between two GitHub writes; default `MODELSHIP_GITHUB_WRITE_INTERVAL_MS`, else
   * 1000 (GitHub's advice against secondary rate limits). A registration makes about 11 writes.
   */
  writeIntervalMs?: number
}

/**
 * The backend for a command or action. Under `act` without a token, and on a laptop, this is the
 * local backend (tags and, under `refs/modelship/releases`, release files in `repoDir`; drafts in
 * `repoDir/.modelship/registry`).
 */
export function openRegistry(options: OpenRegistryOptions = {}): RegistryBackend {
  const env = options.env ?? process.env
  const repoDir = options.repoDir ?? process.cwd()
  const choice = options.backend ?? 'auto'
  const hasGitHub = Boolean((options.token ?? env.GITHUB_TOKEN)?.trim() && env.GITHUB_REPOSITORY?.trim())
  if (choice === 'local' || (choice === 'auto' && !hasGitHub)) return new LocalRegistryBackend({ repoDir })
  if (choice !== 'github' && choice !== 'auto') {
    throw new UsageError(`registry backend '${String(choice)}' is not one of auto, github, local`)
  }
  const context = readGitHubContext({ token: options.token, env })
  const writeIntervalMs = options.writeIntervalMs ?? writeIntervalFrom(env)
  // Loaded on the first API call, not with the registry: see src/github/octokit.ts for the cost.
  const octokit = async () => {
    const { createOctokit } = await import('../github/octokit.js')
    return createOctokit({ token: context.token, baseUrl: context.apiUrl, log: options.log, env, writeIntervalMs })
  }
  const checkout = existsSync(join(repoDir, '.git')) ? repoDir : undefined
  return new GitHubRegistryBackend({ octokit, owner: context.owner, repo: context.repo, ...(checkout ? { checkout } : {}) })
}

function writeIntervalFrom(env: Environment): number | undefined {
  const text = env.MODELSHIP_GITHUB_WRITE_INTERVAL_MS?.trim()
  if (!text) return undefined
  const value = Number(text)
  if (!Number.isFinite(value) || value < 0) {
    throw new UsageError(`MODELSHIP_GITHUB_WRITE_INTERVAL_MS '${text}' is not a number of milliseconds; expected 0 or more, e.g. 1000`)
  }
  return value
}

/** Who may move which stage, from a spec: its deploy environments and `register` section. */
export function stagePolicy(spec: Pick<ModelSpec, 'deploy' | 'register'>, source?: string): StagePolicy {
  const stages = [...new Set([...spec.deploy.map((d) => d.environment), ...spec.register.protectedStages])]
  const requires = Object.fromEntries(spec.deploy.flatMap((d) => (d.requires ? [[d.environment, d.requires]] : [])))
  return { stages, protectedStages: spec.register.protectedStages, promoteRoles: spec.register.promoteRoles, requires, ...(source ? { source } : {}) }
}
