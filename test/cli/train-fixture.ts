// Shared by the CLI tests: the train fixture repository in a real git repository, and the CLI run
// in-process with its output captured.
import { cpSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after } from 'node:test'
import type { CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run-cli.js'
import { createTestRepo, type TestRepo } from '../git/test-repo.js'
import { REPO_ROOT } from '../support/run-action.js'

/** The fixture repository: four specs (churn, churn-gpu, churn-as-regression, churn-failing) and a Node trainer. */
export const TRAIN_REPO = resolve(REPO_ROOT, 'test/fixtures/train-repo')

/** A fresh commit of the fixture repository in a temporary folder, removed when the test file ends. */
export function trainRepo(): TestRepo {
  const repo = createTestRepo()
  after(() => repo.remove())
  cpSync(TRAIN_REPO, repo.dir, { recursive: true })
  repo.commit('models')
  return repo
}

/** Runs `modelship <argv>` in `cwd`; resolves to the exit code and what went to stdout and stderr. */
export async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const io: CliIo & { stdout: string; stderr: string } = {
    stdout: '',
    stderr: '',
    cwd,
    out: (text) => void (io.stdout += text),
    err: (text) => void (io.stderr += text),
  }
  const code = await runCli(argv, io)
  return { code, stdout: io.stdout, stderr: io.stderr }
}

/** run.json of a folder, parsed. */
export function readRun(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))
}
