import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { MAX_SPEC_BYTES, formatProblem, validateRepository } from '../../src/spec/index.js'
import { formatPath, parseYamlSource, readYamlSource } from '../../src/spec/yaml-source.js'

const root = mkdtempSync(join(tmpdir(), 'modelship-yaml-'))
after(() => rmSync(root, { recursive: true, force: true }))

describe('YAML source', () => {
  it('refuses a file over 256 KiB before parsing, saying the size, the limit and the fix', async () => {
    mkdirSync(join(root, 'models', 'big'), { recursive: true })
    // Valid YAML all the way: only the size can be the reason.
    writeFileSync(join(root, 'models', 'big', 'model.yaml'), `# ${'x'.repeat(MAX_SPEC_BYTES)}\nname: big\n`)
    mkdirSync(join(root, 'models', 'huge'), { recursive: true })
    writeFileSync(join(root, 'models', 'huge', 'model.yaml'), `# ${'x'.repeat(2 * 1024 * 1024)}\n`)
    const report = await validateRepository(root)
    const fix = 'a spec describes data, it does not hold it; keep long lists (features, params grids) and embedded data in files the spec names'
    assert.deepEqual(report.problems.map(formatProblem), [
      `models/big/model.yaml:1:1 is 257 KiB (262,157 bytes); the limit is 256 KiB (262,144 bytes): ${fix}`,
      `models/huge/model.yaml:1:1 is 2.0 MiB (2,097,155 bytes); the limit is 256 KiB (262,144 bytes): ${fix}`,
    ])
    assert.equal(report.valid, false)
    rmSync(join(root, 'models'), { recursive: true, force: true })
  })

  it('reads a file of exactly the limit', async () => {
    mkdirSync(join(root, 'models', 'edge'), { recursive: true })
    const head = 'name: edge\n# '
    writeFileSync(join(root, 'models', 'edge', 'model.yaml'), `${head}${'x'.repeat(MAX_SPEC_BYTES - head.length - 1)}\n`)
    const report = await validateRepository(root)
    assert.ok(report.problems.every((problem) => !problem.message.includes('the limit is')), report.problems.map(formatProblem).join('\n'))
    rmSync(join(root, 'models'), { recursive: true, force: true })
  })

  it('points at the key for key problems and at the value for value problems', () => {
    const source = parseYamlSource('a:\n  b: 1\n  list:\n    - x\n    - { c: 2 }\n', 'f.yaml')
    assert.deepEqual(source.problems, [])
    const at = (path: (string | number)[], target?: 'key' | 'value') => {
      const problem = source.problemAt(path, 'm', { target })
      return `${problem.line}:${problem.column} ${problem.path}`
    }
    assert.equal(at(['a', 'b'], 'key'), '2:3 a.b')
    assert.equal(at(['a', 'b']), '2:6 a.b')
    assert.equal(at(['a', 'list', 1, 'c']), '5:12 a.list[1].c')
    // A key that is not there: its parent's key.
    assert.equal(at(['a', 'list', 1, 'missing']), '5:7 a.list[1].missing')
    assert.equal(at(['nothing']), '1:1 nothing')
  })

  it('points an empty value at its key', () => {
    const source = parseYamlSource('name: x\ntarget:\n', 'f.yaml')
    const problem = source.problemAt(['target'], 'm')
    assert.deepEqual([problem.line, problem.column], [2, 1])
  })

  it('reads a file with a byte-order mark', () => {
    const source = parseYamlSource('\ufeffname: churn\n', 'f.yaml')
    assert.deepEqual(source.data, { name: 'churn' })
  })

  it('says a missing file does not exist', async () => {
    const source = await readYamlSource(root, 'models/none/model.yaml')
    assert.deepEqual(source.problems.map(formatProblem), ['models/none/model.yaml:1:1 does not exist; expected a YAML spec file at models/none/model.yaml'])
  })

  it('survives deeply nested input without throwing', () => {
    const source = parseYamlSource(`a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'f.yaml')
    assert.equal(typeof source.problems.length, 'number')
  })

  it('formats key paths with quotes for keys that are not plain words', () => {
    assert.equal(formatPath(['train', 'params', 'a b', 0]), 'train.params["a b"][0]')
    assert.equal(formatPath([0, 'x']), '[0].x')
  })
})
