// A repository and TrainOptions for the train() tests outside train.test.ts.
import { execFileSync } from 'node:child_process'
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TrainOptions } from '../../src/train/train.js'
import { RecordingLogger, TRAINER, tempDir } from './helpers.js'

/** A repository with a model folder holding the trainer, data files, and a first commit. */
export async function trainRepo(): Promise<string> {
  const root = await tempDir('modelship-repo-')
  await mkdir(join(root, 'models', 'churn'), { recursive: true })
  await cp(TRAINER, join(root, 'models', 'churn', 'trainer.mjs'))
  await mkdir(join(root, 'data'))
  await writeFile(join(root, 'data', 'train.csv'), 'x,y\n1,0\n2,1\n')
  await writeFile(join(root, 'data', 'test.csv'), 'x,y\n3,1\n')
  const git = (...args: string[]): void => void execFileSync('git', args, { cwd: root, stdio: 'ignore' })
  git('init', '-q')
  git('add', '.')
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init')
  return root
}

/** Options training the fake trainer of {@link trainRepo} with no environment, cache off, runs kept. */
export function trainOptions(root: string, log: RecordingLogger, overrides: Partial<TrainOptions> = {}): TrainOptions {
  return {
    model: 'churn',
    repoRoot: root,
    command: [process.execPath, 'trainer.mjs'],
    workingDirectory: 'models/churn',
    environment: { kind: 'none' },
    accelerator: 'none',
    params: { C: 0.75 },
    cache: false,
    trainSection: { command: ['node', 'trainer.mjs'], params: { C: 0.75 } },
    dataFiles: { train: 'data/train.csv', test: 'data/test.csv' },
    outputDir: '.modelship/outputs/churn',
    checkpointDir: '.modelship/checkpoints/churn',
    stateDir: '.modelship',
    runsDir: '.modelship/runs',
    log,
    killGraceMs: 200,
    retryDelayMs: 0,
    handleProcessSignals: false,
    env: { ...process.env, GITHUB_SERVER_URL: undefined, GITHUB_REPOSITORY: undefined, GITHUB_RUN_ID: undefined },
    ...overrides,
  }
}
