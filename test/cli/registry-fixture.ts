// Shared by the registry CLI and action tests: the train fixture repository with a deploy section
// (staging, production), trained with `modelship train churn` and evaluated with `modelship evaluate`,
// so the run folder and evaluation.json are what a user would have.
import assert from 'node:assert/strict'
import { appendFileSync, cpSync } from 'node:fs'
import { join } from 'node:path'
import { createTestRepo, type TestRepo } from '../git/test-repo.js'
import { cli, TRAIN_REPO } from './train-fixture.js'

/** Where `modelship train churn` leaves its outputs, relative to the repository. */
export const RUN_DIR = '.modelship/outputs/churn'
/** Where the fixture writes the run's evaluation, relative to the repository. */
export const EVALUATION = `${RUN_DIR}/evaluation.json`

/** A repository ready to register churn; `remove()` deletes it. */
export interface RegistryRepo extends TestRepo {
  /** The commit the run was trained at (HEAD). */
  head: string
}

/** The fixture repository with deploy stages, a git identity for tags, a trained and evaluated churn. */
export async function registryRepo(options: { gate?: string } = {}): Promise<RegistryRepo> {
  const repo = createTestRepo()
  cpSync(TRAIN_REPO, repo.dir, { recursive: true })
  const spec = join(repo.dir, 'models/churn/model.yaml')
  if (options.gate) appendFileSync(spec, `  gates:\n    - ${options.gate}\n`)
  appendFileSync(spec, 'deploy:\n  - { environment: staging }\n  - { environment: production, requires: staging }\n')
  repo.write({ '.gitignore': '.modelship/\n' })
  repo.git('config', 'user.name', 'Registry Tester')
  repo.git('config', 'user.email', 'registry@example.com')
  const head = repo.commit('models with deploy stages')
  const train = await cli(['train', 'churn'], repo.dir)
  assert.equal(train.code, 0, train.stderr)
  const evaluate = await cli(['evaluate', 'churn', '--candidate', RUN_DIR, '--out', EVALUATION, '--no-explain'], repo.dir)
  assert.equal(evaluate.code, options.gate ? 1 : 0, evaluate.stdout + evaluate.stderr)
  return { ...repo, head }
}
