import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { run as runEvaluate } from '../../actions/evaluate/main.js'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { readEvaluation } from '../../src/evaluate/index.js'
import { createOctokit } from '../../src/github/octokit.js'
import { GitHubRegistryBackend } from '../../src/registry/github-backend.js'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { promote } from '../../src/registry/promote.js'
import { register } from '../../src/registry/register.js'
import { churnRepository } from '../evaluate/helpers.js'
import { collectingLog, writeAssets } from '../registry/support/registry-fixture.js'
import { startGitHubDouble } from '../support/github-double/index.js'
import { NODE_BINARIES, runAction } from '../support/run-action.js'

for (const node of Object.keys(NODE_BINARIES) as Array<keyof typeof NODE_BINARIES>) {
  test(`actions/evaluate under ${node}: a failed gate fails the step after writing evaluation.json and the summary`, async () => {
    const repo = churnRepository()
    try {
      const run = await runAction({
        action: 'evaluate',
        workspace: repo.dir,
        node,
        inputs: { model: 'churn', candidate: 'models-in/candidate.onnx', champion: 'models-in/champion.onnx', output: 'out/evaluation.json' },
      })
      assert.equal(run.exitCode, 1, run.stdout + run.stderr)
      const output = join(repo.dir, 'out/evaluation.json')
      assert.deepEqual(run.outputs, { passed: 'false', evaluation: output, verdict: 'failed', 'sweep-needed': 'false' })
      const evaluation = await readEvaluation(output)
      assert.equal(evaluation.champion?.path, 'models-in/champion.onnx')
      assert.equal(evaluation.explanations?.local.length, 3)
      assert.ok(run.summary.startsWith('<!-- modelship:report model=churn -->\n\n## ❌ Modelship: churn failed — 1 of 4 checks failed; worse than the champion: '), run.summary.slice(0, 200))
      assert.ok(run.summary.includes('```mermaid\nxychart-beta\n'))
      assert.deepEqual(
        run.annotations.filter((a) => a.level === 'error').map((a) => a.message),
        [
          'churn failed 1 of 4 evaluation checks:\n- min-absolute-change on roc_auc: roc_auc 0.8267 vs champion 0.8351: improvement -0.0084 < required -0.005 (greater is better)',
        ],
      )
    } finally {
      repo.remove()
    }
  })
}

test('actions/evaluate: passing gates pass the step; no champion skips the change checks', async () => {
  const repo = churnRepository()
  try {
    const run = await runAction({ action: 'evaluate', workspace: repo.dir, inputs: { model: 'churn', candidate: 'models-in/candidate.onnx' } })
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.deepEqual(run.outputs, { passed: 'true', evaluation: join(repo.dir, 'evaluation.json'), verdict: 'passed', 'sweep-needed': 'false' })
    assert.ok(run.summary.includes('## ✅ Modelship: churn passed — 3 of 4 checks passed (1 skipped: no champion)\n'))
    assert.ok(run.log.includes('churn: passed (3 passed, 0 failed, 1 skipped); wrote ' + join(repo.dir, 'evaluation.json')), run.log.join('\n'))
  } finally {
    repo.remove()
  }
})

test('actions/evaluate: a bad candidate fails the step with the fix and writes no evaluation.json', async () => {
  const repo = churnRepository()
  try {
    const run = await runAction({ action: 'evaluate', workspace: repo.dir, inputs: { model: 'churn', candidate: 'data/churn/test.csv' } })
    assert.equal(run.exitCode, 1)
    const [error] = run.annotations.filter((a) => a.level === 'error')
    assert.match(error!.message, /data\/churn\/test\.csv is not an ONNX model/)
    assert.equal(run.stdout.includes('    at '), false, 'no stack trace for a user error')
    assert.deepEqual(run.outputs, {})
    assert.equal(existsSync(join(repo.dir, 'evaluation.json')), false)

    const missing = await runAction({ action: 'evaluate', workspace: repo.dir, inputs: { candidate: 'models-in/candidate.onnx' } })
    assert.equal(missing.exitCode, 1)
    assert.equal(
      missing.annotations[0]!.message,
      "input 'model': is required: the model name, as in models/<name>/model.yaml; it is not set\nFix the step's 'with:' block in your workflow.",
    )
  } finally {
    repo.remove()
  }
})

test("actions/evaluate with champion 'registry': the production version is downloaded from the releases and compared", async () => {
  const double = await startGitHubDouble()
  const repo = churnRepository()
  const assets = writeAssets('v1')
  try {
    const octokit = createOctokit({ token: double.token, baseUrl: double.url, retryAfterBaseMs: 1, writeIntervalMs: 0 })
    const backend = new GitHubRegistryBackend({ octokit, owner: double.owner, repo: double.repo })
    copyFileSync(join(repo.dir, 'models-in/champion.onnx'), join(assets, 'model.onnx'))
    const commit = await double.createCommit({ files: { 'models/churn/model.yaml': 'name: churn\n' } })
    await register({ model: 'churn', commit, assetsDir: assets, backend, log: collectingLog() })
    await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log: collectingLog() })

    const run = await runAction({
      action: 'evaluate',
      workspace: repo.dir,
      inputs: { model: 'churn', candidate: 'models-in/candidate.onnx', champion: 'registry', token: double.token },
      env: { GITHUB_API_URL: double.url, GITHUB_SERVER_URL: double.webUrl, GITHUB_REPOSITORY: `${double.owner}/${double.repo}` },
    })
    assert.equal(run.exitCode, 1, run.stdout + run.stderr)
    assert.ok(run.log.includes('champion: churn@v0.0.1'), run.log.join('\n'))
    assert.ok(run.summary.includes('against the champion churn@v0.0.1, on data/churn/test.csv (400 rows).'))
    assert.equal(run.outputs.verdict, 'failed')
  } finally {
    rmSync(assets, { recursive: true, force: true })
    repo.remove()
    await double.close()
  }
})

test("actions/evaluate with champion 'registry' under act with no token: the champion comes from the local registry", async () => {
  const repo = churnRepository()
  const assets = writeAssets('v1')
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    git('init', '-q', '-b', 'main')
    git('config', 'user.name', 'Test Tagger')
    git('config', 'user.email', 'tagger@example.com')
    git('commit', '-q', '--allow-empty', '-m', 'initial')
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    copyFileSync(join(repo.dir, 'models-in/champion.onnx'), join(assets, 'model.onnx'))
    const env = createRecordingEnv({
      workspace: repo.dir,
      inputs: { model: 'churn', candidate: 'models-in/candidate.onnx', champion: 'registry' },
      vars: { ACT: 'true', GITHUB_REPOSITORY: 'acme/models' },
    })
    // Before any promotion there is no champion: thresholds only, and the step passes.
    await runEvaluate(env)
    assert.deepEqual(env.record.annotations.map((a) => [a.level, a.message]), [['warning', `running under act with no GitHub token: using the local registry in ${repo.dir} (tags in this checkout, release files under its refs/modelship/releases); nothing is read from or published to GitHub. Pass one with act -s GITHUB_TOKEN=... to use GitHub.`]])
    assert.ok(env.record.log.includes('churn has no production version yet: only absolute thresholds are checked'), env.record.log.join('\n'))
    assert.equal(env.record.outputs.verdict, 'passed')

    await register({ model: 'churn', commit: git('rev-parse', 'HEAD').trim(), assetsDir: assets, backend, log: collectingLog() })
    await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log: collectingLog() })
    const promoted = createRecordingEnv({
      workspace: repo.dir,
      inputs: { model: 'churn', candidate: 'models-in/candidate.onnx', champion: 'registry' },
      vars: { ACT: 'true', GITHUB_REPOSITORY: 'acme/models' },
    })
    await assert.rejects(runEvaluate(promoted), { name: 'GateFailedError' })
    assert.ok(promoted.record.log.includes('champion: churn@v0.0.1'), promoted.record.log.join('\n'))
    assert.ok(promoted.record.summary.includes('against the champion churn@v0.0.1, on data/churn/test.csv (400 rows).'))
  } finally {
    rmSync(assets, { recursive: true, force: true })
    repo.remove()
  }
})
