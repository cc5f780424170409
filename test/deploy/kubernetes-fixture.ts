/**
 * A consumer repository for the kubernetes provider tests: example-repo copied into a temp folder,
 * churn deployed to staging with `provider: kubernetes` (sized by `deploy[].kubernetes`), and helpers
 * that write the desired state and run the CLI in-process.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../../src/cli/run-cli.js'
import { REPO_ROOT } from '../support/run-action.js'

/** The deploy section the fixture gives churn: staging on KServe, production on the builtin server. */
export const KUBERNETES_DEPLOY = `deploy:
  - environment: staging
    provider: kubernetes
    canary: { traffic: 10 }
    kubernetes: { namespace: models, min-replicas: 2, max-replicas: 4, cpu: "500m", memory: 1Gi, gpus: 1 }
  - { environment: production, requires: staging }
`

/** A fresh copy of example-repo whose churn spec deploys to staging with KServe; `cleanup` deletes it. */
export function kubernetesRepo(deploySection = KUBERNETES_DEPLOY): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'modelship-k8s-'))
  cpSync(join(REPO_ROOT, 'example-repo'), root, { recursive: true })
  const specFile = join(root, 'models/churn/model.yaml')
  const spec = readFileSync(specFile, 'utf8')
  const start = spec.indexOf('\ndeploy:\n')
  const end = spec.indexOf('\nmonitor:', start)
  if (start < 0 || end < 0) throw new Error('example-repo/models/churn/model.yaml no longer has a deploy section before monitor; update the fixture')
  writeFileSync(specFile, `${spec.slice(0, start + 1)}${deploySection}${spec.slice(end + 1)}`)
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

/** Writes `deploy/<environment>.yaml` with these entries (`[model, version, traffic]`). */
export function writeState(root: string, environment: string, entries: readonly [string, string, number][]): void {
  const lines = entries.map(([model, version, traffic]) => `  - { model: ${model}, version: ${version}, traffic: ${traffic} }`)
  writeFileSync(
    join(root, `deploy/${environment}.yaml`),
    `apiVersion: modelship/v1\nkind: Environment\nname: ${environment}\nmodels:${lines.length === 0 ? ' []' : `\n${lines.join('\n')}`}\n`,
  )
}

/** Runs `modelship <args>` in-process from `cwd`. */
export async function cli(args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, { out: (text) => (stdout += text), err: (text) => (stderr += text), cwd })
  return { code, stdout, stderr }
}
