import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { register } from '../../src/registry/register.js'
import { serve, ServeConfigSchema, type ServeHandle } from '../../src/serve/index.js'
import { collectingLog, createScratchRepo, writeAssets, type ScratchRepo } from '../registry/support/registry-fixture.js'
import { rewriteReleaseFile } from '../registry/support/release-files.js'

const MATRIX = resolve('test/fixtures/onnx/linear-regression.onnx')
const ADMIN = 'admin-token-0123456789abcdef'
const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] })

describe('serve from the registry: verified downloads and the spec’s features', () => {
  let repo: ScratchRepo
  let handle: ServeHandle
  const lines: string[] = []

  before(async () => {
    repo = createScratchRepo('modelship-serve-registry-')
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const spec = 'name: linear\ndata:\n  features: [sqft, rooms, age]\n'
    for (const seed of ['one', 'two']) {
      await register({ model: 'linear', commit: repo.commit(seed), assetsDir: writeAssets(seed, { 'spec.yaml': spec }), assets: { 'model.onnx': MATRIX }, backend, log: collectingLog() })
    }
    // v0.0.2's model changes behind the registry's back: its tag still records the original sha256.
    const tampered = Buffer.from(readFileSync(MATRIX))
    tampered[tampered.length - 1] = 0xff ^ tampered[tampered.length - 1]!
    rewriteReleaseFile(repo.dir, 'linear@v0.0.2', 'model.onnx', tampered)
    const config = ServeConfigSchema.parse({ port: 0, 'cache-dir': join(repo.dir, '.cache'), models: [{ source: 'linear@v0.0.1' }] })
    handle = await serve({
      config,
      cwd: repo.dir,
      env: { MODELSHIP_SERVE_ADMIN_TOKENS: ADMIN },
      registry: () => new LocalRegistryBackend({ repoDir: repo.dir }),
      log: (line) => lines.push(line),
    })
  })
  after(async () => {
    await handle.drain()
    repo.remove()
  })

  it('loads a registry version with the features its spec.yaml names', async () => {
    assert.deepEqual(handle.store.versions('linear').map((v) => [v.version, v.options.features]), [['v0.0.1', ['sqft', 'rooms', 'age']]])
    const meta = (await (await fetch(`${handle.url}/v2/models/linear`)).json()) as { parameters: unknown; versions: string[] }
    assert.deepEqual(meta.parameters, { features: ['sqft', 'rooms', 'age'] })
    assert.match(lines.join('\n'), /loaded linear version v0\.0\.1 from linear@v0\.0\.1/)
  })

  it('refuses a version whose model fails its checksum: nothing loaded, the old version keeps serving', async () => {
    await assert.rejects(handle.loadEntry({ source: 'linear@v0.0.2' }), (error: Error) => {
      assert.match(error.message, /^checksum mismatch for model\.onnx of linear@v0\.0\.2: its version tag recorded [0-9a-f]{64}, the download is [0-9a-f]{64}; the partial file was removed/)
      return true
    })
    assert.deepEqual(handle.store.versions('linear').map((v) => v.version), ['v0.0.1'])
    const res = await fetch(`${handle.url}/v2/models/linear/infer`, { method: 'POST', body })
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as { model_version: string }).model_version, 'v0.0.1')
    // Through the repository extension the same refusal is a 400 with the reason.
    const load = await fetch(`${handle.url}/v2/repository/models/linear/load`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ parameters: { source: 'linear@v0.0.2' } }),
    })
    assert.equal(load.status, 400)
    assert.match(((await load.json()) as { error: string }).error, /^model 'linear' failed to load: checksum mismatch for model\.onnx of linear@v0\.0\.2/)
    assert.deepEqual(handle.store.versions('linear').map((v) => v.version), ['v0.0.1'])
  })
})
