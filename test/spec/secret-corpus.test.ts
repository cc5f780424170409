// Runs the secret corpus (secret-corpus.ts) through full validation: each secret is found and
// appears in no problem's path or message; each look-alike raises no secret finding.
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { formatProblem, validateModelFile } from '../../src/spec/index.js'
import { BASE_REPO } from './corpus.js'
import { SECRET_CASES } from './secret-corpus.js'

const root = mkdtempSync(join(tmpdir(), 'modelship-secrets-'))
cpSync(BASE_REPO, root, { recursive: true })
after(() => rmSync(root, { recursive: true, force: true }))
const FILE = 'models/churn/model.yaml'
const VALID = readFileSync(join(BASE_REPO, FILE), 'utf8')
const SECRET_MESSAGE = /looks like|holds a literal password|holds what looks like a literal secret|is a literal secret/

describe('secret corpus', () => {
  for (const entry of SECRET_CASES) {
    it(`${entry.secret ? 'finds' : 'passes'} ${entry.name}`, async () => {
      let spec = entry.params ? VALID.replace('  params: { C: 1.0 }\n', `  params:\n    C: 1.0\n    ${entry.params}\n`) : VALID
      if (entry.edit) spec = entry.edit(spec)
      assert.notEqual(spec, VALID, 'the case changed nothing')
      writeFileSync(join(root, FILE), spec)
      const lines = (await validateModelFile(root, FILE)).problems.map(formatProblem)
      const found = lines.filter((line) => SECRET_MESSAGE.test(line))
      if (entry.secret) {
        assert.equal(found.length, 1, lines.join('\n'))
        for (const line of lines) assert.ok(!line.includes(entry.secret), `echoed: ${line}`)
      } else {
        assert.deepEqual(found, [])
      }
    })
  }
})
