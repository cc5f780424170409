/**
 * `modelship init --data <file> --target <column>`: reads the data, infers the task and features,
 * and writes a model spec, training scripts, desired-state files, caller workflows and .gitignore
 * lines; refuses to overwrite; --dry-run prints the plan only.
 */
import { planInit, writePlan } from '../../init/index.js'
import { UsageError } from '../../errors.js'
import { defineCommand } from '../command.js'

/** The init command. */
export const initCommand = defineCommand({
  name: 'init',
  summary: 'scaffold a model spec, training scripts, deploy files and workflows from a data file',
  usage: '--data <file> --target <column> [options]',
  description: [
    'Reads the data file (CSV, Parquet or Arrow), infers the task from the target (classification when it',
    'holds text or at most 20 distinct whole numbers, regression otherwise), the features and their kinds,',
    'and proposes sensitive features by name (as a comment, never enabled). Writes models/<name>/model.yaml,',
    'train.py with requirements.txt and train.mjs, deploy/staging.yaml and deploy/production.yaml and the',
    'caller workflows when absent, and .gitignore lines. Refuses to overwrite a model\'s files.',
  ].join('\n'),
  options: {
    data: { type: 'string', valueName: '<file>', description: 'training data, relative to the repository (the current folder)' },
    target: { type: 'string', valueName: '<column>', description: 'the column to predict' },
    test: { type: 'string', valueName: '<file>', description: "held-out data; default the data file with 'train' read as 'test', when it exists" },
    name: { type: 'string', valueName: '<name>', description: "the model's name; default the data file's folder, else the target" },
    runtime: { type: 'string', valueName: '<python|node>', choices: ['python', 'node'], default: 'python', description: 'which training script the spec runs (both are written)' },
    force: { type: 'boolean', description: "replace the model's files when they exist" },
    'dry-run': { type: 'boolean', description: 'print the plan and write nothing' },
  },
  maxPositionals: 0,
  examples: ['modelship init --data data/train.parquet --target churned', 'modelship init --data data/houses.csv --target price --name houses --runtime node --dry-run'],
  async run({ values }, io) {
    if (values.data === undefined) throw new UsageError('--data <file> is required: the training data to read')
    if (values.target === undefined) throw new UsageError('--target <column> is required: the column to predict')
    const plan = await planInit({
      root: io.cwd,
      data: values.data,
      target: values.target,
      test: values.test,
      name: values.name,
      runtime: values.runtime as 'python' | 'node',
      force: values.force === true,
    })
    const { model } = plan
    io.out(`model ${plan.name}: ${model.task} (${model.taskReason})\n`)
    io.out(`features: ${model.features.map((f) => `${f.name} (${f.kind})`).join(', ')}\n`)
    for (const left of model.left) io.out(`left out: ${left.name} (${left.reason})\n`)
    if (model.sensitive.length > 0) {
      io.out(`proposed sensitive features: ${model.sensitive.join(', ')} (by name; kept out of the features and not enabled: see the comment in model.yaml)\n`)
    }
    if (values.runtime === 'node' && model.features.some((f) => f.kind === 'categorical')) {
      io.out('note: train.mjs takes numeric features only; the categorical ones need train.py or an encoding\n')
    }
    for (const note of plan.notes) io.out(`note: ${note}\n`)
    const dryRun = values['dry-run'] === true
    for (const file of plan.files) {
      const action = { new: 'create', replaced: 'replace', appended: 'append to', kept: 'keep' }[file.state]
      io.out(`${dryRun ? 'would ' : ''}${action} ${file.path}: ${file.why}\n`)
    }
    if (dryRun) {
      io.out('dry run: nothing written\n')
      return 0
    }
    const written = await writePlan(io.cwd, plan)
    io.out(`wrote ${written.length} files; next: modelship validate, then modelship train ${plan.name}\n`)
    return 0
  },
})
