/**
 * The demo's repository, made in a temporary folder: deterministic synthetic data (a binary target
 * from two numeric features), a model spec that trains with the Node template, empty desired-state
 * files, committed with git so deploy can commit the desired state.
 */
import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { NODE_TRAIN_SCRIPT } from '../init/index.js'

/** The demo model's name. */
export const DEMO_MODEL = 'demo'

/**
 * Rows of `count` customers from a seeded generator; `shift` moves usage (the injected drift);
 * `calls` adds a support-calls column that also raises churn (the retrained version's new feature).
 */
export function demoRows(count: number, seed: number, shift = 0, calls = false): string {
  let state = seed >>> 0
  // A 32-bit LCG (Numerical Recipes): the same files on every run and machine.
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32)
  const lines = [calls ? 'usage,tenure,calls,churned' : 'usage,tenure,churned']
  for (let i = 0; i < count; i++) {
    const usage = next() * 10 + shift
    const tenure = next() * 5
    const noise = (next() - 0.5) * 2
    if (!calls) {
      lines.push(`${usage.toFixed(3)},${tenure.toFixed(3)},${usage - 2 * tenure + noise > 0 ? 1 : 0}`)
      continue
    }
    const supportCalls = Math.floor(next() * 4)
    lines.push(`${usage.toFixed(3)},${tenure.toFixed(3)},${supportCalls},${usage - 2 * tenure + (supportCalls - 1.5) + noise > 0 ? 1 : 0}`)
  }
  return `${lines.join('\n')}\n`
}

const SPEC = `# yaml-language-server: $schema=https://modelship.dev/schemas/model.schema.json
apiVersion: modelship/v1
kind: Model
name: ${DEMO_MODEL}
description: "Demo churn model: logistic regression trained in plain Node"
task: binary-classification
data:
  train: data/train.csv
  test: data/test.csv
  target: churned
  features: [usage, tenure]
train:
  command: [node, train.mjs, --task, binary-classification, --target, churned, --features, "usage,tenure"]
  working-directory: models/${DEMO_MODEL}
  environment: { node: "NODE_MAJOR" }
  compute: { runs-on: ubuntu-latest, timeout-minutes: 5 }
  params: { epochs: 300, learning_rate: 0.5, l2: 0.0001 }
evaluate:
  metrics: [roc_auc, accuracy, f1, log_loss]
  gates:
    - { metric: roc_auc, threshold: 0.8 }
deploy:
  # The reconciler watches a new version on this share for a few seconds before promoting it.
  - environment: staging
    provider: builtin
    canary: { traffic: 20, max-error-rate: 0.05, max-p99-ms: 2000, duration: 3s }
`

function environment(name: string): string {
  return `apiVersion: modelship/v1\nkind: Environment\nname: ${name}\nmodels: []\n`
}

/** Runs git in `cwd` with a fixed identity (the demo never reads the user's git config for it). */
export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('git', ['-c', 'user.name=Modelship demo', '-c', 'user.email=demo@modelship.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd })
  return stdout
}

/** Writes the demo repository into `dir` (empty) and commits it; `nodeMajor` is the node train will find. */
export async function writeDemoRepo(dir: string, nodeMajor: string): Promise<void> {
  await mkdir(join(dir, 'data'), { recursive: true })
  await mkdir(join(dir, 'models', DEMO_MODEL), { recursive: true })
  await mkdir(join(dir, 'deploy'), { recursive: true })
  await writeFile(join(dir, 'data/train.csv'), demoRows(600, 1))
  await writeFile(join(dir, 'data/test.csv'), demoRows(200, 2))
  await writeFile(join(dir, 'data/score.csv'), demoRows(1000, 3))
  await writeFile(join(dir, 'models', DEMO_MODEL, 'model.yaml'), SPEC.replace('NODE_MAJOR', nodeMajor))
  await writeFile(join(dir, 'models', DEMO_MODEL, 'train.mjs'), NODE_TRAIN_SCRIPT)
  await writeFile(join(dir, 'deploy/staging.yaml'), environment('staging'))
  await writeFile(join(dir, '.gitignore'), '.modelship/\nout/\n')
  await git(dir, ['init', '--quiet', '--initial-branch=main'])
  await git(dir, ['add', '.'])
  await git(dir, ['commit', '--quiet', '-m', 'Demo repository'])
}

/** Where the demo keeps its remote and the server's clone: inside the repository's ignored .modelship/. */
export function demoRemotes(dir: string): { remote: string; served: string } {
  return { remote: join(dir, '.modelship/demo-remote.git'), served: join(dir, '.modelship/demo-served') }
}

/**
 * Gives the demo repository a bare remote (standing in for GitHub) and the server its own clone of
 * it, as `modelship serve --environment` is run on a clone it owns; answers the clone's path.
 */
export async function writeDemoRemote(dir: string): Promise<string> {
  const { remote, served } = demoRemotes(dir)
  await git(dir, ['init', '--quiet', '--bare', '--initial-branch=main', remote])
  await git(dir, ['remote', 'add', 'origin', remote])
  await publish(dir)
  await git(dir, ['clone', '--quiet', remote, served])
  // The reconciler commits its promotions and rollbacks in this clone: give it an identity of its own.
  await git(served, ['config', 'user.name', 'Modelship demo reconciler'])
  await git(served, ['config', 'user.email', 'reconciler@modelship.invalid'])
  await git(served, ['config', 'commit.gpgsign', 'false'])
  return served
}

/** Pushes the branch, the version tags and the local registry's releases (refs/modelship/*), as a merge on GitHub publishes them. */
export async function publish(dir: string): Promise<void> {
  await git(dir, ['push', '--quiet', 'origin', 'main', '--tags'])
  await git(dir, ['push', '--quiet', 'origin', 'refs/modelship/*:refs/modelship/*'])
}

/** Brings the demo repository up to the remote, where the reconciler may have committed. */
export async function pull(dir: string): Promise<void> {
  await git(dir, ['pull', '--quiet', '--rebase', 'origin', 'main'])
}

/** Adds the support-calls feature: data with the new column and the spec and command naming it, committed; answers the commit. */
export async function addCallsFeature(dir: string): Promise<string> {
  await writeFile(join(dir, 'data/train.csv'), demoRows(600, 1, 0, true))
  await writeFile(join(dir, 'data/test.csv'), demoRows(200, 2, 0, true))
  const specPath = join(dir, 'models', DEMO_MODEL, 'model.yaml')
  const spec = (await readFile(specPath, 'utf8')).replace('features: [usage, tenure]', 'features: [usage, tenure, calls]').replace('"usage,tenure"', '"usage,tenure,calls"')
  await writeFile(specPath, spec)
  await git(dir, ['commit', '--quiet', '-am', 'demo model: add support calls as a feature'])
  return (await git(dir, ['rev-parse', 'HEAD'])).trim()
}
