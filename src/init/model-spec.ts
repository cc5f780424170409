/**
 * The model.yaml `modelship init` writes: the inferred task, data roles, a training section for the
 * chosen runtime (the other one shown commented), the task's metrics with a no-regression gate,
 * staging then production, and the proposed sensitive features as a comment, never enabled.
 */
import type { InferredModel } from './infer.js'

/** Which training script the spec runs. */
export type Runtime = 'python' | 'node'

/** What the spec is made from. */
export interface ModelSpecInput {
  name: string
  /** models/<name> */
  folder: string
  train: string
  test: string
  target: string
  model: InferredModel
  runtime: Runtime
  /** Where the JSON Schemas are, relative to the spec's folder or a URL; ends with '/'. */
  schemaBase: string
  /** Major version of the node that train will find on PATH (train refuses another). */
  nodeMajor: string
}

const METRICS = {
  'binary-classification': { metrics: ['roc_auc', 'accuracy', 'f1', 'log_loss'], gate: 'roc_auc' },
  'multiclass-classification': { metrics: ['accuracy', 'f1_macro', 'log_loss'], gate: 'f1_macro' },
  regression: { metrics: ['rmse', 'mae', 'r2'], gate: 'r2' },
} as const

/** A YAML scalar: plain when YAML reads it back as the same string, else double-quoted. */
export function yamlString(value: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(value)
  return plain ? value : JSON.stringify(value)
}

/** The spec's text. */
export function renderModelSpec(input: ModelSpecInput): string {
  const { model } = input
  const list = (names: readonly string[]) => `[${names.map(yamlString).join(', ')}]`
  const { metrics, gate } = METRICS[model.task]
  const kinds = model.features.map((f) => `${f.name} (${f.kind === 'numeric' ? 'numeric' : `categorical, ${f.categories} values`})`)
  const lines = [
    `# yaml-language-server: $schema=${input.schemaBase}model.schema.json`,
    `# Written by modelship init from ${input.train} (${model.rows} rows). Task: ${model.task}, because ${model.taskReason}.`,
    ...wrap(`# Features as the data holds them: ${kinds.join(', ')}.`),
    ...model.left.map((c) => `# Left out: ${c.name} (${c.reason}).`),
    'apiVersion: modelship/v1',
    'kind: Model',
    `name: ${yamlString(input.name)}`,
    `description: ${JSON.stringify(`Predicts ${input.target}`)}`,
    `task: ${model.task}`,
    'data:',
    `  train: ${yamlString(input.train)}`,
    `  test: ${yamlString(input.test)}`,
    `  target: ${yamlString(input.target)}`,
    `  features: ${list(model.features.map((f) => f.name))}`,
  ]
  if (model.sensitive.length > 0) {
    lines.push(
      `  # Proposed sensitive features, from their names: ${model.sensitive.join(', ')}. Kept out of the features;`,
      '  # uncomment to measure fairness across their groups (evaluate.fairness), or add them to features.',
      `  # sensitive-features: ${list(model.sensitive)}`,
    )
  }
  const python = [
    '  command: [python, train.py]',
    `  working-directory: ${input.folder}`,
    '  environment: { python: "3.11", requirements: requirements.txt }',
  ]
  const featureArg = JSON.stringify(model.features.map((f) => f.name).join(','))
  const node = [`  command: [node, train.mjs, --task, ${model.task}, --target, ${yamlString(input.target)}, --features, ${featureArg}]`, `  working-directory: ${input.folder}`, `  environment: { node: "${input.nodeMajor}" }`]
  const [chosen, other, otherName] = input.runtime === 'python' ? [python, node, 'Node (train.mjs, no packages)'] : [node, python, 'Python (train.py, scikit-learn)']
  lines.push(
    'train:',
    ...chosen,
    `  # Or train with ${otherName}:`,
    ...other.map((line) => `  #${line.slice(1)}`),
    '  compute: { runs-on: ubuntu-latest, timeout-minutes: 30, retries: 1 }',
    '  cache: true',
    'evaluate:',
    `  metrics: ${list(metrics)}`,
    '  gates:',
    `    # A candidate may not be worse than production by more than this; add a threshold once you know what is good enough.`,
    `    - { metric: ${gate}, min-absolute-change: -0.01 }`,
    'deploy:',
    '  - { environment: staging, provider: builtin, canary: { traffic: 10, max-error-rate: 0.01 } }',
    '  - { environment: production, requires: staging }',
    '',
  )
  return lines.join('\n')
}

function wrap(line: string, width = 100): string[] {
  const words = line.split(' ')
  const out: string[] = []
  let current = ''
  for (const word of words) {
    if (current && current.length + word.length + 1 > width) {
      out.push(current)
      current = `#  ${word}`
    } else current = current ? `${current} ${word}` : word
  }
  if (current) out.push(current)
  return out
}
