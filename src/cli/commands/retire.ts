/**
 * `modelship retire <model>`: takes the model out of every environment's desired state (one commit)
 * and deprecates it in the registry, keeping its versions and releases.
 */
import { defineCommand } from '../command.js'
import { progress, pushSettings, PUSH_OPTIONS } from './deploy-shared.js'

/** The retire command. */
export const retireCommand = defineCommand({
  name: 'retire',
  summary: 'decommission a model: out of every environment (one commit), deprecated in the registry',
  usage: '<model> [--reason TEXT]',
  description: [
    "Takes the model out of every deploy/<environment>.yaml in one commit (pushed as deploy pushes),",
    "then deprecates it in the registry (GTO's <model>@deprecated#N tag; with the local registry the tag",
    'is pushed too). Its versions, releases and assets stay. When the push is refused as protected, the',
    'change goes to a branch for a pull request and nothing is deprecated yet: run retire again after',
    'the merge. A model already out everywhere and deprecated is a no-op.',
  ].join('\n'),
  arguments: [{ name: 'model', description: "a model name as in models/<name>/model.yaml ('dir:name' for models/dir/name/)" }],
  options: {
    reason: { type: 'string', valueName: '<text>', description: 'why, recorded in the commit message and the deprecation tag' },
    backend: { type: 'string', valueName: '<auto|local|github>', choices: ['auto', 'local', 'github'], default: 'auto', description: 'where the registry lives' },
    ...PUSH_OPTIONS,
  },
  maxPositionals: 1,
  examples: ['modelship retire house-prices --reason "replaced by valuation"'],
  async run({ values, positionals }, io) {
    const { UsageError } = await import('../../errors.js')
    const model = positionals[0]
    if (model === undefined) throw new UsageError('missing the model to retire, e.g. modelship retire churn')
    const settings = await pushSettings(values, io)
    const [{ retire, pushProposal }, { openRegistry }] = await Promise.all([import('../../deploy/index.js'), import('../../registry/index.js')])
    const backend = openRegistry({ backend: values.backend as 'auto' | 'local' | 'github', repoDir: settings.root })
    const actor = process.env.GITHUB_ACTOR?.trim()
    const result = await retire({
      ...settings,
      model,
      backend,
      log: progress(io),
      ...(actor ? { actor } : {}),
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
    })
    if (result.status === 'protected') {
      const branch = await pushProposal({ root: settings.root, result })
      io.err(
        `modelship retire: ${result.remote} refused the push to ${result.branch} as protected (${result.reason}); the change is on branch ${branch}: ` +
          `open a pull request from it, and run modelship retire ${model} again after the merge to deprecate it\n`,
      )
      return 1
    }
    const where = result.environments.length > 0 ? `taken out of ${result.environments.join(', ')}` : 'in no environment'
    const commit = result.status === 'unchanged' ? '' : ` (commit ${result.commit.slice(0, 12)}${result.status === 'pushed' ? ` pushed to ${result.remote}/${result.branch}` : ', not pushed'})`
    const deprecation = result.deprecation!
    io.out(
      `${result.model}: ${where}${commit}; ` +
        (deprecation.status === 'deprecated' ? `deprecated (tag ${deprecation.tag})` : `already deprecated (tag ${deprecation.tag})`) +
        '; its versions and releases stay\n',
    )
    return 0
  },
})
