/**
 * `modelship deploy <model>@<version>|<model>#<stage> --environment NAME`: commits the new desired
 * state of the environment (deploy/<environment>.yaml) and pushes it; a reconciler makes it real.
 */
import { defineCommand } from '../command.js'
import { parseTraffic, progress, pushSettings, PUSH_OPTIONS, requireEnvironment } from './deploy-shared.js'

/** The deploy command. */
export const deployCommand = defineCommand({
  name: 'deploy',
  summary: "deploy a registered version to an environment (a commit to deploy/<environment>.yaml)",
  usage: '<model>@<version>|<model>#<stage> --environment <name> [--traffic N] [--reason TEXT]',
  description: [
    "Resolves the version through the registry (it must exist and its registration be finished), checks",
    "the model's spec deploys to the environment and, where its deploy entry `requires` another",
    'environment, that the version is live there, then writes the new desired state: the version gets',
    "--traffic percent of the model's requests (default the spec's canary.traffic, else 100) and the",
    'version serving most of the rest keeps the remainder. The change is committed with the model,',
    'version, environment, reason and workflow run (GITHUB_RUN_ID) in its message, and pushed. A push',
    'that races another is fetched and planned again on the new state; a push the remote refuses as',
    'protected goes to a branch of its own for a pull request instead (exit 1). Deploying what the',
    'desired state already says is a no-op.',
  ].join('\n'),
  arguments: [{ name: 'ref', description: 'model@vX.Y.Z, model@latest or model#<stage>' }],
  options: {
    environment: { type: 'string', valueName: '<name>', description: 'environment to deploy to (deploy/<name>.yaml)' },
    traffic: { type: 'string', valueName: '<percent>', description: "share of the model's traffic for this version; default the spec's canary.traffic, else 100" },
    reason: { type: 'string', valueName: '<text>', description: 'why, recorded in the commit message (the audit trail)' },
    backend: { type: 'string', valueName: '<auto|local|github>', choices: ['auto', 'local', 'github'], default: 'auto', description: 'where the registry lives' },
    ...PUSH_OPTIONS,
  },
  maxPositionals: 1,
  examples: [
    'modelship deploy churn@v1.3.0 --environment staging --reason "weekly retrain"',
    'modelship deploy churn#staging --environment production --traffic 25',
    'modelship deploy churn@latest --environment staging --no-push',
  ],
  async run({ values, positionals }, io) {
    const { UsageError } = await import('../../errors.js')
    const ref = positionals[0]
    if (ref === undefined) throw new UsageError('missing the version to deploy: <model>@<version> or <model>#<stage>, e.g. churn@v1.3.0')
    const environment = requireEnvironment(values.environment)
    const traffic = parseTraffic(values.traffic)
    const settings = await pushSettings(values, io)
    const [{ deploy, pushProposal }, { openRegistry }] = await Promise.all([import('../../deploy/index.js'), import('../../registry/index.js')])
    const backend = openRegistry({ backend: values.backend as 'auto' | 'local' | 'github', repoDir: settings.root })
    const result = await deploy({
      ...settings,
      ref,
      environment,
      backend,
      log: progress(io),
      ...(traffic !== undefined ? { traffic } : {}),
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
    })
    const what = `${result.model} ${result.version}`
    switch (result.status) {
      case 'unchanged':
        io.out(`${environment} already serves ${what} at ${result.share}%; nothing to do\n`)
        return 0
      case 'committed':
        io.out(`${environment}: ${result.plan!.summary} (commit ${result.commit.slice(0, 12)} on ${result.branch}, not pushed)\n`)
        return 0
      case 'pushed':
        io.out(`${environment}: ${result.plan!.summary} (commit ${result.commit.slice(0, 12)} pushed to ${result.remote}/${result.branch})\n`)
        return 0
      case 'protected': {
        const branch = await pushProposal({ root: settings.root, result })
        io.err(
          `modelship deploy: ${result.remote} refused the push to ${result.branch} as protected (${result.reason}); ` +
            `the change is on branch ${branch}: open a pull request from it into ${result.branch}\n`,
        )
        return 1
      }
    }
  },
})
