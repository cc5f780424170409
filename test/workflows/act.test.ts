// Runs the pull-request flow (test/workflows/fixtures/act-pr.yml: validate → train → evaluate →
// report, actions from this checkout) with the real act in host mode, on a git repository made from
// example-repo, and lets the report comment on a local GitHub double. Offline: no images (host
// mode, --pull=false), no action downloads (act skips actions/checkout of the repository itself and
// copies the working tree; --action-offline-mode), no cache server.
//
// One change to example-repo: churn's training command runs a Node script that copies a committed
// ONNX model (test/fixtures/train-repo/trainer), so that the test needs neither Python nor PyPI and
// stays fast; everything else (specs, data, evaluation, fairness, explanations) is the example's.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { reportMarker } from '../../src/report/index.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { NODE_BINARIES, REPO_ROOT } from '../support/run-action.js'
import { toolPath } from './tools.js'

const ACT_TIMEOUT_MS = 120_000
let double: GitHubDouble
let temp: string

before(async () => {
  double = await startGitHubDouble({ owner: 'acme', repo: 'models' })
  await double.createCommit({ branch: 'retrain-churn', files: { 'models/churn/model.yaml': 'name: churn\n' } })
  temp = mkdtempSync(join(tmpdir(), 'modelship-act-'))
})
after(async () => {
  rmSync(temp, { recursive: true, force: true })
  await double.close()
})

function git(cwd: string, args: string[]): string {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Modelship test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Modelship test', GIT_COMMITTER_EMAIL: 'test@example.com' },
  })
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout.trim()
}

/** example-repo + actions/ + dist/ + the act workflow, committed; then a pull request's change to churn. Returns the base commit. */
function makeRepository(repo: string): string {
  cpSync(join(REPO_ROOT, 'example-repo'), repo, { recursive: true, filter: (source) => !/[\\/](outputs|\.modelship|\.venv|__pycache__)$/.test(source) })
  for (const part of ['actions', 'dist']) cpSync(join(REPO_ROOT, part), join(repo, part), { recursive: true })
  cpSync(join(REPO_ROOT, 'test/fixtures/train-repo/trainer'), join(repo, 'trainer'), { recursive: true })
  mkdirSync(join(repo, '.github/workflows'), { recursive: true })
  cpSync(join(REPO_ROOT, 'test/workflows/fixtures/act-pr.yml'), join(repo, '.github/workflows/act-pr.yml'))
  const specFile = join(repo, 'models/churn/model.yaml')
  const spec = readFileSync(specFile, 'utf8')
  const fast = spec
    .replace('command: [python, train.py]', 'command: [node, train.mjs, --model, churn.onnx]')
    .replace('working-directory: models/churn', 'working-directory: trainer')
    .replace(/^ {2}environment: \{ python: .*\n/m, '')
  assert.notEqual(fast, spec, 'example-repo/models/churn/model.yaml no longer has the train section this test rewrites')
  writeFileSync(specFile, fast)
  git(repo, ['init', '-q', '-b', 'main'])
  git(repo, ['remote', 'add', 'origin', 'https://github.com/acme/models.git'])
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'Start from example-repo'])
  const base = git(repo, ['rev-parse', 'HEAD'])
  writeFileSync(specFile, readFileSync(specFile, 'utf8').replace('params: { C: 1.0, max_iter: 1000 }', 'params: { C: 0.5, max_iter: 1000 }'))
  git(repo, ['commit', '-q', '-am', 'Retrain churn with C 0.5'])
  return base
}

function runAct(repo: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath('act'), args, { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let log = ''
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), ACT_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, log })
    })
  })
}

test('act runs the pull-request flow on example-repo: validate, train, evaluate, report', async () => {
  toolPath('act')
  // act 0.2.89 knows runs.using node24; were it to lose that, the actions would not start at all.
  const usings = ['validate', 'train', 'evaluate', 'report'].map(
    (name) => (parseYaml(readFileSync(join(REPO_ROOT, 'actions', name, 'action.yml'), 'utf8')) as { runs: { using: string } }).runs.using,
  )
  assert.deepEqual(usings, ['node24', 'node24', 'node24', 'node24'])

  const repo = join(temp, 'repo')
  const base = makeRepository(repo)
  const pr = await double.addPullRequest({ head: 'retrain-churn' })
  const event = join(temp, 'event.json')
  writeFileSync(
    event,
    JSON.stringify({
      action: 'synchronize',
      number: pr,
      pull_request: { number: pr, base: { sha: base, ref: 'main' }, head: { sha: git(repo, ['rev-parse', 'HEAD']), ref: 'retrain-churn', repo: { full_name: 'acme/models' } } },
      repository: { full_name: 'acme/models', name: 'models', owner: { login: 'acme' } },
    }),
  )

  const { code, log } = await runAct(
    repo,
    [
      'pull_request',
      '--workflows', '.github/workflows/act-pr.yml',
      '--eventpath', event,
      '--platform', 'ubuntu-latest=-self-hosted',
      '--pull=false',
      '--action-offline-mode',
      '--action-cache-path', join(temp, 'act-cache'),
      '--no-cache-server',
      '--secret', `GITHUB_TOKEN=${double.token}`,
      '--env', `GITHUB_API_URL=${double.url}`,
      '--env', `GITHUB_SERVER_URL=${double.webUrl}`,
      '--env', 'GITHUB_REPOSITORY=acme/models',
    ],
    {
      // Actions declare node24: host mode runs them with the `node` first on PATH, so make that Node 24.
      PATH: `${dirname(NODE_BINARIES.node24)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: temp,
      XDG_CACHE_HOME: join(temp, 'cache'),
      // The GitHub double listens on 127.0.0.1: keep any proxy of this machine out of the way.
      NO_PROXY: '127.0.0.1,localhost',
    },
  )
  assert.equal(code, 0, `act failed:\n${log.slice(-6000)}`)
  // validate listed only the model the pull request changed, on the runner its spec names.
  assert.match(log, /models changed since [0-9a-f]{40}: churn\b/)
  assert.match(log, /set-output:: models=\{"include":\[\{"model":"churn","spec":"models\/churn\/model\.yaml","runs-on":\["ubuntu-latest"\]/)
  // The matrix job trained it (no cache yet), evaluation passed, and the report commented once.
  assert.match(log, /modelship-act churn cache-hit=false verdict=passed posted=1/)
  const comments = [...double.state.comments.values()].filter((comment) => comment.issueNumber === pr)
  assert.equal(comments.length, 1)
  assert.ok(comments[0]!.body.startsWith(`${reportMarker('churn')}\n\n## ✅ Modelship: churn passed`), comments[0]!.body.slice(0, 200))
  assert.deepEqual(double.violations, [])
})
