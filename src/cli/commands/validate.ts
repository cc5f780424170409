/**
 * `modelship validate [paths...]`: checks model specs and environment files, prints every problem
 * as `file:line:col path: message` and a verdict; with --changed-since also the models to train.
 * Exit 0 when valid, 1 when not.
 */
import { relative, sep } from 'node:path'
import { verdictLine } from '../../action/validation-summary.js'
import { validateRepository } from '../../spec/index.js'
import { allProblems } from '../../action/validation-summary.js'
import { defineCommand } from '../command.js'
import { resolveValidationTargets } from '../validation-targets.js'

/** The validate command. */
export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'check model specs and environment files; list the models changed since a ref',
  usage: '[paths...] [options]',
  description: [
    'Checks models/<name>/model.yaml and deploy/<environment>.yaml against the schema and against each',
    'other (metrics, features, data files, environments), and prints every problem at its file, line',
    'and column. Exits 0 when everything is valid, 1 when not, 2 on a usage error.',
  ].join('\n'),
  arguments: [
    {
      name: 'paths',
      description: 'a repository root (the folder holding models/), or files and folders inside one; default the current folder',
    },
  ],
  options: {
    format: { type: 'string', valueName: '<text|json>', choices: ['text', 'json'], default: 'text', description: 'output format' },
    'changed-since': {
      type: 'string',
      valueName: '<ref>',
      description: 'also list the models whose spec, data, training code or requirements changed since the merge base of <ref> and HEAD (uncommitted changes included)',
    },
  },
  examples: [
    'modelship validate',
    'modelship validate example-repo',
    'modelship validate models/churn/model.yaml --format json',
    'modelship validate --changed-since origin/main --format json',
  ],
  async run({ values, positionals }, io) {
    const target = await resolveValidationTargets(positionals, io.cwd)
    const report = await validateRepository(target.root, target.paths.length ? { paths: target.paths } : undefined)
    const changedSince = values['changed-since']
    // Only --changed-since diffs: git is loaded for it alone.
    const plan = changedSince === undefined ? undefined : await (await import('../../git/training-plan.js')).planTraining(report, changedSince)
    if (values.format === 'json') {
      io.out(`${JSON.stringify(plan ? { ...report, changedSince: plan.changedSince, matrix: plan.matrix } : report, null, 2)}\n`)
    } else {
      // A problem about the whole repository (file '.') is shown at the root, '.' when that is the current folder.
      const shown = (file: string) => relative(io.cwd, `${report.root}${sep}${file}`).split(sep).join('/') || '.'
      for (const problem of allProblems(report)) {
        const where = `${shown(problem.file)}:${problem.line}:${problem.column}`
        const label = problem.severity === 'warning' ? 'warning: ' : ''
        io.out(`${where} ${problem.path ? `${problem.path}: ` : ''}${label}${problem.message}\n`)
      }
      io.out(`${verdictLine(report)}\n`)
      if (plan) io.out(`models changed since ${plan.changedSince}: ${plan.models.join(', ') || 'none'}\n`)
    }
    return report.valid ? 0 : 1
  },
})
