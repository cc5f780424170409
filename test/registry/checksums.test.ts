import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { sha256File } from '../../src/fs/sha256.js'
import { parseChecksums, renderChecksums } from '../../src/registry/checksums.js'

describe('SHA256SUMS', () => {
  it('writes what sha256sum writes, sorted by name, and reads it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelship-sums-'))
    try {
      writeFileSync(join(dir, 'b.json'), '{"b":1}\n')
      writeFileSync(join(dir, 'a.onnx'), Buffer.from([0, 1, 2, 255]))
      const sums = new Map([
        ['b.json', await sha256File(join(dir, 'b.json'))],
        ['a.onnx', await sha256File(join(dir, 'a.onnx'))],
      ])
      const text = renderChecksums(sums)
      assert.equal(text, execFileSync('sha256sum', ['a.onnx', 'b.json'], { cwd: dir, encoding: 'utf8' }))
      assert.deepEqual(parseChecksums(text), sums)
      assert.deepEqual(parseChecksums(text.replace('  a.onnx', ' *a.onnx')), sums)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('names the damaged line', () => {
    assert.throws(() => parseChecksums(`${'a'.repeat(64)}  ok\nnot a checksum\n`, 'SHA256SUMS of churn@v1.0.0'), {
      name: 'RegistryConflictError',
      message: `SHA256SUMS of churn@v1.0.0 line 2 is not '<sha256>  <file>': "not a checksum"; the release's checksum file is damaged, register the version again`,
    })
  })
})
