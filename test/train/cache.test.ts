import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import * as actionsCache from '@actions/cache'
import { ActionsTrainCache, type ActionsCacheClient } from '../../src/train/actions-cache.js'
import { CACHE_KEY_PREFIX, LocalTrainCache, computeCacheKey, type CacheKeyInputs } from '../../src/train/cache.js'
import { canonicalJson, hashTree } from '../../src/train/hash.js'
import { RecordingLogger, tempDir } from './helpers.js'

async function project(): Promise<string> {
  const dir = await tempDir()
  await writeFile(join(dir, 'train.py'), 'print("train")\n')
  await mkdir(join(dir, 'lib'))
  await writeFile(join(dir, 'lib', 'features.py'), 'X = 1\n')
  return dir
}

function inputs(workingDirectory: string, overrides: Partial<CacheKeyInputs> = {}): CacheKeyInputs {
  return {
    model: 'churn',
    trainSection: { command: ['python', 'train.py'], params: { C: 1 } },
    workingDirectory,
    exclude: [join(workingDirectory, 'outputs')],
    dataSha256: { train: 'a'.repeat(64), test: 'b'.repeat(64) },
    environmentKey: 'e'.repeat(64),
    ...overrides,
  }
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}')
  })
})

describe('computeCacheKey', () => {
  it('is modelship-train-<model>-<sha256>, well under 512 characters', async () => {
    const key = await computeCacheKey(inputs(await project()))
    assert.match(key, /^modelship-train-churn-[0-9a-f]{64}$/)
    assert.ok(key.startsWith(CACHE_KEY_PREFIX))
    const long = await computeCacheKey(inputs(await project(), { model: 'x'.repeat(600) }))
    assert.ok(long.length <= 512 && long.length < 255, String(long.length))
  })

  it('replaces characters a cache key cannot hold', async () => {
    const key = await computeCacheKey(inputs(await project(), { model: 'team,a:churn v2' }))
    assert.match(key, /^modelship-train-team-a-churn-v2-[0-9a-f]{64}$/)
  })

  it('does not depend on key order in the train section', async () => {
    const dir = await project()
    const a = await computeCacheKey(inputs(dir, { trainSection: { params: { C: 1, max_iter: 5 }, retries: 2 } }))
    const b = await computeCacheKey(inputs(dir, { trainSection: { retries: 2, params: { max_iter: 5, C: 1 } } }))
    assert.equal(a, b)
  })

  it('changes with the train section, code, data and environment', async () => {
    const dir = await project()
    const base = await computeCacheKey(inputs(dir))
    assert.notEqual(await computeCacheKey(inputs(dir, { trainSection: { params: { C: 2 } } })), base)
    assert.notEqual(await computeCacheKey(inputs(dir, { dataSha256: { train: 'c'.repeat(64), test: 'b'.repeat(64) } })), base)
    assert.notEqual(await computeCacheKey(inputs(dir, { environmentKey: 'f'.repeat(64) })), base)
    await writeFile(join(dir, 'lib', 'features.py'), 'X = 2\n')
    assert.notEqual(await computeCacheKey(inputs(dir)), base)
  })

  it('ignores outputs, .git, node_modules, __pycache__ and virtualenvs under any name', async () => {
    const dir = await project()
    const base = await computeCacheKey(inputs(dir))
    for (const folder of ['outputs', '.git', 'node_modules', '__pycache__', 'my-env']) {
      await mkdir(join(dir, folder), { recursive: true })
      await writeFile(join(dir, folder, 'x.bin'), 'changes every run')
    }
    await writeFile(join(dir, 'my-env', 'pyvenv.cfg'), 'home = /usr/bin\n')
    assert.equal(await computeCacheKey(inputs(dir)), base)
  })
})

describe('hashTree', () => {
  it('hashes a symbolic link by its target without following it', async () => {
    const dir = await project()
    const before = await hashTree(dir)
    await symlink('/nonexistent/target', join(dir, 'link'))
    const withLink = await hashTree(dir)
    assert.notEqual(withLink, before)
  })

  it('counts a renamed file as a change', async () => {
    const a = await project()
    const b = await project()
    assert.equal(await hashTree(a), await hashTree(b))
    await writeFile(join(b, 'train2.py'), 'print("train")\n')
    await writeFile(join(a, 'train3.py'), 'print("train")\n')
    assert.notEqual(await hashTree(a), await hashTree(b))
  })
})

describe('LocalTrainCache', () => {
  it('misses, saves, then restores the same files', async () => {
    const root = join(await tempDir(), 'cache')
    const cache = new LocalTrainCache(root)
    const source = await tempDir()
    await writeFile(join(source, 'model.onnx'), 'bytes')
    await mkdir(join(source, 'extra'))
    await writeFile(join(source, 'extra', 'notes.txt'), 'hi')
    const target = join(await tempDir(), 'restored')
    assert.equal(await cache.restore('k1', target), false)
    assert.equal(existsSync(target), false)

    await cache.save('k1', source)
    assert.deepEqual(await readdir(root), ['k1'])
    assert.equal(await cache.restore('k1', target), true)
    assert.equal(await readFile(join(target, 'model.onnx'), 'utf8'), 'bytes')
    assert.equal(await readFile(join(target, 'extra', 'notes.txt'), 'utf8'), 'hi')
  })

  it('keeps the first entry of a key (same key, same outputs) and leaves no temp folders', async () => {
    const root = join(await tempDir(), 'cache')
    const cache = new LocalTrainCache(root)
    const first = await tempDir()
    await writeFile(join(first, 'model.onnx'), 'first')
    const second = await tempDir()
    await writeFile(join(second, 'model.onnx'), 'second')
    await cache.save('k', first)
    await cache.save('k', second)
    assert.deepEqual(await readdir(root), ['k'])
    assert.equal(await readFile(join(root, 'k', 'model.onnx'), 'utf8'), 'first')
  })

  it('warns, without throwing, when it cannot save', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'cache'), 'a file where the cache folder should be')
    const warnings: string[] = []
    const cache = new LocalTrainCache(join(dir, 'cache'), (message) => warnings.push(message))
    await cache.save('k', await tempDir())
    assert.equal(warnings.length, 1)
    assert.match(warnings[0]!, /^Could not save the training cache entry k: /)
  })
})

/** A stand-in for the Actions cache service that keeps archives in memory as folder copies. */
class RecordingClient implements ActionsCacheClient {
  readonly calls: string[] = []
  readonly entries = new Map<string, Map<string, string>>()
  failSave: Error | undefined
  failRestore: Error | undefined
  answerSave = 1

  constructor(private readonly workspace: string) {}

  async restoreCache(paths: string[], primaryKey: string, restoreKeys?: string[]): Promise<string | undefined> {
    this.calls.push(`restore ${paths.join(',')} ${primaryKey} ${JSON.stringify(restoreKeys ?? [])}`)
    if (this.failRestore) throw this.failRestore
    const entry = this.entries.get(`${paths.join(',')}|${primaryKey}`)
    if (entry === undefined) return undefined
    const dir = join(this.workspace, paths[0]!)
    await mkdir(dir, { recursive: true })
    for (const [name, text] of entry) await writeFile(join(dir, name), text)
    return primaryKey
  }

  async saveCache(paths: string[], key: string): Promise<number> {
    this.calls.push(`save ${paths.join(',')} ${key}`)
    if (this.failSave) throw this.failSave
    const dir = join(this.workspace, paths[0]!)
    const files = new Map<string, string>()
    for (const name of await readdir(dir)) files.set(name, await readFile(join(dir, name), 'utf8'))
    this.entries.set(`${paths.join(',')}|${key}`, files)
    return this.answerSave
  }
}

describe('ActionsTrainCache', () => {
  it('has the shape of @actions/cache', () => {
    const client: ActionsCacheClient = actionsCache
    assert.equal(typeof client.restoreCache, 'function')
  })

  it('saves and restores through one workspace-relative path per key, exact key only', async () => {
    const workspace = await tempDir()
    const client = new RecordingClient(workspace)
    const log = new RecordingLogger()
    const cache = new ActionsTrainCache({ client, log, workspace })
    const source = await tempDir()
    await writeFile(join(source, 'model.onnx'), 'bytes')
    const target = join(await tempDir(), 'restored')

    assert.equal(await cache.restore('modelship-train-churn-1', target), false)
    await cache.save('modelship-train-churn-1', source)
    assert.equal(await cache.restore('modelship-train-churn-1', target), true)
    assert.equal(await readFile(join(target, 'model.onnx'), 'utf8'), 'bytes')

    const path = cache.stagingPath('modelship-train-churn-1')
    assert.match(path, /^\.modelship\/actions-cache\/[0-9a-f]{16}$/)
    assert.deepEqual(client.calls, [
      `restore ${path} modelship-train-churn-1 []`,
      `save ${path} modelship-train-churn-1`,
      `restore ${path} modelship-train-churn-1 []`,
    ])
    assert.deepEqual(log.lines, ['info: Saved the outputs to the Actions cache under modelship-train-churn-1'])
    // Nothing is left in the staging folder.
    assert.deepEqual(await readdir(join(workspace, '.modelship', 'actions-cache')), [])
  })

  it('treats a restore that throws as a miss, with a warning', async () => {
    const workspace = await tempDir()
    const client = new RecordingClient(workspace)
    client.failRestore = new Error('Cache service responded with 503')
    const log = new RecordingLogger()
    const cache = new ActionsTrainCache({ client, log, workspace })
    assert.equal(await cache.restore('k', join(workspace, 'out')), false)
    assert.deepEqual(log.warnings, ['Could not read the Actions cache (training goes on): Cache service responded with 503'])
  })

  it('only warns when saving fails', async () => {
    const workspace = await tempDir()
    const client = new RecordingClient(workspace)
    client.failSave = new Error('Key Validation Error: k cannot contain commas.')
    const log = new RecordingLogger()
    const cache = new ActionsTrainCache({ client, log, workspace })
    const source = await tempDir()
    await writeFile(join(source, 'model.onnx'), 'bytes')
    await cache.save('k', source)
    assert.deepEqual(log.warnings, [
      'Could not save the outputs to the Actions cache under k: Key Validation Error: k cannot contain commas.',
    ])
    assert.equal(existsSync(join(workspace, cache.stagingPath('k'))), false)
  })

  it('says nothing more when @actions/cache answers -1 (it warned already)', async () => {
    const workspace = await tempDir()
    const client = new RecordingClient(workspace)
    client.answerSave = -1
    const log = new RecordingLogger()
    const source = await tempDir()
    await writeFile(join(source, 'model.onnx'), 'bytes')
    await new ActionsTrainCache({ client, log, workspace }).save('k', source)
    assert.deepEqual(log.lines, [])
  })
})
