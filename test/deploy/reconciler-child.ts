/**
 * A server process for the crash tests: `modelship serve --environment staging` as the CLI runs it,
 * except that it can hold at one point of a rollout: it prints `point <name>` and waits for a line on
 * stdin, so the test can SIGKILL it exactly there (or let it go on).
 *
 * Arguments: <repo> <state-dir or ''> <'point version' or ''>, e.g. 'canary v0.0.2'.
 */
import { createInterface } from 'node:readline'
import { serveEnvironment } from '../../src/deploy/reconciler/index.js'
import { ServeConfigSchema } from '../../src/serve/index.js'

const [repoDir, stateDir, holdAt] = process.argv.slice(2)
const lines = createInterface({ input: process.stdin })
const nextLine = () => new Promise<void>((resolve) => lines.once('line', () => resolve()))

const server = await serveEnvironment({
  environment: 'staging',
  repoDir: repoDir!,
  ...(stateDir ? { stateDir } : {}),
  pollSeconds: 3600,
  config: ServeConfigSchema.parse({ port: 0 }),
  env: process.env,
  log: (line) => process.stderr.write(`${line}\n`),
  checkpoint: async (point, { model, version }) => {
    if (`${point} ${version}` !== holdAt) return
    process.stderr.write(`point ${point} ${model} ${version}\n`)
    await nextLine()
  },
})
process.stderr.write(`serving environment staging from ${repoDir} on ${server.handle.url}\n`)
process.once('SIGTERM', () => {
  void server.drain().then(() => process.exit(0))
})
