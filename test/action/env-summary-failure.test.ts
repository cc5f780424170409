// Its own file, so its own process: @actions/core's summary remembers the first file it wrote to.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { createActionEnv } from '../../src/action/env.js'
import { withVars } from './fake-runner.js'

const dir = mkdtempSync(join(tmpdir(), 'modelship-env-summary-'))
after(() => rmSync(dir, { recursive: true, force: true }))

test('a summary file that cannot be written fails the append, and its text is not sent again with the next one', async () => {
  await withVars({ GITHUB_STEP_SUMMARY: join(dir, 'gone', 'summary') }, async () => {
    await assert.rejects(createActionEnv().summary('first\n'), /Unable to access summary file: '.*gone\/summary'/)
  })
  const file = join(dir, 'summary')
  writeFileSync(file, '')
  await withVars({ GITHUB_STEP_SUMMARY: file }, () => createActionEnv().summary('second\n'))
  assert.equal(readFileSync(file, 'utf8'), 'second\n')
})
