// scripts/test.mjs (npm test): the ways it refuses to run, and what it does when the workflow tools
// cannot be installed.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
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

test('when the workflow tools cannot be installed it says so and still runs the tests', (t) => {
  // A checkout with the runner, the install script and one workflow test, on a machine without Go.
  const root = mkdtempSync(join(tmpdir(), 'modelship-test-runner-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'scripts'))
  for (const file of ['test.mjs', 'install-tools.sh']) copyFileSync(join(REPO_ROOT, 'scripts', file), join(root, 'scripts', file))
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'))
  mkdirSync(join(root, 'test/workflows'), { recursive: true })
  writeFileSync(join(root, 'test/workflows/ran.test.ts'), "import { test } from 'node:test'\ntest('ran', () => {})\n")
  const bin = join(root, 'bin')
  mkdirSync(bin)
  for (const command of ['bash', 'awk', 'mkdir', 'dirname', 'flock']) {
    const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim()
    if (found !== '') symlinkSync(found, join(bin, command))
  }
  const result = spawnSync(process.execPath, ['scripts/test.mjs'], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: `${dirname(process.execPath)}:${bin}`, HOME: root },
  })
  assert.match(result.stdout, /^npm test: the workflow tests need the pinned actionlint, act and shellcheck: bash scripts\/install-tools\.sh\n/)
  assert.equal(
    result.stderr,
    'install-tools: actionlint v1.7.12 is not in .tools/bin and Go is not installed to build it; install Go >= 1.25 (https://go.dev/dl/) and re-run bash scripts/install-tools.sh\n' +
      'npm test: the workflow tools could not be installed (see above); the workflow tests will fail\n',
  )
  assert.match(result.stdout, /✔ ran/)
  assert.equal(result.status, 0)
})
