/**
 * The demo's repository, made in a temporary folder: deterministic synthetic data (a binary target
 * from two numeric features), a model spec that trains with the Node template, empty desired-state
 * files, committed with git so deploy can commit the desired state.
 */
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { NODE_TRAIN_SCRIPT } from '../init/index.js'

/** The demo model's name. */
export const DEMO_MODEL = 'demo'

/** Rows of `count` customers from a seeded generator; `shift` moves usage (the injected drift). */
export function demoRows(count: number, seed: number, shift = 0): string {
  let state = seed >>> 0
  // A 32-bit LCG (Numerical Recipes): the same files on every run and machine.
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32)
  const lines = ['usage,tenure,churned']
  for (let i = 0; i < count; i++) {
    const usage = next() * 10 + shift
    const tenure = next() * 5
    const noise = (next() - 0.5) * 2
    lines.push(`${usage.toFixed(3)},${tenure.toFixed(3)},${usage - 2 * tenure + noise > 0 ? 1 : 0}`)
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
  - { environment: staging, provider: builtin }
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
