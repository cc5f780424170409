// Audits every workflow (reusable, published, example-repo) with the real zizmor at the version
// .ci/run pins (PyPI, in .tools/zizmor-venv), under .github/zizmor.yml, whose every relaxation the
// README's security section explains. Offline: no online audits, nothing fetched.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { REPO_ROOT } from '../support/run-action.js'
import { workflowFiles } from './tools.js'

/** The version .ci/run installs. */
export const ZIZMOR_VERSION = '1.32.0'
const ZIZMOR = process.env.MODELSHIP_ZIZMOR ?? join(REPO_ROOT, '.tools/zizmor-venv/bin/zizmor')
const skip = existsSync(ZIZMOR) ? false : `zizmor is not installed at ${ZIZMOR} (.ci/run installs zizmor==${ZIZMOR_VERSION} there; or set MODELSHIP_ZIZMOR)`

function zizmor(files: string[], cwd: string = REPO_ROOT): { status: number | null; findings: string } {
  // --color never: zizmor colours its output when it detects CI (CI=true), even into a pipe.
  const result = spawnSync(ZIZMOR, ['--offline', '--no-progress', '--color', 'never', '--config', join(REPO_ROOT, '.github/zizmor.yml'), '--format', 'plain', ...files], {
    cwd,
    encoding: 'utf8',
    // Bounds a hang; zizmor takes well under a second for these files.
    timeout: 120_000,
    env: { ...process.env, RUST_LOG: 'warn' },
  })
  return { status: result.status, findings: `${result.stdout}${result.stderr}`.trim() }
}

test('every workflow passes zizmor', { skip }, () => {
  const version = spawnSync(ZIZMOR, ['--version'], { encoding: 'utf8' }).stdout.trim()
  assert.equal(version, `zizmor ${ZIZMOR_VERSION}`)
  // The fixtures are act's inputs, some deliberately unsafe for the security tests: not audited.
  const files = workflowFiles().filter((file) => !file.startsWith('test/'))
  for (const required of ['reusable-workflows/modelship-pr.yml', '.github/workflows/ci.yml', 'example-repo/.github/workflows/modelship-gate.yml']) {
    assert.ok(files.includes(required), `${required} is missing`)
  }
  const { status, findings } = zizmor(files)
  assert.match(findings, /^No findings to report\. Good job!/m, findings)
  assert.equal(status, 0, findings)
})

// The pass above means something only if the same call, with the same config, still reports.
test('the audit reports an unpinned third-party action and template injection', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-zizmor-'))
  try {
    mkdirSync(join(dir, '.github/workflows'), { recursive: true })
    const file = join(dir, '.github/workflows/bad.yml')
    writeFileSync(
      file,
      [
        'on: pull_request',
        'permissions: {}',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '        with: { persist-credentials: false }',
        '      - run: echo "${{ github.event.pull_request.title }}"',
        '',
      ].join('\n'),
    )
    const { status, findings } = zizmor([file], dir)
    assert.match(findings, /error\[unpinned-uses\]/)
    assert.match(findings, /\[template-injection\]/)
    assert.notEqual(status, 0)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
