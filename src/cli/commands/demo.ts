/**
 * `modelship demo`: runs the lifecycle on a temporary repository with the local backend (no Python,
 * no network) and prints each step, its decision, its outputs and its time. Exit 1 when a step fails.
 */
import { renderSummary, runDemo } from '../../demo/index.js'
import { defineCommand } from '../command.js'

/** The demo command. */
export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'run the whole lifecycle locally on a throwaway repository',
  usage: '[options]',
  description: [
    'Makes a temporary git repository with a demo model that trains in plain Node, and runs validate, train,',
    'evaluate (with the report), register, deploy through deploy/staging.yaml to a server that follows it',
    "(modelship serve --environment staging), live traffic, a second version's canary promoted, drift detection,",
    "retraining, the retrained version's canary breaching a limit and reverted in git by the server, and batch",
    'scoring, through the same commands. Removes its server and folder at the end (also on Ctrl-C). Exits 1 when',
    'a step fails.',
  ].join('\n'),
  options: { keep: { type: 'boolean', description: 'keep the temporary repository and print its path' } },
  maxPositionals: 0,
  examples: ['modelship demo'],
  async run({ values }, io) {
    // Loaded here: run-cli imports the command table, which imports this module.
    const { runCli } = await import('../run-cli.js')
    const steps = await runDemo({
      out: io.out,
      runCommand: (argv, stepIo) => runCli(argv, stepIo),
      cliArgv: [process.execPath, ...process.execArgv, process.argv[1]!],
      keep: values.keep === true,
    })
    io.out(`\n${renderSummary(steps)}`)
    return steps.some((s) => s.status === 'failed') ? 1 : 0
  },
})
