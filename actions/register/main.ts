/**
 * actions/register: registers a trained, evaluated model as its next version (a GitHub release with
 * its assets and an annotated tag), idempotently: a rerun at the same commit finishes or leaves
 * what is there, uploading again what a published release lost. Outputs the version, tag, release
 * URL and status; the job summary lists the assets.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve, sep } from 'node:path'
import * as z from 'zod/mini'
import { createActionEnv, type ActionEnv } from '../../src/action/env.js'
import { readInputs } from '../../src/action/inputs.js'
import { actionRegistry, actionRegistryLog } from '../../src/action/registry.js'
import { isUserError } from '../../src/errors.js'
import { findModelSpec } from '../../src/evaluate/find-spec.js'
import { readEventPayload, readRepository, readRunUrl } from '../../src/github/context.js'
import { assembleAssets } from '../../src/registry/assemble.js'
import { git } from '../../src/git/command.js'
import { register } from '../../src/registry/register.js'
import { releaseAssetFacts, releaseUrl } from '../../src/registry/release-facts.js'
import type { VersionBump } from '../../src/registry/semver.js'
import { bumpFromLabels, mergedPullRequest, pullRequestLabels } from './bump.js'
import { renderRegisterSummary } from './summary.js'

/** Inputs of action.yml, camelCase. */
export const RegisterInputs = z.object({
  model: z.string({ error: 'is required: the model name, as in models/<name>/model.yaml' }),
  path: z._default(z.string(), '.'),
  runDir: z.string({ error: "is required: the training run folder holding model.onnx and run.json (actions/train's output-dir)" }),
  evaluation: z.string({ error: "is required: the run's evaluation.json (actions/evaluate's evaluation output)" }),
  bump: z.optional(z.enum(['patch', 'minor', 'major'], { error: "expected 'patch', 'minor' or 'major' (or empty: from a release:* label, else the spec)" })),
  token: z.optional(z.string()),
})

/** Runs the action against `env` (the real runner by default). */
export async function run(env: ActionEnv = createActionEnv()): Promise<void> {
  const inputs = readInputs(RegisterInputs, env)
  const root = resolve(env.workspace, inputs.path)
  const show = (path: string) => relative(env.workspace, path).split(sep).join('/') || '.'
  const { file, spec } = await findModelSpec(root, inputs.model)
  const { backend, token } = actionRegistry(env, root, inputs.token)
  const log = actionRegistryLog(env)
  const bump = await chooseBump(env, inputs.bump, spec.register.bump, token)
  const commit = env.vars.GITHUB_SHA?.trim() || (await git(['rev-parse', 'HEAD'], { cwd: root })).trim()

  const workDir = await mkdtemp(join(env.vars.RUNNER_TEMP || tmpdir(), 'modelship-register-'))
  try {
    const assembled = await env.group(`Assemble the assets of ${spec.name}`, () =>
      assembleAssets({
        repoRoot: root,
        specFile: file,
        spec,
        runDir: resolve(env.workspace, inputs.runDir),
        evaluationFile: resolve(env.workspace, inputs.evaluation),
        outDir: workDir,
        showPath: show,
      }),
    )
    const runUrl = readRunUrl(env.vars)
    const actor = env.vars.GITHUB_ACTOR?.trim()
    const result = await env.group(`Register ${spec.name} (${bump.value} bump, ${bump.source}) in ${backend.description}`, () =>
      register({
        model: spec.name,
        commit,
        assetsDir: assembled.dir,
        bump: bump.value,
        backend,
        ...(actor ? { actor } : {}),
        ...(runUrl ? { run: { url: runUrl, ...(env.vars.GITHUB_WORKFLOW ? { workflow: env.vars.GITHUB_WORKFLOW } : {}) } } : {}),
        ...(assembled.sweep ? { sweep: assembled.sweep } : {}),
        log,
      }),
    )
    const url = releaseUrl(backend, result.tag, env.vars)
    env.setOutput('version', result.version.toString())
    env.setOutput('tag', result.tag)
    env.setOutput('release-url', url)
    env.setOutput('status', result.status)
    const repaired = result.repaired.length > 0 ? ` (uploaded again: ${result.repaired.join(', ')})` : ''
    env.info(`${spec.name}: ${result.status} ${result.tag} at ${result.commit.slice(0, 7)}${repaired}; ${url}`)
    const release = result.release ?? (await backend.getRelease(result.tag))
    let assets: Awaited<ReturnType<typeof releaseAssetFacts>> = []
    try {
      if (release && !release.draft) assets = await releaseAssetFacts(backend, release)
    } catch (error) {
      // The summary is best effort: the version is registered whatever happens here.
      if (!isUserError(error)) throw error
      env.annotate({ level: 'warning', title: 'Modelship register', message: `could not list the assets of ${result.tag} for the summary: ${error.message}` })
    }
    // A repair uploads assets of a version published earlier: no bump was applied, and the summary says what came back.
    const repairNote = repaired ? `Repaired: ${result.repaired.map((name) => `\`${name}\``).join(', ')} uploaded again (missing or broken on the published release; checked against the sha256s its version tag recorded).\n` : ''
    await env.summary(
      renderRegisterSummary({
        status: result.status,
        tag: result.tag,
        commit: result.commit,
        registry: backend.description,
        releaseUrl: url,
        bump: result.status === 'unchanged' || repaired ? undefined : `${bump.value} bump (${bump.source})`,
        assets,
      }) + repairNote,
    )
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

/** The bump input, else a release:* label of the pull request, else the spec; with where it came from. */
async function chooseBump(
  env: ActionEnv,
  input: VersionBump | undefined,
  fromSpec: VersionBump,
  token: string | undefined,
): Promise<{ value: VersionBump; source: string }> {
  if (input) return { value: input, source: 'bump input' }
  const payload = readEventPayload(env.vars)
  let labels = pullRequestLabels(payload)
  const merged = labels === undefined ? mergedPullRequest(payload) : undefined
  if (merged !== undefined && token) {
    try {
      // Loaded only for this one call: @actions/github builds its proxy agent as it loads.
      const { createOctokit } = await import('../../src/github/octokit.js')
      const octokit = createOctokit({ token, env: env.vars })
      const { owner, repo } = readRepository(env.vars)
      const { data } = await octokit.rest.issues.listLabelsOnIssue({ owner, repo, issue_number: merged, per_page: 100 })
      labels = data.map((label) => label.name)
    } catch (error) {
      if (!isUserError(error)) throw error
      env.annotate({
        level: 'warning',
        title: 'Modelship register',
        message: `could not read the labels of pull request #${merged} (${error.message}); using the spec's register.bump '${fromSpec}'`,
      })
    }
  }
  const fromLabel = bumpFromLabels(labels ?? [])
  if (fromLabel) return { value: fromLabel, source: `label release:${fromLabel}${merged !== undefined ? ` on pull request #${merged}` : ''}` }
  return { value: fromSpec, source: 'register.bump of the spec' }
}
