// scripts/test.mjs (npm test): the ways it refuses to run, before starting node's test runner.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { REPO_ROOT } from '../support/run-action.js'

function runner(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/test.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, MODELSHIP_TEST_CONCURRENCY: undefined, ...env },
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

test('a filter that matches no test file is a usage error naming the filter', () => {
  assert.deepEqual(runner(['test/no-such-folder']), { status: 2, stdout: '', stderr: 'no test files match test/no-such-folder\n' })
})

test('MODELSHIP_TEST_CONCURRENCY must be a whole number of files', () => {
  for (const value of ['0', 'four', '2.5', '']) {
    assert.deepEqual(runner(['test/scripts'], { MODELSHIP_TEST_CONCURRENCY: value }), {
      status: 2,
      stdout: '',
      stderr: `MODELSHIP_TEST_CONCURRENCY is '${value}'; expected a whole number of test files to run at once, e.g. 4\n`,
    }, value)
  }
})
