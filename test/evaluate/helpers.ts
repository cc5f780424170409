/** Specs and temporary repositories for evaluation tests, built from the committed fixtures. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ModelSpecSchema, type ModelSpec } from '../../src/spec/model-schema.js'

/** Repository root of this checkout. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Fixture paths, repository-relative. */
export const FIXTURES = {
  candidate: 'test/fixtures/models/churn-candidate.onnx',
  champion: 'test/fixtures/models/churn-champion.onnx',
  housePrices: 'test/fixtures/models/house-prices.onnx',
  iris: 'test/fixtures/models/iris-multiclass.onnx',
  notAModel: 'test/fixtures/models/not-a-model.onnx',
  wrongInputs: 'test/fixtures/models/wrong-inputs.onnx',
}

/** The golden values of test/fixtures/models/expected-outputs.json. */
export const EXPECTED = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/models/expected-outputs.json'), 'utf8')) as Record<
  string,
  { 'reference-metrics': Record<string, number> }
>

/** A parsed spec from kebab-case YAML-like data (the loader's defaults applied). */
export function specOf(raw: Record<string, unknown>): ModelSpec {
  const parsed = ModelSpecSchema.parse({ apiVersion: 'modelship/v1', kind: 'Model', train: { command: ['python', 'train.py'] }, ...raw })
  return { ...parsed, train: { ...parsed.train, workingDirectory: `models/${parsed.name}` } }
}

/** The churn spec over the fixture data; `evaluate` replaces the evaluate section. */
export function churnSpec(evaluate: Record<string, unknown> = {}, data: Record<string, unknown> = {}): ModelSpec {
  return specOf({
    name: 'churn',
    task: 'binary-classification',
    data: {
      train: 'example-repo/data/churn/train.csv',
      test: 'test/fixtures/data/churn-test.csv',
      target: 'churned',
      features: ['tenure', 'monthly_charges', 'contract', 'support_calls'],
      'sensitive-features': ['gender'],
      ...data,
    },
    evaluate: {
      metrics: ['roc_auc', 'accuracy', 'log_loss'],
      gates: [{ metric: 'roc_auc', threshold: 0.8, 'min-absolute-change': -0.005 }],
      fairness: { metrics: ['demographic_parity_difference', 'equalized_odds_difference'], max: 0.25 },
      ...evaluate,
    },
  })
}

/** The model.yaml text of the churn example, pointing at `test` for its test data. */
export function churnSpecYaml(options: { test?: string; gates?: string } = {}): string {
  return [
    'apiVersion: modelship/v1',
    'kind: Model',
    'name: churn',
    'task: binary-classification',
    'data:',
    '  train: data/churn/train.csv',
    `  test: ${options.test ?? 'data/churn/test.csv'}`,
    '  target: churned',
    '  features: [tenure, monthly_charges, contract, support_calls]',
    '  sensitive-features: [gender]',
    'train:',
    '  command: [python, train.py]',
    'evaluate:',
    '  metrics: [roc_auc, accuracy, log_loss]',
    '  gates:',
    options.gates ?? '    - { metric: roc_auc, threshold: 0.8, min-absolute-change: -0.005 }',
    '  fairness: { metrics: [demographic_parity_difference, equalized_odds_difference], max: 0.25 }',
    '  explain: { background-rows: 20, explain-rows: 3 }',
    '',
  ].join('\n')
}

/**
 * A throwaway consumer repository: models/churn (spec, train.py), data/churn (train and test CSVs
 * from the fixtures) and the two churn models under models-in/. Removed by the returned function.
 */
export function churnRepository(options: { test?: string; gates?: string; testCsv?: string } = {}): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-evaluate-'))
  mkdirSync(join(dir, 'models/churn'), { recursive: true })
  mkdirSync(join(dir, 'data/churn'), { recursive: true })
  mkdirSync(join(dir, 'models-in'), { recursive: true })
  writeFileSync(join(dir, 'models/churn/model.yaml'), churnSpecYaml(options))
  writeFileSync(join(dir, 'models/churn/train.py'), 'print("training happens elsewhere in these tests")\n')
  cpSync(join(ROOT, 'example-repo/data/churn/train.csv'), join(dir, 'data/churn/train.csv'))
  writeFileSync(join(dir, 'data/churn/test.csv'), options.testCsv ?? readFileSync(join(ROOT, 'test/fixtures/data/churn-test.csv'), 'utf8'))
  cpSync(join(ROOT, FIXTURES.candidate), join(dir, 'models-in/candidate.onnx'))
  cpSync(join(ROOT, FIXTURES.champion), join(dir, 'models-in/champion.onnx'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** |a − b| ≤ tolerance, with both values in the message. */
export function near(actual: number | null | undefined, expected: number, tolerance = 1e-12): boolean {
  return actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance
}
