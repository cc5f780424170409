/**
 * `modelship rollback --environment NAME [--model M] [--to vX.Y.Z]`: a new commit to
 * deploy/<environment>.yaml restoring the model's previous state (from the file's git history) or
 * giving a named version all of its traffic.
 */
import { defineCommand } from '../command.js'
import { progress, pushSettings, PUSH_OPTIONS, requireEnvironment } from './deploy-shared.js'

/** The rollback command. */
export const rollbackCommand = defineCommand({
  name: 'rollback',
  summary: "roll a model back in an environment (a commit restoring its previous desired state)",
  usage: '--environment <name> [--model M] [--to vX.Y.Z] [--reason TEXT]',
  description: [
    "Finds the model's state before its last change in the git history of deploy/<environment>.yaml and",
    'commits it again (with --to, the named registered version takes all of the traffic instead), with',
    'the reason and workflow run in the message, and pushes it as deploy does (races are planned again,',
    'a protected branch gets a branch for a pull request). Without --model the model is the one the',
    "environment serves, or the one its last change was about. `requires` is not checked: a rollback",
    'goes back to what served before. A state that is already the target is a no-op.',
  ].join('\n'),
  options: {
    environment: { type: 'string', valueName: '<name>', description: 'environment to roll back (deploy/<name>.yaml)' },
    model: { type: 'string', valueName: '<model>', description: 'model to roll back; default the only one served, or the one the last change named' },
    to: { type: 'string', valueName: '<vX.Y.Z>', description: 'a registered version to give all of the traffic to, instead of the previous state' },
    reason: { type: 'string', valueName: '<text>', description: 'why, recorded in the commit message (the audit trail)' },
    backend: { type: 'string', valueName: '<auto|local|github>', choices: ['auto', 'local', 'github'], default: 'auto', description: 'where the registry lives' },
    ...PUSH_OPTIONS,
  },
  maxPositionals: 0,
  examples: ['modelship rollback --environment production --reason "p99 doubled"', 'modelship rollback --environment production --model churn --to v1.2.0'],
  async run({ values }, io) {
    const environment = requireEnvironment(values.environment)
    const settings = await pushSettings(values, io)
    const [{ rollback, pushProposal }, { openRegistry }] = await Promise.all([import('../../deploy/index.js'), import('../../registry/index.js')])
    const backend = openRegistry({ backend: values.backend as 'auto' | 'local' | 'github', repoDir: settings.root })
    const result = await rollback({
      ...settings,
      environment,
      backend,
      log: progress(io),
      ...(values.model !== undefined ? { model: values.model } : {}),
      ...(values.to !== undefined ? { to: values.to } : {}),
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
    })
    const summary = result.plan ? (result.plan.after.length === 0 ? `${result.model} taken out` : result.plan.summary) : ''
    switch (result.status) {
      case 'unchanged':
        io.out(`${environment} already serves ${result.model} as asked; nothing to do\n`)
        return 0
      case 'committed':
        io.out(`${environment}: ${summary} (commit ${result.commit.slice(0, 12)} on ${result.branch}, not pushed)\n`)
        return 0
      case 'pushed':
        io.out(`${environment}: ${summary} (commit ${result.commit.slice(0, 12)} pushed to ${result.remote}/${result.branch})\n`)
        return 0
      case 'protected': {
        const branch = await pushProposal({ root: settings.root, result })
        io.err(`modelship rollback: ${result.remote} refused the push to ${result.branch} as protected (${result.reason}); the change is on branch ${branch}: open a pull request from it into ${result.branch}\n`)
        return 1
      }
    }
  },
})
