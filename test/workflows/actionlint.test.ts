// Lints every workflow with the real actionlint (and the shellcheck it runs on each run: script),
// both at the versions scripts/install-tools.sh pins.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { REPO_ROOT } from '../support/run-action.js'
import { toolPath, workflowFiles } from './tools.js'

function actionlint(files: string[], cwd: string = REPO_ROOT): { status: number | null; findings: string } {
  const result = spawnSync(
    toolPath('actionlint'),
    ['-no-color', '-oneline', '-config-file', join(REPO_ROOT, '.github/actionlint.yaml'), '-shellcheck', toolPath('shellcheck'), ...files],
    // Bounds a hang, below the runner's 600 s test timeout; a busy 2-core machine may need a minute.
    { cwd, encoding: 'utf8', timeout: 150_000 },
  )
  return { status: result.status, findings: `${result.stdout}${result.stderr}`.trim() }
}

test('every workflow passes actionlint', () => {
  const files = workflowFiles()
  for (const required of [
    'reusable-workflows/modelship-pr.yml',
    'reusable-workflows/modelship-pr-comment.yml',
    'reusable-workflows/modelship-merge.yml',
    'reusable-workflows/modelship-dispatch.yml',
    '.github/workflows/ci.yml',
    'example-repo/.github/workflows/modelship-pr.yml',
  ]) {
    assert.ok(files.includes(required), `${required} is missing`)
  }
  const { status, findings } = actionlint(files)
  assert.equal(findings, '')
  assert.equal(status, 0)
})

// The check above means something only if the same call reports what it should.
test('the lint call reports an unknown runner label, script injection and a shellcheck finding', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-actionlint-'))
  try {
    cpSync(join(REPO_ROOT, '.github/actionlint.yaml'), join(dir, 'actionlint.yaml'))
    const file = join(dir, 'bad.yml')
    writeFileSync(
      file,
      [
        'on: pull_request',
        'permissions: {}',
        'jobs:',
        '  train:',
        '    runs-on: [self-hosted, linux, gpu, tpu]',
        '    steps:',
        '      - run: echo ${{ github.event.pull_request.title }} $HOME',
        '',
      ].join('\n'),
    )
    const { status, findings } = actionlint([file], dir)
    assert.equal(status, 1)
    assert.match(findings, /label "tpu" is unknown/)
    assert.doesNotMatch(findings, /label "gpu" is unknown/)
    assert.match(findings, /"github\.event\.pull_request\.title" is potentially untrusted/)
    assert.match(findings, /SC2086/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
