import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { copyDirAtomic, createStagingDir, promoteDir, writeFileAtomic } from '../../src/fs/atomic-file.js'
import { isDirectory, isFile, pathExists } from '../../src/fs/file-kind.js'

const roots: string[] = []
after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))))
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'modelship-fs-'))
  roots.push(dir)
  return dir
}

describe('writeFileAtomic', () => {
  it('writes a new file and replaces an old one, leaving no temporary file', async () => {
    const dir = await tempDir()
    const file = join(dir, 'run.json')
    await writeFileAtomic(file, '{"a":1}\n')
    await writeFileAtomic(file, new TextEncoder().encode('{"a":2}\n'))
    assert.equal(await readFile(file, 'utf8'), '{"a":2}\n')
    assert.deepEqual(await readdir(dir), ['run.json'])
  })

  it('fails without touching the old file or leaving a temporary one when the rename cannot happen', async () => {
    const dir = await tempDir()
    // A folder in the way: the temporary file is written, the rename over a folder fails.
    await mkdir(join(dir, 'taken'))
    await writeFile(join(dir, 'taken', 'keep'), 'old')
    await assert.rejects(writeFileAtomic(join(dir, 'taken'), 'new'), { code: 'EISDIR' })
    assert.deepEqual(await readdir(dir), ['taken'])
    assert.equal(await readFile(join(dir, 'taken', 'keep'), 'utf8'), 'old')
  })

  it('fails with ENOENT when the folder does not exist', async () => {
    const dir = await tempDir()
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'x.json'), '{}'), { code: 'ENOENT' })
    assert.deepEqual(await readdir(dir), [])
  })
})

describe('createStagingDir and promoteDir', () => {
  it('swaps a staged folder in for the old one, which is gone afterwards', async () => {
    const dir = await tempDir()
    const target = join(dir, 'outputs', 'churn')
    await mkdir(target, { recursive: true })
    await writeFile(join(target, 'model.onnx'), 'old')
    await writeFile(join(target, 'stale.txt'), 'old')
    const staging = await createStagingDir(target, 'attempt')
    assert.match(staging, /[\\/]\.churn\.attempt-[0-9a-f]{8}$/)
    await writeFile(join(staging, 'model.onnx'), 'new')
    await promoteDir(staging, target)
    assert.deepEqual(await readdir(target), ['model.onnx'])
    assert.equal(await readFile(join(target, 'model.onnx'), 'utf8'), 'new')
    assert.deepEqual(await readdir(join(dir, 'outputs')), ['churn'])
  })

  it('puts the old folder back when the staged one cannot be moved in', async () => {
    const dir = await tempDir()
    const target = join(dir, 'churn')
    await mkdir(target)
    await writeFile(join(target, 'model.onnx'), 'old')
    await assert.rejects(promoteDir(join(dir, 'never-staged'), target), { code: 'ENOENT' })
    assert.equal(await readFile(join(target, 'model.onnx'), 'utf8'), 'old')
    assert.deepEqual(await readdir(dir), ['churn'])
  })
})

describe('copyDirAtomic', () => {
  it('copies a folder over an existing one in one step and removes its staging folder on failure', async () => {
    const dir = await tempDir()
    const source = join(dir, 'source')
    await mkdir(join(source, 'nested'), { recursive: true })
    await writeFile(join(source, 'nested', 'a.txt'), 'a')
    const target = join(dir, 'runs', 'r1')
    await mkdir(target, { recursive: true })
    await writeFile(join(target, 'old.txt'), 'old')
    await copyDirAtomic(source, target)
    assert.deepEqual(await readdir(target), ['nested'])
    assert.equal(await readFile(join(target, 'nested', 'a.txt'), 'utf8'), 'a')

    await assert.rejects(copyDirAtomic(join(dir, 'no-such-source'), target), { code: 'ENOENT' })
    assert.deepEqual(await readdir(join(dir, 'runs')), ['r1'])
    assert.deepEqual(await readdir(target), ['nested'])
  })
})

describe('file kinds', () => {
  it('tells folders, files and nothing apart without throwing', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'f'), '')
    assert.deepEqual(
      await Promise.all([isDirectory(dir), isFile(dir), pathExists(dir), isDirectory(join(dir, 'f')), isFile(join(dir, 'f')), pathExists(join(dir, 'nope')), isFile(join(dir, 'nope'))]),
      [true, false, true, false, true, false, false],
    )
  })
})
