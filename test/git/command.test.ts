import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, mock, test } from 'node:test'
import { git, gitBytes, GitCommandError } from '../../src/git/command.js'
import { createTestRepo, type TestRepo } from './test-repo.js'

/** Not valid UTF-8: text decoding would change them. */
const BYTES = Buffer.from([0x00, 0xff, 0x01, 0x80, 0xc3])
let repo: TestRepo
let head: string
before(() => {
  repo = createTestRepo()
  repo.write({ 'a.txt': 'one\n' })
  writeFileSync(join(repo.dir, 'bin.dat'), BYTES)
  head = repo.commit('start')
})
after(() => repo.remove())

test('stdout comes back as written, not trimmed', async () => {
  assert.equal(await git(['rev-parse', 'HEAD'], { cwd: repo.dir }), `${head}\n`)
})

test('a non-zero exit without a message is a failure with its exit code', async () => {
  await assert.rejects(git(['merge-base', '--is-ancestor', 'HEAD', '4b825dc642cb6eb9a060e54bf8d69288fbee4904'], { cwd: repo.dir }), (error: Error) => {
    assert.ok(error instanceof GitCommandError)
    assert.ok(error.exitCode !== 0 && error.exitCode !== null)
    return true
  })
  await assert.rejects(git(['diff', '--quiet', 'HEAD', '4b825dc642cb6eb9a060e54bf8d69288fbee4904'], { cwd: repo.dir }), (error: Error) => {
    assert.ok(error instanceof GitCommandError)
    assert.equal(error.exitCode, 1)
    assert.equal(error.message, 'git diff --quiet HEAD 4b825dc642cb6eb9a060e54bf8d69288fbee4904 failed: exit code 1')
    return true
  })
})

test("a failure carries git's message, the arguments and the exit code", async () => {
  await assert.rejects(git(['rev-parse', '--verify', 'nope'], { cwd: repo.dir }), (error: Error) => {
    assert.ok(error instanceof GitCommandError)
    assert.deepEqual(error.args, ['rev-parse', '--verify', 'nope'])
    assert.equal(error.exitCode, 128)
    assert.match(error.stderr, /fatal: Needed a single revision/)
    assert.match(error.message, /^git rev-parse --verify nope failed: fatal: Needed a single revision/)
    return true
  })
})

test('a folder that does not exist is a GitCommandError, not a crash', async () => {
  await assert.rejects(git(['status'], { cwd: `${repo.dir}/missing` }), (error: Error) => {
    assert.ok(error instanceof GitCommandError)
    assert.equal(error.exitCode, null)
    assert.match(error.message, /^git status failed: .*does not exist/)
    return true
  })
})

test('the environment passes through: GIT_* variables given and inherited, and an EDITOR set by npm', async () => {
  const saved = process.env.EDITOR
  process.env.EDITOR = 'vi'
  try {
    const env = { GIT_AUTHOR_NAME: 'Deployer', GIT_AUTHOR_EMAIL: 'd@example.com', GIT_COMMITTER_NAME: 'Deployer', GIT_COMMITTER_EMAIL: 'd@example.com', GIT_COMMITTER_DATE: '2020-01-02T03:04:05Z' }
    assert.equal(await git(['var', 'GIT_COMMITTER_IDENT'], { cwd: repo.dir, env }), 'Deployer <d@example.com> 1577934245 +0000\n')
  } finally {
    if (saved === undefined) delete process.env.EDITOR
    else process.env.EDITOR = saved
  }
})

test('cat-file --batch answers bytes exactly, with stdin fed', async () => {
  const blob = (await git(['rev-parse', 'HEAD:bin.dat'], { cwd: repo.dir })).trim()
  const out = await gitBytes(['cat-file', '--batch'], `${blob}\n`, { cwd: repo.dir })
  const expected = Buffer.concat([Buffer.from(`${blob} blob 5\n`), BYTES, Buffer.from('\n')])
  assert.deepEqual(out, expected)
  assert.equal((await gitBytes(['hash-object', '--stdin'], 'hello\n', { cwd: repo.dir })).toString(), 'ce013625030ba8dba906f756967f9e9ca394464a\n')
})

test('a command that prints nothing answers without waiting on a timer', { timeout: 120_000 }, async () => {
  // simple-git waits 50 ms on setTimeout after a silent command unless it saw output; with timers
  // frozen that wait would never end, so this finishing shows it is not taken.
  mock.timers.enable({ apis: ['setTimeout'] })
  try {
    assert.equal(await git(['update-ref', 'refs/heads/copy', 'HEAD'], { cwd: repo.dir }), '')
    assert.equal(await git(['diff', '--quiet'], { cwd: repo.dir }), '')
  } finally {
    mock.timers.reset()
  }
})
