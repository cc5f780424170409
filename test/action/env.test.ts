import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { createActionEnv, type ActionEnv, uniqueMarker } from '../../src/action/env.js'
import { SUMMARY_CUT_NOTE, SUMMARY_LIMIT_BYTES } from '../../src/action/summary.js'
import { captureStdout, withVars } from './fake-runner.js'

const dir = mkdtempSync(join(tmpdir(), 'modelship-env-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `fn` against a real ActionEnv on a runner whose GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files are fresh. */
async function onRunner<T>(name: string, fn: (env: ActionEnv) => T | Promise<T>) {
  const output = join(dir, `${name}-output`)
  const summary = join(dir, `${name}-summary`)
  writeFileSync(output, '')
  writeFileSync(summary, '')
  const vars = { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: '/ws' }
  const { value, stdout } = await withVars(vars, () => captureStdout(() => fn(createActionEnv())))
  return { value, stdout, output: readFileSync(output, 'utf8'), summary: readFileSync(summary, 'utf8') }
}

test('outputs are written to GITHUB_OUTPUT with a random delimiter, so multiline values survive', async () => {
  const { output } = await onRunner('outputs', (env) => {
    env.setOutput('models', '{"include":[]}')
    env.setOutput('notes', 'one\ntwo')
  })
  const match = /^models<<(ghadelimiter_[0-9a-f-]{36})\n\{"include":\[\]\}\n\1\nnotes<<(ghadelimiter_[0-9a-f-]{36})\none\ntwo\n\2\n$/.exec(output)
  assert.ok(match, output)
  assert.notEqual(match[1], match[2])
})

test('only the first 10 errors and 10 warnings become annotations; the rest are plain log lines', async () => {
  const { value: shown, stdout } = await onRunner('annotations', (env) => {
    const shown: boolean[] = []
    for (let i = 1; i <= 11; i++) shown.push(env.annotate({ level: 'error', message: `e${i}`, file: 'm.yaml', line: i, column: 2 }))
    shown.push(env.annotate({ level: 'warning', message: 'w1', file: 'm.yaml', line: 1 }))
    shown.push(env.annotate({ level: 'notice', message: 'n: 1,2', title: 'a: b', file: 'x,y.yaml', line: 3, endLine: 4, column: 1, endColumn: 9 }))
    return shown
  })
  assert.deepEqual(shown, [...Array(10).fill(true), false, true, true])
  const lines = stdout.trimEnd().split('\n')
  assert.equal(lines[0], '::error file=m.yaml,line=1,col=2::e1')
  assert.equal(lines[9], '::error file=m.yaml,line=10,col=2::e10')
  assert.equal(lines[10], 'error: m.yaml:11:2: e11')
  assert.equal(lines[11], '::warning file=m.yaml,line=1::w1')
  assert.equal(lines[12], '::notice title=a%3A b,file=x%2Cy.yaml,line=3,endLine=4,col=1,endColumn=9::n: 1,2')
})

test('the summary is appended and cut with a note at 1 MiB; later appends are dropped', async () => {
  const { summary, stdout } = await onRunner('summary', async (env) => {
    await env.summary('# Title\n')
    await env.summary(`${'x'.repeat(100)}\n`.repeat(11_000))
    await env.summary('after the cut\n')
  })
  assert.ok(summary.startsWith('# Title\nxxx'))
  assert.ok(summary.endsWith(SUMMARY_CUT_NOTE))
  assert.ok(Buffer.byteLength(summary) <= SUMMARY_LIMIT_BYTES)
  assert.ok(!summary.includes('after the cut'))
  assert.match(stdout, /The job summary reached 1 MiB/)
})

test('secrets are masked, groups wrap their output, and setFailed writes an error command and sets the exit code', async () => {
  const exitCode = process.exitCode
  const { value, stdout } = await onRunner('misc', async (env) => {
    env.setSecret('s3cr%t\nx')
    env.setSecret('')
    const value = await env.group('Validate', async () => {
      env.info('inside')
      return 42
    })
    env.setFailed('2 problems\nin models/a')
    assert.equal(env.failed, true)
    assert.equal(process.exitCode, 1)
    return value
  })
  process.exitCode = exitCode
  assert.equal(value, 42)
  assert.equal(stdout, '::add-mask::s3cr%25t%0Ax\n::group::Validate\ninside\n::endgroup::\n::error::2 problems%0Ain models/a\n')
})

test('debug lines are debug commands', async () => {
  const { stdout } = await onRunner('debug', (env) => env.debug('50%\ndone'))
  assert.equal(stdout, '::debug::50%25%0Adone\n')
})

test('log text that looks like a command is fenced with stop-commands so it cannot run', async () => {
  const { stdout } = await onRunner('stop', (env) => env.info('a message\n::add-mask::oops'))
  const lines = stdout.trimEnd().split('\n')
  assert.match(lines[0] ?? '', /^::stop-commands::(modelship-[0-9a-z]{12,})$/)
  const token = lines[0]?.split('::')[2]
  assert.deepEqual(lines.slice(1), ['a message', '::add-mask::oops', `::${token}::`])
})

test('a marker never occurs in the text it fences, and an output name with a line break is refused', async () => {
  const text = 'ghadelimiter_'.repeat(3)
  for (let i = 0; i < 100; i++) assert.ok(!text.includes(uniqueMarker('ghadelimiter_', text)))
  await onRunner('bad-name', (env) => {
    assert.throws(() => env.setOutput('a\nb', 'x'), /output name "a\\nb" has a line break; output names are one line/)
  })
})

test('without GITHUB_OUTPUT (a plain local run) outputs are logged instead', async () => {
  await withVars({ GITHUB_OUTPUT: undefined, GITHUB_WORKSPACE: undefined }, async () => {
    const { value: env, stdout } = await captureStdout(() => {
      const env = createActionEnv({ cwd: '/here' })
      env.setOutput('valid', 'true')
      return env
    })
    assert.equal(stdout, 'output valid: true\n')
    assert.equal(env.workspace, '/here')
  })
})
