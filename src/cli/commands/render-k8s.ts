/**
 * `modelship k8s render --environment NAME`: writes the KServe InferenceService of each model the
 * environment's desired state serves with `provider: kubernetes` into deploy/k8s/<environment>/,
 * for Argo CD or Flux to apply (src/deploy/kubernetes). `--check` writes nothing and fails when the
 * committed manifests differ from what the desired state renders, for a CI step.
 */
import { resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { defineCommand } from '../command.js'
import { findRepositoryRoot } from '../validation-targets.js'

const DEFAULT_SERVER_URL = 'https://github.com'

/** The k8s command. */
export const k8sCommand = defineCommand({
  name: 'k8s',
  summary: 'render KServe InferenceService manifests from an environment\'s desired state',
  usage: 'render --environment NAME [--repository OWNER/REPO] [--check] [options]',
  description: [
    'render: for each model in deploy/<environment>.yaml whose spec deploys it there with provider:',
    'kubernetes, writes deploy/k8s/<environment>/<name>.yaml, a KServe InferenceService (modelFormat onnx,',
    'protocol v2) whose storageUri is the model.onnx asset of the version\'s GitHub release. A canary',
    '(two versions sharing traffic) becomes canaryTrafficPercent on the newer version; replicas, CPU,',
    'memory and GPUs come from the spec\'s deploy[].kubernetes. Manifests of models that left the',
    'environment are deleted; files already right are left alone. The release repository is',
    '--repository, else GITHUB_REPOSITORY; the web root --server-url, else GITHUB_SERVER_URL, else',
    'https://github.com. With --check nothing is written and the exit code is 1 when a file would change.',
  ].join('\n'),
  arguments: [{ name: 'render', description: 'the subcommand' }],
  options: {
    environment: { type: 'string', short: 'e', valueName: '<name>', description: 'the environment, as in deploy/<name>.yaml' },
    repository: { type: 'string', valueName: '<owner/repo>', description: 'repository whose releases hold the versions; default GITHUB_REPOSITORY' },
    'server-url': { type: 'string', valueName: '<url>', description: 'GitHub web root; default GITHUB_SERVER_URL, else https://github.com' },
    path: {
      type: 'string',
      valueName: '<repo>',
      description: 'repository root holding models/ and deploy/; default the nearest folder at or above the current one that holds models/',
    },
    check: { type: 'boolean', description: 'write nothing; exit 1 when a manifest would be written or deleted' },
  },
  maxPositionals: 1,
  examples: [
    'modelship k8s render --environment production --repository acme/models',
    'modelship k8s render --environment staging --check',
  ],
  async run({ values, positionals }, io) {
    const [subcommand] = positionals
    if (subcommand !== 'render') {
      throw new UsageError(
        subcommand === undefined ? "missing the subcommand; use 'modelship k8s render --environment NAME'" : `unknown subcommand '${subcommand}'; the k8s command has one: render`,
      )
    }
    if (values.environment === undefined || values.environment.trim() === '') {
      throw new UsageError("missing --environment; name the environment whose desired state to render, e.g. '--environment production'")
    }
    const [{ parseRepository }, { renderKubernetes }] = await Promise.all([import('../../github/context.js'), import('../../deploy/kubernetes/index.js')])
    const repositoryText = values.repository ?? nonEmpty(process.env.GITHUB_REPOSITORY)
    if (repositoryText === undefined) {
      throw new UsageError(
        "no repository for the release URLs: pass --repository owner/repo (the repository whose releases hold the versions) or set GITHUB_REPOSITORY",
      )
    }
    const repository = parseRepository(repositoryText, values.repository !== undefined ? '--repository' : 'GITHUB_REPOSITORY')
    const serverUrl = (values['server-url'] ?? nonEmpty(process.env.GITHUB_SERVER_URL) ?? DEFAULT_SERVER_URL).replace(/\/+$/, '')
    if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(serverUrl)) {
      throw new UsageError(`--server-url '${serverUrl}' is not a web root; expected e.g. https://github.com or https://github.example.com`)
    }
    const root = values.path !== undefined ? resolve(io.cwd, values.path) : ((await findRepositoryRoot(io.cwd)) ?? resolve(io.cwd))
    const result = await renderKubernetes({
      root,
      environment: values.environment.trim(),
      release: { serverUrl, ...repository },
      dryRun: values.check === true,
    })
    const would = values.check === true
    for (const manifest of result.manifests) {
      const traffic = manifest.stableVersion ? `${manifest.version} ${manifest.canaryTrafficPercent}% (canary), ${manifest.stableVersion} the rest` : `${manifest.version} 100%`
      const status = manifest.status === 'unchanged' ? 'unchanged' : would ? 'out of date' : 'written'
      io.out(`${manifest.file}: ${status} (${manifest.model} ${traffic})\n`)
    }
    for (const file of result.removed) io.out(`${file}: ${would ? 'would be deleted' : 'deleted'} (its model is no longer in the environment)\n`)
    for (const skip of result.skipped) io.out(`skipped ${skip.model}: ${skip.reason}\n`)
    if (result.manifests.length === 0 && result.removed.length === 0) {
      io.out(`no model of environment '${values.environment.trim()}' is deployed with provider: kubernetes; nothing to render\n`)
    }
    const stale = result.manifests.filter((manifest) => manifest.status === 'written').length + result.removed.length
    if (would && stale > 0) {
      io.err(`${stale} manifest${stale === 1 ? ' is' : 's are'} out of date in ${result.dir}/; run modelship k8s render --environment ${values.environment.trim()} and commit the result\n`)
      return 1
    }
    return 0
  },
})

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
