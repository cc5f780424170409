import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { UsageError } from '../../src/errors.js'
import { changedFilesSince } from '../../src/git/changed-files.js'
import { createTestRepo, type TestRepo } from './test-repo.js'

let repo: TestRepo
let base: string
before(() => {
  repo = createTestRepo()
  repo.write({
    '.gitignore': 'outputs/\n',
    'models/a/model.yaml': 'name: a\n',
    'models/b/model.yaml': 'name: b\n',
    'data/a.csv': 'x\n1\n',
    'sub/models/c/model.yaml': 'name: c\n',
    'old-name.txt': 'moved\n',
  })
  base = repo.commit('start')
  repo.git('checkout', '-q', '-b', 'feature')
  repo.write({ 'data/a.csv': 'x\n2\n' })
  repo.git('mv', 'old-name.txt', 'new-name.txt')
  repo.commit('change a')
  // main moves on after the branch point: its changes are not the branch's.
  repo.git('checkout', '-q', 'main')
  repo.write({ 'models/b/model.yaml': 'name: b2\n' })
  repo.commit('main moves on')
  repo.git('checkout', '-q', 'feature')
  // Not committed yet: a tracked edit, a new file, and an ignored one.
  repo.write({ 'sub/models/c/model.yaml': 'name: c2\n', 'models/a/train.py': 'print()\n', 'models/a/outputs/model.onnx': 'x' })
})
after(() => repo.remove())

test('changes since a ref are the merge-base diff plus uncommitted and untracked files, renames as both paths', async () => {
  const changed = await changedFilesSince(repo.dir, 'main')
  assert.equal(changed.base, base)
  assert.deepEqual(changed.files, ['data/a.csv', 'models/a/train.py', 'new-name.txt', 'old-name.txt', 'sub/models/c/model.yaml'])
})

test('a subfolder root sees only its own changes, with paths relative to it', async () => {
  const changed = await changedFilesSince(join(repo.dir, 'sub'), 'main')
  assert.deepEqual(changed.files, ['models/c/model.yaml'])
})

test('paths with spaces, quotes and non-ASCII letters come back as written, committed or untracked', async () => {
  const names = ['data/données été.csv', 'data/"quoted" name.csv']
  const other = createTestRepo()
  try {
    other.write({ 'README.md': 'x\n' })
    other.commit('start')
    other.write({ [names[0]!]: 'x\n1\n' })
    other.commit('add data')
    other.write({ [names[1]!]: 'x\n2\n' })
    const changed = await changedFilesSince(other.dir, 'HEAD~1')
    assert.deepEqual(changed.files, [...names].sort())
  } finally {
    other.remove()
  }
})

test('a commit id works as the ref', async () => {
  const changed = await changedFilesSince(repo.dir, base)
  assert.ok(changed.files.includes('data/a.csv'))
})

test('an unknown ref is a usage error that says how to fetch it', async () => {
  await assert.rejects(changedFilesSince(repo.dir, 'origin/nope'), (error: unknown) => {
    assert.ok(error instanceof UsageError)
    assert.equal(
      error.message,
      `changed-since: 'origin/nope' is not a branch, tag or commit in the repository at ${repo.dir}; fetch it first (actions/checkout with fetch-depth: 0, or git fetch origin nope) or pass a ref that exists`,
    )
    return true
  })
})

test('a ref that looks like an option is refused', async () => {
  await assert.rejects(changedFilesSince(repo.dir, '--output=/tmp/x'), /changed-since: '--output=\/tmp\/x' is not a ref \(it starts with '-'\)/)
})

test('history with no common ancestor (a shallow clone) is explained', async () => {
  repo.git('checkout', '-q', '--orphan', 'unrelated')
  repo.commit('unrelated root')
  try {
    await assert.rejects(changedFilesSince(repo.dir, 'main'), (error: unknown) => {
      assert.ok(error instanceof UsageError)
      assert.match(error.message, /^changed-since: 'main' and HEAD have no common ancestor here; a shallow clone is the usual cause: check out with fetch-depth: 0/)
      return true
    })
  } finally {
    repo.git('checkout', '-q', '-f', 'feature')
  }
})

test('a folder outside any git repository is a usage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-nogit-'))
  try {
    await assert.rejects(
      changedFilesSince(dir, 'main'),
      new UsageError(
        `changed-since needs git history, but ${dir} is not inside a git work tree; run it in a clone of the repository or leave changed-since out to list every model`,
      ),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
