import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createOctokit } from '../../src/github/octokit.js'
import { GitHubRegistryBackend } from '../../src/registry/github-backend.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { RUN_DIR, registryRepo, type RegistryRepo } from './registry-fixture.js'
import { cli } from './train-fixture.js'

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const ASSETS = ['SHA256SUMS', 'evaluation.json', 'model-card.md', 'model.onnx', 'reference-profile.json', 'run.json', 'spec.yaml']
const READ_TOKEN = 'ghs_readonly0000000000000000000000'

describe('modelship registry with the GitHub backend (API double)', () => {
  let double: GitHubDouble
  let repo: RegistryRepo
  let saved: NodeJS.ProcessEnv
  let backend: GitHubRegistryBackend
  const setEnv = (vars: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(vars)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }

  before(async () => {
    double = await startGitHubDouble({ tokens: { [READ_TOKEN]: 'read' } })
    repo = await registryRepo()
    // The checkout as actions/checkout leaves it: the commit is on GitHub, origin points there.
    repo.git('remote', 'add', 'origin', double.gitDir)
    repo.git('push', '-q', 'origin', 'HEAD:refs/heads/registry')
    saved = { ...process.env }
    setEnv({ ...double.env(), MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0', GITHUB_ACTOR: undefined, GITHUB_RUN_ID: undefined })
    double.setPermission('alice', 'maintain')
    double.setPermission('bob', 'read')
    backend = new GitHubRegistryBackend({ octokit: createOctokit({ token: double.token, baseUrl: double.url, writeIntervalMs: 0 }), owner: double.owner, repo: double.repo })
  })
  after(async () => {
    process.env = saved
    repo.remove()
    await double.close()
  })

  test('register publishes churn@v0.0.1 on GitHub with the seven assets; a rerun changes nothing', async () => {
    const { code, stdout, stderr } = await cli(['registry', 'register', 'churn'], repo.dir)
    assert.equal(code, 0, stderr)
    const lines = stdout.trimEnd().split('\n')
    assert.equal(lines[0], `Registered churn@v0.0.1 from commit ${repo.head.slice(0, 7)} in GitHub ${double.owner}/${double.repo}`)
    assert.equal(lines[1], `  release  ${double.webUrl}/${double.owner}/${double.repo}/releases/tag/churn%40v0.0.1`)
    const release = await backend.getRelease('churn@v0.0.1')
    assert.equal(release?.draft, false)
    assert.deepEqual(release?.assets.map((a) => a.name), ASSETS)
    const onnx = release!.assets.find((a) => a.name === 'model.onnx')!
    const expected = sha256(readFileSync(join(repo.dir, RUN_DIR, 'model.onnx')))
    assert.ok(lines.includes(`  asset    model.onnx              ${String(onnx.size).padStart(4)} bytes  sha256 ${expected}`), stdout)
    const tags = await backend.listTags({ details: true })
    assert.deepEqual(tags.map((t) => [t.name, t.commit, t.annotated]), [['churn@v0.0.1', repo.head, true]])

    const again = await cli(['registry', 'register', 'churn'], repo.dir)
    assert.equal(again.code, 0, again.stderr)
    assert.ok(again.stdout.startsWith(`Already registered: churn@v0.0.1 from commit ${repo.head.slice(0, 7)} in GitHub acme/models\n`))
    assert.deepEqual(await backend.listDrafts(), [])
  })

  test('a protected stage: a read collaborator is refused with who lacks what; a maintainer promotes', async () => {
    let result = await cli(['registry', 'promote', 'churn@latest', 'staging'], repo.dir)
    assert.equal(result.stdout, 'churn staging: none → v0.0.1 (tag churn#staging#2)\n', result.stderr)

    setEnv({ GITHUB_ACTOR: 'bob' })
    result = await cli(['registry', 'promote', 'churn#staging', 'production'], repo.dir)
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      "modelship registry: bob has the repository role 'read' on GitHub acme/models, but promoting churn to protected stage 'production' needs maintain or admin (register.promote-roles in models/churn/model.yaml); ask someone with that role to promote, or grant it\n",
    )
    setEnv({ GITHUB_ACTOR: undefined })
    result = await cli(['registry', 'promote', 'churn#staging', 'production'], repo.dir)
    assert.equal(result.code, 1)
    assert.ok(result.stderr.startsWith("modelship registry: promoting churn to protected stage 'production' needs to know who promotes: pass the actor (GITHUB_ACTOR in workflows)"), result.stderr)

    setEnv({ GITHUB_ACTOR: 'alice' })
    result = await cli(['registry', 'promote', 'churn#staging', 'production'], repo.dir)
    assert.equal(result.stdout, 'churn production: none → v0.0.1 (tag churn#production#3)\n', result.stderr)
    setEnv({ GITHUB_ACTOR: undefined })
    assert.deepEqual((await backend.listTags()).map((t) => t.name).sort(), ['churn#production#3', 'churn#staging#2', 'churn@v0.0.1'])
  })

  test('evaluate --champion registry takes the production version from the same GitHub registry', async () => {
    const { code, stdout, stderr } = await cli(['evaluate', 'churn', '--candidate', RUN_DIR, '--champion', 'registry', '--no-explain', '--format', 'json'], repo.dir)
    assert.ok(code === 0 || code === 1, stderr)
    assert.equal(JSON.parse(stdout).champion?.version, 'churn@v0.0.1', stderr)
  })

  test('list, show, history and a verified download read the GitHub registry', async () => {
    assert.equal((await cli(['registry', 'list'], repo.dir)).stdout, 'MODEL  LATEST  VERSIONS  STAGES\nchurn  v0.0.1  1         production=v0.0.1 staging=v0.0.1\n')
    const show = await cli(['registry', 'show', 'churn#production'], repo.dir)
    assert.ok(show.stdout.startsWith(`churn@v0.0.1\n  commit      ${repo.head}\n  stages      production, staging\n`), show.stdout)
    assert.ok(show.stdout.includes('  release     published\n'))
    const history = await cli(['registry', 'history', 'churn', '--json'], repo.dir)
    const entries = JSON.parse(history.stdout) as Array<{ type: string; stage?: string; actor?: string }>
    assert.deepEqual(entries.map((e) => [e.type, e.stage ?? null, e.actor ?? null]), [
      ['registered', null, null],
      ['assigned', 'staging', null],
      ['assigned', 'production', 'alice'],
    ])

    const download = await cli(['registry', 'download', 'churn#production', '--dir', 'champion'], repo.dir)
    assert.equal(download.code, 0, download.stderr)
    const dir = join(repo.dir, 'champion')
    assert.deepEqual(readdirSync(dir).sort(), ASSETS)
    assert.equal(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' }), '')
    assert.equal(sha256(readFileSync(join(dir, 'model.onnx'))), sha256(readFileSync(join(repo.dir, RUN_DIR, 'model.onnx'))))
  })

  test('a read-only token: register fails with the permission to add, and leaves no draft, tag or release behind', async () => {
    repo.write({ 'CHANGELOG.md': 'v0.0.2\n' })
    const next = repo.commit('changelog')
    repo.git('push', '-q', 'origin', 'HEAD:refs/heads/registry')
    const releasesBefore = double.state.releases.size
    setEnv({ GITHUB_TOKEN: READ_TOKEN })
    try {
      const { code, stdout, stderr } = await cli(['registry', 'register', 'churn', '--commit', next], repo.dir)
      assert.equal(code, 1)
      assert.equal(stdout, '')
      const error = stderr.split('\n').find((line) => line.startsWith('modelship registry: '))!
      assert.equal(
        error,
        "modelship registry: GitHub API POST /repos/acme/models/releases answered 403 (Resource not accessible by integration): the token lacks the permission contents: write. Add it to the job's `permissions:` in the workflow (e.g. `permissions: { contents: write }`); a pull request from a fork always gets a read-only token.",
      )
      assert.equal(stderr.includes('    at '), false)
    } finally {
      setEnv({ GITHUB_TOKEN: double.token })
    }
    assert.equal(double.state.releases.size, releasesBefore)
    assert.deepEqual(await backend.listDrafts(), [])
    assert.deepEqual((await backend.listTags()).map((t) => t.name).sort(), ['churn#production#3', 'churn#staging#2', 'churn@v0.0.1'])
  })

  test('deprecate and deregister on GitHub: a protected stage refuses a read collaborator (spec or, once it is gone, the register defaults); a maintainer writes the tags; reruns are no-ops', async () => {
    const tagsBefore = (await backend.listTags()).map((t) => t.name).sort()
    setEnv({ GITHUB_ACTOR: 'bob' })
    let result = await cli(['registry', 'deregister', 'churn@v0.0.1'], repo.dir)
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      "modelship registry: bob has the repository role 'read' on GitHub acme/models, but deregistering churn v0.0.1, which is in protected stage 'production', needs maintain or admin (register.promote-roles in models/churn/model.yaml); ask someone with that role to deregister, or grant it\n",
    )
    const spec = join(repo.dir, 'models/churn/model.yaml')
    renameSync(spec, `${spec}.gone`)
    try {
      result = await cli(['registry', 'deprecate', 'churn'], repo.dir)
      assert.equal(result.code, 1)
      assert.equal(
        result.stderr,
        "modelship registry: bob has the repository role 'read' on GitHub acme/models, but deprecating churn, whose versions are in protected stage 'production', needs maintain or admin (register.promote-roles in the register defaults (models/churn/model.yaml is gone)); ask someone with that role to deprecate, or grant it\n",
      )
    } finally {
      renameSync(`${spec}.gone`, spec)
    }
    assert.deepEqual((await backend.listTags()).map((t) => t.name).sort(), tagsBefore)

    setEnv({ GITHUB_ACTOR: 'alice' })
    result = await cli(['registry', 'deprecate', 'churn', '--message', 'superseded by churn-v2'], repo.dir)
    assert.equal(result.stdout, 'churn deprecated (tag churn@deprecated#4 on the commit of v0.0.1); its versions, releases and stages stay; any later registry tag (a registration, stage move or withdrawal) ends the deprecation, as in GTO\n', result.stderr)
    result = await cli(['registry', 'deregister', 'churn@v0.0.1'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'churn v0.0.1 deregistered (tag churn@v0.0.1!); its release churn@v0.0.1 and assets stay, as GTO keeps history\nchurn@latest is now none: no active version is left\n')
    assert.ok(result.stderr.startsWith('warning: churn v0.0.1 was in production, staging; with it withdrawn, production now points at no version, staging now points at no version.'), result.stderr)
    result = await cli(['registry', 'deregister', 'churn@v0.0.1'], repo.dir)
    assert.deepEqual([result.code, result.stdout], [0, 'churn v0.0.1 is already deregistered (tag churn@v0.0.1!); nothing to do\n'])
    // The withdrawal came after the deprecation and so ended it (GTO): deprecating again writes a new tag, once.
    result = await cli(['registry', 'deprecate', 'churn'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    assert.ok(result.stdout.startsWith('churn deprecated (tag churn@deprecated#6 '), result.stdout)
    result = await cli(['registry', 'deprecate', 'churn'], repo.dir)
    assert.deepEqual([result.code, result.stdout], [0, 'churn is already deprecated (tag churn@deprecated#6); nothing to do\n'])
    setEnv({ GITHUB_ACTOR: undefined })

    const tags = await backend.listTags({ details: true })
    const withdrawn = tags.find((t) => t.name === 'churn@v0.0.1!')!
    assert.deepEqual([withdrawn.annotated, withdrawn.commit], [true, repo.head])
    const json = JSON.parse(withdrawn.message!.slice(withdrawn.message!.indexOf('\n{')))
    assert.deepEqual(json, { schema: 'modelship/withdrawal@1', model: 'churn', action: 'deregister', version: 'v0.0.1', actor: 'alice' })
    assert.match(tags.find((t) => t.name === 'churn@deprecated#4')!.message!, /^Deprecate churn: superseded by churn-v2\n/)
    assert.equal((await backend.getRelease('churn@v0.0.1'))?.assets.length, 7, 'the release and its assets stay')
  })
})
