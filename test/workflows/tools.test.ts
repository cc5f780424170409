import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { toolPath } from './tools.js'

test('a missing tool fails with the install command instead of skipping', () => {
  const root = mkdtempSync(join(tmpdir(), 'modelship-tools-'))
  try {
    assert.throws(() => toolPath('act', root), {
      message: 'act 0.2.89 is not installed in .tools/bin; run bash scripts/install-tools.sh (npm test runs it before the workflow tests; its output says why it failed)',
    })
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('a tool of another version fails with the install command', () => {
  const root = mkdtempSync(join(tmpdir(), 'modelship-tools-'))
  try {
    mkdirSync(join(root, '.tools/bin'), { recursive: true })
    const fake = join(root, '.tools/bin/actionlint')
    writeFileSync(fake, '#!/bin/sh\necho 1.6.0\n')
    chmodSync(fake, 0o755)
    assert.throws(() => toolPath('actionlint', root), {
      message: '.tools/bin/actionlint is version 1.6.0, the tests expect 1.7.12; run bash scripts/install-tools.sh',
    })
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})
