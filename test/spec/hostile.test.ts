// Specs come from pull requests: each shape here once stalled validation, crashed it or carried
// raw text into logs. Every test asserts what a person reads; none asserts a time.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { formatProblem, validateModelFile, validateRepository } from '../../src/spec/index.js'
import { MAX_ALIASES, MAX_PROBLEMS, parseYamlSource } from '../../src/spec/yaml-source.js'
import { MAX_DEPTH, MAX_ENTRIES } from '../../src/spec/yaml-prescan.js'

const root = mkdtempSync(join(tmpdir(), 'modelship-hostile-'))
after(() => rmSync(root, { recursive: true, force: true }))

const HEAD = 'apiVersion: modelship/v1\nkind: Model\nname: x\n'
const TOKEN = 'ghp_R2d2C3poXwingYodaLukeLeia0123456789ab'

/** Formatted problems of `text` parsed alone. */
function parsed(text: string): string[] {
  return parseYamlSource(text, 'f.yaml').problems.map(formatProblem)
}

async function validated(text: string): Promise<string[]> {
  mkdirSync(join(root, 'models/x'), { recursive: true })
  writeFileSync(join(root, 'models/x/model.yaml'), text)
  return (await validateModelFile(root, 'models/x/model.yaml')).problems.map(formatProblem)
}

const DEEP = `nests mappings and lists more than ${MAX_DEPTH} levels deep; a spec needs a few: flatten it`

describe('hostile specs', () => {
  it('refuses a second document before parsing it, at its --- line', () => {
    assert.deepEqual(parsed(`a: 1\n---\n${'{a: '.repeat(50_000)}${'}'.repeat(50_000)}\n`), [
      "f.yaml:2:1 holds 2 YAML documents (separated by '---'); a spec file holds one: move the others to their own files",
    ])
    assert.deepEqual(parsed('a: 1\n...\nb: 2\n---\nc: 3\n'), [
      "f.yaml:3:1 holds 3 YAML documents (separated by '---'); a spec file holds one: move the others to their own files",
    ])
  })

  it('still refuses a second document the pre-scan read as inside a quote', () => {
    assert.deepEqual(parsed("a: |\n  'open\n---\nb: 1\n"), [
      "f.yaml:3:1 holds 2 YAML documents (separated by '---'); a spec file holds one: move the others to their own files",
    ])
  })

  it('reads one document with a leading ---, comments, directives and --- inside quotes', () => {
    assert.deepEqual(parsed('%YAML 1.2\n---\n# c\na: "x\n  --- y"\nb: [1, "]]]", \'[[\']\n...\n# end\n'), [])
  })

  it('refuses flow brackets nested past the depth limit before parsing them', () => {
    assert.deepEqual(parsed(`a: ${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}\n`), [`f.yaml:1:${MAX_DEPTH + 4} ${DEEP}`])
    // Brackets inside words and quotes are not nesting.
    assert.deepEqual(parsed(`a: x${'['.repeat(200)}\nb: "${'{'.repeat(200)}"\n`), [])
  })

  it('refuses block nesting past the depth limit', () => {
    const lines = Array.from({ length: MAX_DEPTH + 2 }, (_, depth) => `${'  '.repeat(depth)}a:`).join('\n')
    assert.deepEqual(parsed(`${lines} 1\n`), [`f.yaml:${MAX_DEPTH + 1}:${2 * MAX_DEPTH + 1} ${DEEP}`])
    assert.deepEqual(parsed(`a: ${'- '.repeat(MAX_DEPTH + 1)}1\n`).length, 1)
    // Deep enough that yaml itself would overflow its stack: refused before it parses.
    const deeper = Array.from({ length: 1000 }, (_, depth) => `${'  '.repeat(depth)}a:`).join('\n')
    assert.deepEqual(parsed(`${deeper}\n`), [`f.yaml:${MAX_DEPTH + 1}:${2 * MAX_DEPTH + 1} ${DEEP}`])
    assert.deepEqual(parsed(`${'- '.repeat(400_000)}x\n`), [`f.yaml:1:1 ${DEEP}`])
    // Block scalar text is not nesting, however it is indented.
    const text = Array.from({ length: 100 }, (_, depth) => `${'  '.repeat(depth + 1)}a: b`).join('\n')
    assert.deepEqual(parsed(`a: |\n${text}\nb: 1\n`), [])
  })

  it('says an alias inside its own anchor cannot be data, instead of crashing', async () => {
    assert.deepEqual(parsed('a: &r {b: *r}'), [
      "f.yaml:1:11 alias '*r' is inside the value its anchor names, so the value would contain itself; write the value out instead of the alias",
    ])
    assert.deepEqual(await validated(`${HEAD}train:\n  params: &p\n    - x: *p\n`), [
      "models/x/model.yaml:6:10 alias '*p' is inside the value its anchor names, so the value would contain itself; write the value out instead of the alias",
    ])
  })

  it('accepts an alias to an earlier value, and refuses more aliases than the limit', () => {
    assert.deepEqual(parsed('a: &r {b: 1}\nc: *r\n'), [])
    const many = Array.from({ length: MAX_ALIASES + 1 }, (_, i) => `k${i}: *x`).join('\n')
    assert.deepEqual(parsed(`x: &x 1\n${many}\n`), [
      `f.yaml:${MAX_ALIASES + 2}:${String(MAX_ALIASES).length + 4} holds more than ${MAX_ALIASES} aliases ('*name'); write the values out instead of repeating aliases`,
    ])
  })

  it('stops reading after the cap of syntax errors', () => {
    const problems = parsed(`zzz: [a${']'.repeat(50_000)}`)
    assert.ok(problems.length <= MAX_PROBLEMS + 1, String(problems.length))
    assert.match(problems[0]!, /^f\.yaml:1:9 YAML syntax error: /)
  })

  it('reports the first problems of a file and counts the rest', async () => {
    const keys = Array.from({ length: 5_000 }, (_, i) => `unknown-${i}: 1`).join('\n')
    const problems = await validated(`${HEAD}${keys}\n`)
    assert.equal(problems.length, MAX_PROBLEMS + 1)
    assert.match(problems.find((problem) => problem.includes('unknown-0'))!, /^models\/x\/model\.yaml:4:1 unknown-0: unknown key 'unknown-0'; remove it or use one of: apiVersion, kind, name/)
    assert.match(problems.at(-1)!, /^models\/x\/model\.yaml:5003:1 and 4\d\d\d more problems \(4\d\d\d errors\) in this file, not listed; fix the ones above and validate again$/)
  })

  it('refuses more keys and items than a spec holds, before parsing them', () => {
    const message = `holds more than ${MAX_ENTRIES.toLocaleString('en-US')} keys and list items; a spec has a few hundred: it describes data, it does not hold it`
    const keys = Array.from({ length: MAX_ENTRIES + 1 }, (_, i) => `k${i}: 1`).join('\n')
    assert.deepEqual(parsed(keys), [`f.yaml:${MAX_ENTRIES + 1}:${String(MAX_ENTRIES).length + 2} ${message}`])
    assert.deepEqual(parsed(`a: [${'1, '.repeat(MAX_ENTRIES)}1]`), [`f.yaml:1:${3 * MAX_ENTRIES} ${message}`])
    assert.deepEqual(parsed(`a: "${': , - '.repeat(MAX_ENTRIES)}"\n`), [])
  })

  it('escapes line breaks, ANSI escapes and bidi overrides in echoed values', async () => {
    const problems = (await validated(`${HEAD}task: "a\\n::error::pwned\\u001b[31m\\u202e"\n`)).filter((problem) => problem.includes(' task: '))
    assert.equal(problems.length, 1)
    assert.match(problems[0]!, /task: 'a\\n::error::pwned\\u001b\[31m\\u202e' is not a valid task/)
    assert.doesNotMatch(problems[0]!, /[\n\u001b\u202e]/)
  })

  it('cuts a long echoed value', async () => {
    const problem = (await validated(`${HEAD}task: regression\nevaluate:\n  metrics: [${'r'.repeat(100_000)}]\n`)).find((text) => text.includes('evaluate.metrics[0]'))
    assert.ok(problem!.length < 1000, String(problem!.length))
    assert.match(problem!, /r…\(100002 characters\) is not a metric of regression/)
  })

  it('never echoes a secret used as a key, a duplicate key, a tag or a block-scalar header', async () => {
    const cases = [
      `${HEAD}train:\n  params:\n    ${TOKEN}: 1\n`,
      `${HEAD}${TOKEN}: 1\n${TOKEN}: 2\n`,
      `${HEAD}description: !${TOKEN} x\n`,
      `${HEAD}description: |${TOKEN}\n  x\n`,
    ]
    for (const text of cases) {
      const problems = await validated(text)
      assert.ok(problems.length > 0, text)
      for (const problem of problems) assert.ok(!problem.includes(TOKEN.slice(4, 16)), problem)
    }
  })
})

describe('unreadable spec files', () => {
  it('says a file that cannot be read could not be read, not that it does not exist', async () => {
    mkdirSync(join(root, 'models/loop'), { recursive: true })
    symlinkSync('model.yaml', join(root, 'models/loop/model.yaml'))
    const model = await validateModelFile(root, 'models/loop/model.yaml')
    assert.deepEqual(model.problems.map(formatProblem), [
      'models/loop/model.yaml:1:1 could not be read (ELOOP); check that it is a readable file, not a broken or looping link',
    ])
  })
})

describe('unreadable spec folders', () => {
  it('says a models/ or deploy/ folder could not be read, instead of finding no specs', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'modelship-loop-'))
    try {
      // A link to itself: readdir fails with ELOOP, as an unreadable folder fails with EACCES.
      symlinkSync('models', join(repo, 'models'))
      symlinkSync('deploy', join(repo, 'deploy'))
      const report = await validateRepository(repo)
      assert.deepEqual(report.problems.map(formatProblem), [
        'deploy:1:1 could not be read (ELOOP); specs in it were not checked: make it a readable folder',
        'models:1:1 could not be read (ELOOP); specs in it were not checked: make it a readable folder',
      ])
      assert.equal(report.valid, false)
    } finally {
      rmSync(repo, { recursive: true, force: true })
    }
  })
})
