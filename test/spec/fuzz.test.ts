// Property-based fuzzing of spec validation with fast-check, seeded so a failure reproduces (fast-check
// prints the seed and the shrunk counterexample). Inputs are YAML token soup and random edits of a
// valid spec, small enough that a few thousand cases cost a few seconds. Properties: validation
// never throws, every problem is one `file:line:col` line with nothing unsafe in it, and the CLI
// exits 0, 1 or 2 without a stack trace.
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'
import { formatProblem, validateModelFile } from '../../src/spec/index.js'
import { cli } from '../cli/train-fixture.js'
import { BASE_REPO } from './corpus.js'

const SEED = 20261201
const root = mkdtempSync(join(tmpdir(), 'modelship-fuzz-'))
cpSync(BASE_REPO, root, { recursive: true })
after(() => rmSync(root, { recursive: true, force: true }))
const FILE = 'models/churn/model.yaml'
const VALID = readFileSync(join(BASE_REPO, FILE), 'utf8')

const FRAGMENTS = [
  'a: ', 'name: ', 'task: ', 'data:', 'train:', 'params:', 'features: ', 'metrics: ', 'evaluate:', 'deploy:',
  '- ', '? ', ': ', '[', ']', '{', '}', ', ', '&a ', '*a', '&b ', '*b', '<<: *a', '!tag ', '!!str ', '!!binary ',
  '|', '|-', '>', '"', "'", '\\', '#', ' # c', '\n', '\n  ', '\n    ', '  ', '\t', '\r\n', '---\n', '...\n', '%YAML 1.2\n',
  'apiVersion: modelship/v1\n', 'kind: Model\n', 'name: churn\n', 'task: regression\n', 'binary-classification',
  'roc_auc', 'r3', 'null', '~', 'true', 'yes', '1e400', '-0', '0x1F', '3.10', '${outputs}', '${{ secrets.X }}',
  'ghp_R2d2C3poXwingYodaLukeLeia0123456789ab', 'password: 123456', 'Bearer abcdefghijklmnop1234',
  '\u001b[31m', '::error::x', '\u202e', '\u2028', '\u0000', 'é', '😀', 'x'.repeat(100),
]

/** YAML-ish token soup. */
const soup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 }).map((parts) => parts.join(''))

/** A valid spec with a few random cuts, insertions and repeated slices. */
const edited = fc
  .array(
    fc.record({
      at: fc.nat({ max: VALID.length }),
      cut: fc.nat({ max: 40 }),
      insert: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 8, unit: 'binary' })),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((edits) => edits.reduce((text, { at, cut, insert }) => text.slice(0, at) + insert + text.slice(Math.min(text.length, at + cut)), VALID))

const specText = fc.oneof(soup, edited)

// A problem line: file:line:col, then one line of text with no control characters.
const PROBLEM_LINE = /^models\/churn\/model\.yaml:[1-9]\d*:[1-9]\d* [^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/

describe('fuzzing spec validation', () => {
  it('never throws, and reports every problem as one safe file:line:col line', async () => {
    await fc.assert(
      fc.asyncProperty(specText, async (text) => {
        writeFileSync(join(root, FILE), text)
        const model = await validateModelFile(root, FILE)
        for (const problem of model.problems) assert.match(formatProblem(problem), PROBLEM_LINE)
      }),
      { seed: SEED, numRuns: 1500 },
    )
  })

  it('the CLI exits 0, 1 or 2 and never prints a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(specText, async (text) => {
        writeFileSync(join(root, FILE), text)
        const { code, stdout, stderr } = await cli(['validate', FILE], root)
        assert.ok([0, 1, 2].includes(code), `exit ${code}`)
        assert.doesNotMatch(stdout + stderr, /\n\s+at .*:\d+:\d+\)?\n|unexpected error/i)
        const lines = stdout.trimEnd().split('\n')
        for (const line of lines.slice(0, -1)) assert.match(line, PROBLEM_LINE)
        assert.match(lines.at(-1)!, /^(valid|invalid): /)
      }),
      { seed: SEED, numRuns: 300 },
    )
  })
})
