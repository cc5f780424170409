// Paths a command writes that cannot be used: a folder where a file goes, a file on the way to a
// folder, a folder --out would replace. Each is a usage error naming the option, the path and the
// fix, before any work, never "unexpected error" and a stack trace.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { filesystemMessage } from '../../src/cli/run-cli.js'
import { EVALUATION, RUN_DIR, registryRepo, type RegistryRepo } from './registry-fixture.js'
import { cli } from './train-fixture.js'

describe('--out and --dir that cannot be written', () => {
  let repo: RegistryRepo
  before(async () => {
    repo = await registryRepo()
    writeFileSync(join(repo.dir, 'a-file'), 'not a folder\n')
    mkdirSync(join(repo.dir, 'a-folder'))
    const registered = await cli(['registry', 'register', 'churn', '--run', RUN_DIR, '--evaluation', EVALUATION], repo.dir)
    assert.equal(registered.code, 0, registered.stderr)
  })
  after(() => repo.remove())

  const refused = async (argv: string[], message: string): Promise<void> => {
    const { code, stdout, stderr } = await cli(argv, repo.dir)
    assert.equal(code, 2, stdout + stderr)
    assert.equal(stderr.split('\n')[0], message)
    assert.doesNotMatch(stderr, /unexpected error|\n\s+at /)
  }

  test('train --out: a file, a file on the way, a folder of other things', async () => {
    await refused(['train', 'churn', '--out', 'a-file'], "modelship train: --out 'a-file' is a file, where a folder goes; give a folder path (it is created when missing)")
    await refused(['train', 'churn', '--out', 'a-file/churn'], "modelship train: --out 'a-file/churn': 'a-file' is a file, so it cannot hold a folder; give a path under a folder")
    await refused(
      ['train', 'churn', '--out', 'models'],
      "modelship train: --out 'models' is a folder holding other files (4 entries, no run.json of an earlier training), and the outputs replace that folder as a whole; give a new or empty folder, e.g. models/outputs",
    )
    assert.ok(existsSync(join(repo.dir, 'models/churn/model.yaml')), 'the folder was left as it was')
  })

  test('train --out: a new folder, an empty one, and an earlier run\'s outputs are fine', async () => {
    await mkdir(join(repo.dir, 'empty'))
    for (const out of ['build/churn', 'build/churn', 'empty']) {
      const { code, stderr } = await cli(['train', 'churn', '--out', out, '--no-cache'], repo.dir)
      assert.equal(code, 0, stderr)
      assert.ok(existsSync(join(repo.dir, out, 'run.json')))
    }
  })

  test('evaluate --out: a folder, a file on the way', async () => {
    await refused(['evaluate', 'churn', '--no-explain', '--out', 'a-folder'], "modelship evaluate: --out 'a-folder' is a folder, where the file to write goes; give a file path, e.g. a-folder/evaluation.json")
    await refused(['evaluate', 'churn', '--no-explain', '--out', 'a-file/evaluation.json'], "modelship evaluate: --out 'a-file/evaluation.json': 'a-file' is a file, so it cannot hold a folder; give a path under a folder")
  })

  test('registry download --dir: a file, a file on the way', async () => {
    await refused(['registry', 'download', 'churn@latest', '--dir', 'a-file'], "modelship registry: --dir 'a-file' is a file, where a folder goes; give a folder path (it is created when missing)")
    await refused(['registry', 'download', 'churn@latest', '--dir', 'a-file/deeper/still'], "modelship registry: --dir 'a-file/deeper/still': 'a-file' is a file, so it cannot hold a folder; give a path under a folder")
    const fine = await cli(['registry', 'download', 'churn@latest', '--dir', 'a-folder'], repo.dir)
    assert.equal(fine.code, 0, fine.stderr)
  })

  test('report --artifact-dir: a file', async () => {
    await refused(['report', EVALUATION, '--pr', '3', '--artifact-dir', 'a-file'], "modelship report: --artifact-dir 'a-file' is a file, where a folder goes; give a folder path (it is created when missing)")
  })
})

test('any other filesystem error is its path and cause, not a stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-fs-'))
  try {
    writeFileSync(join(dir, 'file'), 'x')
    const error = await mkdir(join(dir, 'file', 'sub')).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    assert.equal(filesystemMessage(error), `cannot create the folder '${join(dir, 'file', 'sub')}': a part of the path is a file, where a folder was expected`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  assert.equal(filesystemMessage(Object.assign(new Error('x'), { code: 'ENOSPC', syscall: 'write', path: '/data/out\n::error::forged' })), "cannot write '/data/out\\u000a::error::forged': no space left on the device")
  assert.equal(filesystemMessage(Object.assign(new Error('x'), { code: 'EXDEV', syscall: 'rename', path: '/a', dest: '/b' })), "cannot move '/a' to '/b': EXDEV")
  assert.equal(filesystemMessage(new TypeError('not a filesystem error')), undefined)
})
