// A throwaway repository for sweep tests: models/churn with a Node "trainer" that copies one of two
// real ONNX models (the churn champion, ROC AUC 0.8351 on the test data, or the candidate, 0.8267)
// chosen by the `model` param, the churn data, and a first commit. No Python.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CliIo } from '../../src/cli/command.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** The spec, with `sweep` (indented under train) and `gates` (under evaluate) laid in. */
export function sweepSpecYaml(sweep: string, gates = '    - { metric: roc_auc, threshold: 0.83 }'): string {
  return [
    'apiVersion: modelship/v1',
    'kind: Model',
    'name: churn',
    'task: binary-classification',
    'data:',
    '  train: data/churn/train.csv',
    '  test: data/churn/test.csv',
    '  target: churned',
    '  features: [tenure, monthly_charges, contract, support_calls]',
    '  sensitive-features: [gender]',
    'train:',
    '  command: [node, train.mjs, --model, "${params.model}"]',
    '  working-directory: trainer',
    '  params: { model: champion.onnx, C: 1.0 }',
    sweep,
    'evaluate:',
    '  metrics: [roc_auc, accuracy, log_loss]',
    '  gates:',
    gates,
    '  fairness: { metrics: [demographic_parity_difference], max: 0.25 }',
    '',
  ].join('\n')
}

/** Writes the repository; `count` names a file the trainer appends a line to per training. */
export function sweepRepository(spec: string): { dir: string; countFile: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-sweep-'))
  mkdirSync(join(dir, 'models/churn'), { recursive: true })
  mkdirSync(join(dir, 'data/churn'), { recursive: true })
  mkdirSync(join(dir, 'trainer'), { recursive: true })
  writeFileSync(join(dir, 'models/churn/model.yaml'), spec)
  cpSync(join(ROOT, 'test/fixtures/train-repo/trainer/train.mjs'), join(dir, 'trainer/train.mjs'))
  cpSync(join(ROOT, 'test/fixtures/models/churn-champion.onnx'), join(dir, 'trainer/champion.onnx'))
  cpSync(join(ROOT, 'test/fixtures/models/churn-candidate.onnx'), join(dir, 'trainer/candidate.onnx'))
  cpSync(join(ROOT, 'example-repo/data/churn/train.csv'), join(dir, 'data/churn/train.csv'))
  writeFileSync(join(dir, 'data/churn/test.csv'), readFileSync(join(ROOT, 'test/fixtures/data/churn-test.csv'), 'utf8'))
  writeFileSync(join(dir, '.gitignore'), '.modelship/\n')
  const git = (...args: string[]): void => void execFileSync('git', args, { cwd: dir, stdio: 'ignore' })
  git('init', '-q')
  git('add', '.')
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init')
  return { dir, countFile: join(dir, 'trainings.log'), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A CliIo that keeps what was written. */
export function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    cwd,
    out(text: string) {
      io.stdout += text
    },
    err(text: string) {
      io.stderr += text
    },
  }
  return io
}
