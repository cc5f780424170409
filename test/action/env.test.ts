import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { createActionEnv, uniqueMarker } from '../../src/action/env.js'
import { SUMMARY_CUT_NOTE, SUMMARY_LIMIT_BYTES } from '../../src/action/summary.js'

const dir = mkdtempSync(join(tmpdir(), 'modelship-env-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function setup(name: string) {
  const output = join(dir, `${name}-output`)
  const summary = join(dir, `${name}-summary`)
  writeFileSync(output, '')
  writeFileSync(summary, '')
  let stdout = ''
  const env = createActionEnv({
    vars: { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: '/ws' },
    write: (text) => (stdout += text),
  })
  return { env, output, summary, stdout: () => stdout }
}

test('outputs are written to GITHUB_OUTPUT with a random delimiter, so multiline values survive', () => {
  const { env, output } = setup('outputs')
  env.setOutput('models', '{"include":[]}')
  env.setOutput('notes', 'one\ntwo')
  const text = readFileSync(output, 'utf8')
  const match = /^models<<(ghadelimiter_[0-9a-z]{12,})\n\{"include":\[\]\}\n\1\nnotes<<(ghadelimiter_[0-9a-z]{12,})\none\ntwo\n\2\n$/.exec(text)
  assert.ok(match, text)
  assert.notEqual(match[1], match[2])
})

test('only the first 10 errors and 10 warnings become annotations; the rest are plain log lines', () => {
  const { env, stdout } = setup('annotations')
  const shown: boolean[] = []
  for (let i = 1; i <= 11; i++) shown.push(env.annotate({ level: 'error', message: `e${i}`, file: 'm.yaml', line: i, column: 2 }))
  shown.push(env.annotate({ level: 'warning', message: 'w1', file: 'm.yaml', line: 1 }))
  assert.deepEqual(shown, [...Array(10).fill(true), false, true])
  const lines = stdout().trimEnd().split('\n')
  assert.equal(lines[0], '::error file=m.yaml,line=1,col=2::e1')
  assert.equal(lines[9], '::error file=m.yaml,line=10,col=2::e10')
  assert.equal(lines[10], 'error: m.yaml:11:2: e11')
  assert.equal(lines[11], '::warning file=m.yaml,line=1::w1')
})

test('the summary is appended and cut with a note at 1 MiB; later appends are dropped', async () => {
  const { env, summary, stdout } = setup('summary')
  await env.summary('# Title\n')
  await env.summary(`${'x'.repeat(100)}\n`.repeat(11_000))
  await env.summary('after the cut\n')
  const text = readFileSync(summary, 'utf8')
  assert.ok(text.startsWith('# Title\nxxx'))
  assert.ok(text.endsWith(SUMMARY_CUT_NOTE))
  assert.ok(Buffer.byteLength(text) <= SUMMARY_LIMIT_BYTES)
  assert.ok(!text.includes('after the cut'))
  assert.match(stdout(), /The job summary reached 1 MiB/)
})

test('secrets are masked, groups wrap their output, and setFailed writes an error command', async () => {
  const { env, stdout } = setup('misc')
  env.setSecret('s3cr%t\nx')
  const value = await env.group('Validate', async () => {
    env.info('inside')
    return 42
  })
  env.setFailed('2 problems\nin models/a')
  assert.equal(value, 42)
  assert.equal(env.failed, true)
  assert.equal(stdout(), '::add-mask::s3cr%25t%0Ax\n::group::Validate\ninside\n::endgroup::\n::error::2 problems%0Ain models/a\n')
})

test('log text that looks like a command is fenced with stop-commands so it cannot run', () => {
  const { env, stdout } = setup('stop')
  env.info('a message\n::add-mask::oops')
  const lines = stdout().trimEnd().split('\n')
  assert.match(lines[0] ?? '', /^::stop-commands::(modelship-[0-9a-z]{12,})$/)
  const token = lines[0]?.split('::')[2]
  assert.deepEqual(lines.slice(1), ['a message', '::add-mask::oops', `::${token}::`])
})

test('a marker never occurs in the text it fences, and an output name with a line break is refused', () => {
  const text = 'ghadelimiter_'.repeat(3)
  for (let i = 0; i < 100; i++) assert.ok(!text.includes(uniqueMarker('ghadelimiter_', text)))
  const { env } = setup('bad-name')
  assert.throws(() => env.setOutput('a\nb', 'x'), /output name "a\\nb" has a line break; output names are one line/)
})

test('without GITHUB_OUTPUT (a plain local run) outputs are logged instead', () => {
  let stdout = ''
  const env = createActionEnv({ vars: {}, write: (t) => (stdout += t), cwd: '/here' })
  env.setOutput('valid', 'true')
  assert.equal(stdout, 'output valid: true\n')
  assert.equal(env.workspace, '/here')
})
