// The rules a promotion follows (deploy[].requires, finished registrations) and the refusal
// outside a git repository, through the CLI with the local backend.
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { registryRepo, type RegistryRepo } from './registry-fixture.js'
import { cli, TRAIN_REPO } from './train-fixture.js'

const errorLine = (stderr: string) => stderr.split('\n').find((line) => line.startsWith('modelship registry: '))

describe('modelship registry outside a git repository', () => {
  test('every subcommand says the folder is not a git repository and how to make it one: exit 1, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelship-nogit-'))
    try {
      cpSync(TRAIN_REPO, dir, { recursive: true })
      for (const argv of [['list'], ['show', 'churn'], ['history', 'churn'], ['promote', 'churn@latest', 'staging'], ['register', 'churn']]) {
        const { code, stdout, stderr } = await cli(['registry', ...argv, '--backend', 'local'], dir)
        assert.equal(code, 1, `${argv.join(' ')}: ${stderr}`)
        assert.equal(stdout, '')
        assert.equal(
          stderr,
          `modelship registry: ${dir} is not a git repository, and the local registry keeps model versions as git tags of one; ` +
            "make it one (git init && git add -A && git commit -m 'models'), run from inside a clone, or set GITHUB_TOKEN and GITHUB_REPOSITORY to use the GitHub registry\n",
        )
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('modelship registry promote: required stages and unfinished registrations', () => {
  let repo: RegistryRepo
  before(async () => {
    repo = await registryRepo()
    const registered = await cli(['registry', 'register', 'churn'], repo.dir)
    assert.equal(registered.code, 0, registered.stderr)
  })
  after(() => repo.remove())

  test('production requires staging: a version never in staging is refused, with the fix; nothing is tagged', async () => {
    const { code, stdout, stderr } = await cli(['registry', 'promote', 'churn@latest', 'production'], repo.dir)
    assert.equal(code, 1, stderr)
    assert.equal(stdout, '')
    assert.equal(
      stderr,
      'modelship registry: churn v0.0.1 has never been in staging, and production requires staging (deploy in models/churn/model.yaml); ' +
        'promote it to staging first (modelship registry promote churn@v0.0.1 staging), or pass --skip-requires to promote it anyway (the tag message records that)\n',
    )
    assert.equal(repo.git('tag', '-l', 'churn#*'), '')
  })

  test('--skip-requires promotes anyway, warns, and the tag message records the skipped stage', async () => {
    const { code, stdout, stderr } = await cli(['registry', 'promote', 'churn@v0.0.1', 'production', '--skip-requires'], repo.dir)
    assert.equal(code, 0, stderr)
    assert.equal(stdout, 'churn production: none → v0.0.1 (tag churn#production#2)\n')
    assert.equal(stderr, 'warning: churn v0.0.1 was never in staging, which production requires; promoting anyway (--skip-requires), and the tag message says so\n')
    const message = repo.git('tag', '-l', '--format=%(contents)', 'churn#production#2')
    assert.ok(message.startsWith('Promote churn v0.0.1 to production, skipping the required stage staging\n'), message)
    assert.equal((JSON.parse(message.slice(message.indexOf('{'))) as { skippedRequires?: string }).skippedRequires, 'staging')
  })

  test('a version in staging, or replaced there later, may go to production; one taken out of staging may not', async () => {
    let result = await cli(['registry', 'promote', 'churn@v0.0.1', 'staging'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    repo.write({ 'NOTES.md': 'second\n' })
    repo.commit('second')
    result = await cli(['registry', 'register', 'churn'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    result = await cli(['registry', 'promote', 'churn@v0.0.2', 'staging'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    // v0.0.1 left staging only because v0.0.2 replaced it: rolling production back to it is fine.
    result = await cli(['registry', 'promote', 'churn@v0.0.2', 'production'], repo.dir)
    assert.equal(result.stdout, 'churn production: v0.0.1 → v0.0.2 (tag churn#production#6)\n', result.stderr)
    result = await cli(['registry', 'promote', 'churn@v0.0.1', 'production'], repo.dir)
    assert.equal(result.stdout, 'churn production: v0.0.2 → v0.0.1 (tag churn#production#7)\n', result.stderr)

    result = await cli(['registry', 'demote', 'churn#staging'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    // The stage tags above were written back to back, yet none shares a second (GTO ignores the counter).
    const seconds = repo.git('for-each-ref', '--format=%(taggerdate:unix)', 'refs/tags/churn#*').trim().split('\n').map(Number).sort()
    assert.equal(new Set(seconds).size, seconds.length, `stage tags share a second: ${seconds.join(' ')}`)
    result = await cli(['registry', 'promote', 'churn@v0.0.2', 'production'], repo.dir)
    assert.equal(result.code, 1)
    assert.equal(
      errorLine(result.stderr),
      'modelship registry: churn v0.0.2 was taken out of staging (churn#staging!#8), and production requires staging (deploy in models/churn/model.yaml); ' +
        'promote it to staging first (modelship registry promote churn@v0.0.2 staging), or pass --skip-requires to promote it anyway (the tag message records that)',
    )
  })

  test('a version whose release was never published is refused; a version GTO tagged (no lineage) is not', async () => {
    repo.write({ 'NOTES.md': 'third\n' })
    const third = repo.commit('third')
    const lineage = JSON.stringify({ schema: 'modelship/lineage@1', model: 'churn', version: 'v0.0.3', commit: third, registeredAt: '2026-01-01T00:00:00Z', assets: {} })
    repo.git('tag', '-a', 'churn@v0.0.3', '-m', `Register churn v0.0.3\n\n${lineage}`, third)
    let result = await cli(['registry', 'promote', 'churn@v0.0.3', 'staging'], repo.dir)
    assert.equal(result.code, 1)
    assert.equal(
      errorLine(result.stderr),
      `modelship registry: churn@v0.0.3 is not fully registered: its release is missing in local repository ${repo.dir}, so its assets may be incomplete; ` +
        `finish it with modelship registry register churn --commit ${third.slice(0, 12)}, then promote it`,
    )
    assert.equal(repo.git('tag', '-l', 'churn#staging#*', '--points-at', third), '')

    repo.write({ 'NOTES.md': 'fourth\n' })
    const fourth = repo.commit('fourth')
    repo.git('tag', '-a', 'churn@v0.0.4', '-m', 'Registering artifact churn version 0.0.4', fourth)
    result = await cli(['registry', 'promote', 'churn@v0.0.4', 'staging'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'churn staging: v0.0.1 → v0.0.4 (tag churn#staging#11)\n')
  })
})

describe('modelship registry show <model> and check-ref: what GTO users reach for', () => {
  let repo: RegistryRepo
  before(async () => {
    repo = await registryRepo()
    for (const argv of [['register', 'churn'], ['promote', 'churn@v0.0.1', 'staging']]) {
      const result = await cli(['registry', ...argv], repo.dir)
      assert.equal(result.code, 0, result.stderr)
    }
    repo.write({ 'NOTES.md': 'second\n' })
    repo.commit('second')
    for (const argv of [['register', 'churn'], ['deregister', 'churn@v0.0.2']]) {
      const result = await cli(['registry', ...argv], repo.dir)
      assert.equal(result.code, 0, result.stderr)
    }
  })
  after(() => repo.remove())

  test('show <model> prints every version, highest first, with its state and stages (as gto show <model>)', async () => {
    const { code, stdout, stderr } = await cli(['registry', 'show', 'churn'], repo.dir)
    assert.equal(code, 0, stderr)
    const rows = stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/))
    assert.deepEqual(rows[0], ['VERSION', 'STATE', 'STAGES', 'REGISTERED', 'BY', 'COMMIT'])
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[2], r[4]]), [
      ['churn@v0.0.2', 'withdrawn', '-', 'Registry Tester'],
      ['churn@v0.0.1', 'active', 'staging', 'Registry Tester'],
    ])
    assert.equal(rows[2]![5], repo.head.slice(0, 7))
    const json = JSON.parse((await cli(['registry', 'show', 'churn', '--json'], repo.dir)).stdout) as Array<{ version: string; active: boolean; stages: string[]; commit: string }>
    assert.deepEqual(json.map((v) => [v.version, v.active, v.stages]), [['v0.0.2', false, []], ['v0.0.1', true, ['staging']]])
    assert.equal(json[1]!.commit, repo.head)
  })

  test('check-ref turns a pushed tag into model, event, version, stage and commit; a release tag reports nothing; an absent tag exits 1', async () => {
    let result = await cli(['registry', 'check-ref', 'refs/tags/churn#staging#2'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `model churn\nevent assigned\nversion v0.0.1\nstage staging\ncommit ${repo.head}\n`)
    result = await cli(['registry', 'check-ref', 'churn@v0.0.2!', '--json'], repo.dir)
    const facts = JSON.parse(result.stdout) as Record<string, unknown>
    assert.deepEqual({ ...facts, commit: undefined }, { tag: 'churn@v0.0.2!', model: 'churn', event: 'deregistered', version: 'v0.0.2', commit: undefined })

    result = await cli(['registry', 'check-ref', 'v1.0.0'], repo.dir)
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', "'v1.0.0' is not a registry tag (<model>@vX.Y.Z, <model>#<stage>#N, <model>@deprecated); nothing to report\n"])
    result = await cli(['registry', 'check-ref', 'churn#production#9'], repo.dir)
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      `modelship registry: tag churn#production#9 is not in local repository ${repo.dir} as an annotated tag (it is missing, or lightweight, which the registry ignores as GTO does); fetch tags (git fetch --tags) and check the name\n`,
    )
  })
})

describe("modelship registry show: GTO's artifacts.yaml annotations", () => {
  test("show prints the model's type, path, description and labels from artifacts.yaml at the version's commit; a broken file is a warning", async () => {
    const repo = await registryRepo()
    try {
      repo.write({ 'artifacts.yaml': 'churn:\n  type: model\n  path: models/churn/model.onnx\n  description: Predicts churn\n  labels: [tabular, binary]\nother:\n  type: dataset\n' })
      repo.commit('annotate')
      assert.equal((await cli(['registry', 'register', 'churn'], repo.dir)).code, 0)
      let result = await cli(['registry', 'show', 'churn@latest'], repo.dir)
      assert.equal(result.code, 0, result.stderr)
      assert.ok(
        result.stdout.endsWith('  type        model  (artifacts.yaml)\n  path        models/churn/model.onnx\n  description Predicts churn\n  labels      tabular, binary\n'),
        result.stdout,
      )
      const json = JSON.parse((await cli(['registry', 'show', 'churn@latest', '--json'], repo.dir)).stdout) as { annotation?: unknown }
      assert.deepEqual(json.annotation, { file: 'artifacts.yaml', type: 'model', path: 'models/churn/model.onnx', description: 'Predicts churn', labels: ['tabular', 'binary'] })

      repo.write({ 'artifacts.yaml': 'churn: [unclosed\n' })
      const broken = repo.commit('break it')
      assert.equal((await cli(['registry', 'register', 'churn'], repo.dir)).code, 0)
      result = await cli(['registry', 'show', 'churn@v0.0.2'], repo.dir)
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stderr, new RegExp(`^warning: could not read the artifacts.yaml annotation of churn at ${broken.slice(0, 7)}: artifacts.yaml at ${broken.slice(0, 7)} is not valid YAML: `))
      assert.equal(result.stdout.includes('  type '), false)
    } finally {
      repo.remove()
    }
  })
})
