import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, test } from 'node:test'
import { createTestRepo } from '../git/test-repo.js'
import { NODE_BINARIES, REPO_ROOT } from '../support/run-action.js'
import { cli } from './train-fixture.js'

const FIXTURES = resolve(REPO_ROOT, 'test/fixtures/validate')
const BROKEN = join(FIXTURES, 'broken-repo')


describe('modelship validate', () => {
  test('text: every problem as file:line:col path: message, paths relative to the current folder, then the verdict; exit 1', async () => {
    const { code, stdout, stderr } = await cli(['validate', 'broken-repo'], FIXTURES)
    assert.equal(code, 1)
    assert.equal(stderr, '')
    const lines = stdout.trimEnd().split('\n')
    assert.equal(lines.length, 17)
    assert.equal(lines[0], "broken-repo/deploy/production.yaml:5:14 models[0].model: 'fraud' has no spec in this repository; expected one of: churn, prices")
    assert.equal(
      lines[1],
      "broken-repo/models/churn/model.yaml:7:9 data.test: warning: 'data/churn.csv' is also the training data; metrics on data the model was trained on overstate its quality: use a held-out file",
    )
    assert.equal(lines[15], "broken-repo/models/prices/model.yaml:20:23 evaluate.metrics[1]: 'r3' is not a metric of regression; did you mean 'r2'?")
    assert.equal(lines[16], 'invalid: 15 errors, 1 warning in 2 models, 1 environment')
  })

  test('from inside the repository with no paths, the root is found upwards', async () => {
    const { code, stdout } = await cli(['validate'], join(BROKEN, 'models/churn'))
    assert.equal(code, 1)
    assert.match(stdout, /^\.\.\/\.\.\/deploy\/production\.yaml:5:14 /)
  })

  test('a spec file argument validates only that file; valid with a warning exits 0', async () => {
    const { code, stdout } = await cli(['validate', 'models/churn/model.yaml'], BROKEN)
    assert.equal(code, 0)
    assert.equal(
      stdout,
      "models/churn/model.yaml:7:9 data.test: warning: 'data/churn.csv' is also the training data; metrics on data the model was trained on overstate its quality: use a held-out file\n" +
        'valid: 1 model, 0 environments (1 warning)\n',
    )
  })

  test('json: the report, parseable, with the same verdict', async () => {
    const { code, stdout } = await cli(['validate', BROKEN, '--format', 'json'], FIXTURES)
    assert.equal(code, 1)
    const report = JSON.parse(stdout) as { root: string; valid: boolean; problems: unknown[]; models: { name: string; spec?: unknown }[] }
    assert.equal(report.root, BROKEN)
    assert.equal(report.valid, false)
    assert.equal(report.problems.length, 16)
    assert.deepEqual(
      report.models.map((m) => [m.name, m.spec !== undefined]),
      [
        ['churn', true],
        ['prices', false],
      ],
    )
  })

  test('example-repo is valid: exit 0 and a one-line verdict', async () => {
    const { code, stdout } = await cli(['validate', 'example-repo'], REPO_ROOT)
    assert.equal(code, 0)
    assert.equal(stdout, 'valid: 2 models, 2 environments\n')
  })

  test('paths that do not exist or span two repositories are usage errors (exit 2)', async () => {
    const missing = await cli(['validate', 'nope'], FIXTURES)
    assert.equal(missing.code, 2)
    assert.equal(missing.stderr.split('\n')[0], `modelship validate: 'nope' does not exist (looked in ${FIXTURES}); pass a repository root or a spec file inside one`)
    const two = await cli(['validate', BROKEN, join(REPO_ROOT, 'example-repo')], FIXTURES)
    assert.equal(two.code, 2)
    assert.match(two.stderr, /belongs to the repository at .*example-repo, but an earlier path belongs to .*broken-repo; validate one repository at a time/)
  })

  test('a folder with no spec fails (exit 1) and says where it looked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelship-empty-'))
    try {
      const { code, stdout } = await cli(['validate'], dir)
      assert.equal(code, 1)
      assert.equal(
        stdout,
        `.:1:1 no model specs found: looked for models/**/model.yaml and deploy/*.yaml under ${dir}; pass the repository root (the folder holding models/) or a spec file\n` +
          'invalid: 1 error in 0 models, 0 environments\n',
      )
      mkdirSync(join(dir, 'models/empty'), { recursive: true })
      const inside = await cli(['validate', 'models/empty'], dir)
      assert.equal(inside.code, 1)
      assert.match(inside.stdout, /^\.:1:1 no model specs found: looked for models\/\*\*\/model\.yaml and deploy\/\*\.yaml at models\/empty under /)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('an alias inside its own anchor is an invalid spec (exit 1), not an unexpected error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelship-alias-'))
    try {
      mkdirSync(join(dir, 'models/a'), { recursive: true })
      writeFileSync(join(dir, 'models/a/model.yaml'), 'a: &r {b: *r}')
      const { code, stdout, stderr } = await cli(['validate'], dir)
      assert.equal(code, 1)
      assert.equal(stderr, '')
      assert.equal(
        stdout,
        "models/a/model.yaml:1:11 alias '*r' is inside the value its anchor names, so the value would contain itself; write the value out instead of the alias\n" +
          'invalid: 1 error in 1 model, 0 environments\n',
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a bad --format value is a usage error with a suggestion', async () => {
    const { code, stderr } = await cli(['validate', '--format', 'jsno'], BROKEN)
    assert.equal(code, 2)
    assert.equal(stderr.split('\n')[0], "modelship validate: option '--format' must be one of text, json; got 'jsno'; did you mean 'json'?")
  })
})

describe('modelship validate --changed-since', () => {
  const repo = createTestRepo()
  after(() => repo.remove())
  cpSync(BROKEN, repo.dir, { recursive: true })
  repo.commit('start')
  repo.git('checkout', '-q', '-b', 'feature')
  repo.write({ 'models/churn/train.py': 'print("v2")\n' })

  test('text: the changed models after the verdict', async () => {
    const { stdout } = await cli(['validate', '--changed-since', 'main'], repo.dir)
    assert.match(stdout, /\ninvalid: 15 errors, 1 warning in 2 models, 1 environment\nmodels changed since main: churn\n$/)
  })

  test('json: the report plus the matrix', async () => {
    const { stdout } = await cli(['validate', '--changed-since', 'main', '--format', 'json'], repo.dir)
    const output = JSON.parse(stdout) as { changedSince: string; matrix: unknown }
    assert.equal(output.changedSince, 'main')
    assert.deepEqual(output.matrix, {
      include: [{ model: 'churn', spec: 'models/churn/model.yaml', 'runs-on': ['ubuntu-latest'], accelerator: 'none', 'timeout-minutes': 90, python: '3.11', 'python-requirements': '' }],
    })
  })

  test('an unknown ref is a usage error (exit 2) saying how to fetch it', async () => {
    const { code, stderr } = await cli(['validate', '--changed-since', 'origin/main'], repo.dir)
    assert.equal(code, 2)
    assert.equal(
      stderr.split('\n')[0],
      `modelship validate: changed-since: 'origin/main' is not a branch, tag or commit in the repository at ${repo.dir}; fetch it first (actions/checkout with fetch-depth: 0, or git fetch origin main) or pass a ref that exists`,
    )
  })
})

describe('the modelship executable', () => {
  test('npm run modelship -- validate example-repo works from the repository root', () => {
    const result = spawnSync('npm', ['run', '--silent', 'modelship', '--', 'validate', 'example-repo'], { cwd: REPO_ROOT, encoding: 'utf8' })
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stdout, 'valid: 2 models, 2 environments\n')
  })

  test('the bundled dist/cli.cjs runs from a clean copy without node_modules under Node 20 and 24', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelship-cli-'))
    try {
      // The CLI ships as dist/cli.cjs beside the shared native folder, as npm or a clone installs it.
      cpSync(join(REPO_ROOT, 'dist/cli.cjs'), join(dir, 'dist/cli.cjs'))
      cpSync(join(REPO_ROOT, 'dist/bin'), join(dir, 'dist/bin'), { recursive: true })
      for (const node of Object.values(NODE_BINARIES)) {
        const version = spawnSync(node, [join(dir, 'dist/cli.cjs'), '--version'], { encoding: 'utf8' })
        assert.equal(version.status, 0, version.stderr)
        assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
        const invalid = spawnSync(node, [join(dir, 'dist/cli.cjs'), 'validate', BROKEN], { cwd: dir, encoding: 'utf8' })
        assert.equal(invalid.status, 1, invalid.stderr)
        assert.match(invalid.stdout, /\ninvalid: 15 errors, 1 warning in 2 models, 1 environment\n$/)
        const usage = spawnSync(node, [join(dir, 'dist/cli.cjs'), 'valdate'], { encoding: 'utf8' })
        assert.equal(usage.status, 2)
        assert.match(usage.stderr, /^modelship: unknown command 'valdate'; did you mean 'validate'\?/)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
