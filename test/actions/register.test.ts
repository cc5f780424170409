import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { run as runRegister } from '../../actions/register/main.js'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { createOctokit } from '../../src/github/octokit.js'
import { GitHubRegistryBackend } from '../../src/registry/github-backend.js'
import { EVALUATION, RUN_DIR, registryRepo, type RegistryRepo } from '../cli/registry-fixture.js'
import { extractRelease, rewriteReleaseFile } from '../registry/support/release-files.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { NODE_BINARIES, runAction } from '../support/run-action.js'

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const INPUTS = { model: 'churn', 'run-dir': RUN_DIR, evaluation: EVALUATION }

/** A fresh double holding the workspace's commits (pushed to a branch), and a backend to inspect it. */
async function githubFor(repo: RegistryRepo): Promise<{ double: GitHubDouble; backend: GitHubRegistryBackend; env: Record<string, string> }> {
  const double = await startGitHubDouble()
  try {
    // As actions/checkout leaves it: origin is the repository on GitHub, which holds the commits.
    if (repo.git('remote').split('\n').includes('origin')) repo.git('remote', 'remove', 'origin')
    repo.git('remote', 'add', 'origin', double.gitDir)
    repo.git('push', '-q', 'origin', 'HEAD:refs/heads/main-work')
  } catch (error) {
    await double.close()
    throw error
  }
  const backend = new GitHubRegistryBackend({ octokit: createOctokit({ token: double.token, baseUrl: double.url, writeIntervalMs: 0 }), owner: double.owner, repo: double.repo })
  const env = {
    ...double.env(),
    GITHUB_SHA: repo.git('rev-parse', 'HEAD').trim(),
    GITHUB_ACTOR: 'octocat',
    GITHUB_RUN_ID: '42',
    GITHUB_WORKFLOW: 'Modelship merge',
    MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0',
  }
  return { double, backend, env }
}

describe('actions/register', () => {
  let repo: RegistryRepo
  before(async () => {
    repo = await registryRepo()
  })
  after(() => repo.remove())

  for (const node of Object.keys(NODE_BINARIES) as Array<keyof typeof NODE_BINARIES>) {
    test(`under ${node}: registers v0.0.1 on GitHub with outputs, lineage and the assets in the summary; a rerun is unchanged`, async () => {
      const { double, backend, env } = await githubFor(repo)
      try {
        const run = await runAction({ action: 'register', workspace: repo.dir, node, inputs: { ...INPUTS, token: double.token }, env })
        assert.equal(run.exitCode, 0, run.stdout + run.stderr)
        const url = `${double.webUrl}/acme/models/releases/tag/churn%40v0.0.1`
        assert.deepEqual(run.outputs, { version: 'v0.0.1', tag: 'churn@v0.0.1', 'release-url': url, status: 'registered' })
        assert.ok(run.masked.includes(double.token))
        assert.ok(run.log.includes(`churn: registered churn@v0.0.1 at ${repo.head.slice(0, 7)}; ${url}`), run.log.join('\n'))
        assert.ok(run.stdout.includes('::group::Register churn (patch bump, register.bump of the spec) in GitHub acme/models\n'), run.stdout)
        const summary = run.summary.split('\n')
        assert.equal(summary[0], '## Modelship register: 📦 churn@v0.0.1 registered')
        assert.equal(summary[2], `Commit \`${repo.head.slice(0, 7)}\` · release [churn@v0.0.1](${url}) in GitHub acme/models · patch bump (register.bump of the spec)`)
        const onnx = join(repo.dir, RUN_DIR, 'model.onnx')
        assert.ok(summary.includes(`| \`model.onnx\` | ${readFileSync(onnx).length.toLocaleString('en-US')} | \`${sha256(onnx)}\` |`), run.summary)
        assert.equal(summary.filter((line) => line.startsWith('| `')).length, 7)

        const [tag] = await backend.listTags({ details: true })
        const lineage = JSON.parse(tag!.message!.slice(tag!.message!.indexOf('{'))) as Record<string, unknown>
        assert.equal(lineage.actor, 'octocat')
        assert.deepEqual(lineage.run, { url: `${double.webUrl}/acme/models/actions/runs/42`, workflow: 'Modelship merge' })
        assert.equal(lineage.commit, repo.head)

        const again = await runAction({ action: 'register', workspace: repo.dir, node, inputs: { ...INPUTS, token: double.token }, env })
        assert.equal(again.exitCode, 0, again.stdout + again.stderr)
        assert.deepEqual(again.outputs, { version: 'v0.0.1', tag: 'churn@v0.0.1', 'release-url': url, status: 'unchanged' })
        assert.ok(again.summary.startsWith('## Modelship register: churn@v0.0.1 was already registered at this commit; nothing changed\n'), again.summary)
        assert.equal((await backend.listTags()).length, 1)
        assert.equal(double.state.releases.size, 1)
      } finally {
        await double.close()
      }
    })
  }

  test('the release:minor label of the pull request a push merged raises the minor version', async () => {
    const { double, backend, env } = await githubFor(repo)
    try {
      const first = await runAction({ action: 'register', workspace: repo.dir, inputs: { ...INPUTS, token: double.token }, env })
      assert.equal(first.outputs.version, 'v0.0.1', first.stdout)
      await double.createCommit({ branch: 'feature', files: { 'notes.md': 'x\n' } })
      const number = await double.addPullRequest({ head: 'feature', labels: ['release:minor', 'documentation'] })
      repo.write({ 'NOTES.md': 'notes\n' })
      const merge = repo.commit(`Merge pull request #${number} from acme/feature`)
      repo.git('push', '-q', 'origin', 'HEAD:refs/heads/main-work')
      const run = await runAction({
        action: 'register',
        workspace: repo.dir,
        inputs: { ...INPUTS, token: double.token },
        env: { ...env, GITHUB_SHA: merge },
        event: { name: 'push', payload: { after: merge, head_commit: { id: merge, message: `Merge pull request #${number} from acme/feature\n\nNotes` } } },
      })
      assert.equal(run.exitCode, 0, run.stdout + run.stderr)
      assert.equal(run.outputs.version, 'v0.1.0')
      assert.equal(run.outputs.status, 'registered')
      assert.ok(run.summary.includes(`· minor bump (label release:minor on pull request #${number})`), run.summary)
      assert.deepEqual((await backend.listTags()).map((t) => t.name).sort(), ['churn@v0.0.1', 'churn@v0.1.0'])

      repo.write({ 'NOTES.md': 'more notes\n' })
      const third = repo.commit('Tune the docs')
      repo.git('push', '-q', 'origin', 'HEAD:refs/heads/main-work')
      const explicit = await runAction({ action: 'register', workspace: repo.dir, inputs: { ...INPUTS, token: double.token, bump: 'major' }, env: { ...env, GITHUB_SHA: third } })
      assert.equal(explicit.outputs.version, 'v1.0.0', explicit.stdout)
    } finally {
      repo.git('reset', '-q', '--hard', repo.head)
      await double.close()
    }
  })

  test('refuses a failed evaluation and a missing input with the fix, registering nothing', async () => {
    const failing = await registryRepo({ gate: '{ metric: roc_auc, threshold: 0.99 }' })
    const { double, env } = await githubFor(failing)
    try {
      const run = await runAction({ action: 'register', workspace: failing.dir, inputs: { ...INPUTS, token: double.token }, env })
      assert.equal(run.exitCode, 1)
      assert.deepEqual(run.annotations.filter((a) => a.level === 'error').map((a) => a.message), [
        `the evaluation of churn in ${EVALUATION} did not pass (1 of 1 checks failed: threshold on roc_auc); only a model that passed its evaluation is registered: improve the model, train and evaluate again`,
      ])
      assert.deepEqual(run.outputs, {})
      assert.equal(double.state.releases.size, 0)

      const missing = await runAction({ action: 'register', workspace: failing.dir, inputs: { model: 'churn', evaluation: EVALUATION, token: double.token }, env })
      assert.equal(missing.exitCode, 1)
      assert.equal(
        missing.annotations[0]!.message,
        "input 'run-dir': is required: the training run folder holding model.onnx and run.json (actions/train's output-dir); it is not set\nFix the step's 'with:' block in your workflow.",
      )
    } finally {
      failing.remove()
      await double.close()
    }
  })

  test('without a token (act) it registers in the local registry of the checkout and warns', async () => {
    const run = await runAction({ action: 'register', workspace: repo.dir, inputs: { ...INPUTS, token: '' }, env: { ACT: 'true', GITHUB_SHA: repo.head } })
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    const url = `${pathToFileURL(repo.dir).href}#refs/modelship/releases/churn@v0.0.1`
    assert.deepEqual(run.outputs, { version: 'v0.0.1', tag: 'churn@v0.0.1', 'release-url': url, status: 'registered' })
    assert.deepEqual(run.annotations.filter((a) => a.level === 'warning').map((a) => a.message), [
      `running under act with no GitHub token: using the local registry in ${repo.dir} (tags in this checkout, release files under its refs/modelship/releases); nothing is read from or published to GitHub. Pass one with act -s GITHUB_TOKEN=... to use GitHub.`,
    ])
    assert.equal(repo.git('tag', '-l', 'churn@*').trim(), 'churn@v0.0.1')
    assert.equal(sha256(join(extractRelease(repo.dir, 'churn@v0.0.1'), 'model.onnx')), sha256(join(repo.dir, RUN_DIR, 'model.onnx')))
    assert.ok(run.summary.includes(`release \`${url}\` in local repository ${repo.dir}`), run.summary)
  })

  test('a rerun uploads again an asset the published release lost: status completed, and the summary says what came back', async () => {
    const vars = { ACT: 'true', GITHUB_SHA: repo.head }
    const inputs = { ...INPUTS, token: '' }
    await runRegister(createRecordingEnv({ workspace: repo.dir, inputs, vars }))
    const url = `${pathToFileURL(repo.dir).href}#refs/modelship/releases/churn@v0.0.1`
    rewriteReleaseFile(repo.dir, 'churn@v0.0.1', 'model.onnx', undefined)
    const env = createRecordingEnv({ workspace: repo.dir, inputs, vars })
    await runRegister(env)
    assert.deepEqual(env.record.outputs, { version: 'v0.0.1', tag: 'churn@v0.0.1', 'release-url': url, status: 'completed' })
    assert.ok(env.record.log.includes(`churn: completed churn@v0.0.1 at ${repo.head.slice(0, 7)} (uploaded again: model.onnx); ${url}`), env.record.log.join('\n'))
    const summary = env.record.summary.split('\n')
    assert.equal(summary[2], `Commit \`${repo.head.slice(0, 7)}\` · release \`${url}\` in local repository ${repo.dir}`)
    assert.ok(
      summary.includes('Repaired: `model.onnx` uploaded again (missing or broken on the published release; checked against the sha256s its version tag recorded).'),
      env.record.summary,
    )
    assert.equal(sha256(join(extractRelease(repo.dir, 'churn@v0.0.1'), 'model.onnx')), sha256(join(repo.dir, RUN_DIR, 'model.onnx')))
  })

  test('without a token on a real runner it fails with the fix, instead of registering into a checkout the job throws away', async () => {
    const before = repo.git('tag', '-l', 'churn@*')
    const env = createRecordingEnv({ workspace: repo.dir, inputs: { ...INPUTS, token: '' }, vars: { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/models', GITHUB_SHA: repo.head } })
    await assert.rejects(runRegister(env), {
      name: 'UsageError',
      message:
        'No GitHub token: the token input is empty and GITHUB_TOKEN is not set. Pass `token: ${{ github.token }}` to the action, or set GITHUB_TOKEN when running locally.',
    })
    assert.equal(repo.git('tag', '-l', 'churn@*'), before)
  })
})
