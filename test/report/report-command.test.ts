import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run-cli.js'
import { readEvaluation, writeEvaluation } from '../../src/evaluate/index.js'
import { expandEvaluationFiles, globToRegExp, reportMarker, splitList } from '../../src/report/index.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { sampleEvaluation } from './sample-evaluation.js'

let dir: string
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modelship-report-cli-'))
  await writeEvaluation(join(dir, 'evaluation.json'), sampleEvaluation({ workflowRunUrl: null }))
})
after(() => rmSync(dir, { recursive: true, force: true }))

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', cwd: dir, out: (text: string) => void (io.stdout += text), err: (text: string) => void (io.stderr += text) }
  return io
}

async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]))
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  try {
    return await fn()
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

test('modelship report prints the Markdown report', async () => {
  const io = capture()
  const code = await withEnv({ GITHUB_RUN_ID: undefined }, () => runCli(['report', 'evaluation.json'], io))
  assert.equal(code, 0, io.stderr)
  assert.ok(io.stdout.startsWith(`${reportMarker('churn')}\n\n## ❌ Modelship: churn failed — 1 of 4 checks failed; worse than the champion: roc_auc, accuracy, log_loss (3 of 3 metrics)\n`))
  // The evaluation has no run link and this is not a workflow run: the training run's link is used.
  assert.ok(io.stdout.endsWith('---\n[Workflow run](https://github.com/acme/models/actions/runs/7) · evaluated 2026-01-26 18:15:12 UTC by Modelship in 1.2s\n'), io.stdout.slice(-200))
  const bare = capture()
  await writeEvaluation(join(dir, 'bare.json'), sampleEvaluation({ workflowRunUrl: null, training: null }))
  assert.equal(await withEnv({ GITHUB_RUN_ID: undefined }, () => runCli(['report', 'bare.json'], bare)), 0)
  assert.ok(bare.stdout.endsWith('---\nevaluated 2026-01-26 18:15:12 UTC by Modelship in 1.2s\n'), bare.stdout.slice(-200))
  assert.equal(bare.stdout.includes('### Training'), false)
})

test('modelship report --pr posts the sticky comment, once', async () => {
  const double: GitHubDouble = await startGitHubDouble()
  try {
    await double.createCommit({ branch: 'retrain', files: { 'a.txt': 'a\n' } })
    const pr = await double.addPullRequest({ head: 'retrain' })
    const vars = { ...double.env(), GITHUB_RUN_ID: undefined }
    for (const expected of ['created', 'unchanged']) {
      const io = capture()
      const code = await withEnv(vars, () => runCli(['report', 'evaluation.json', '--pr', String(pr)], io))
      assert.equal(code, 0, io.stderr)
      assert.match(io.stdout, new RegExp(`^churn: comment ${expected} on pull request #${pr}: .*/pull/${pr}#issuecomment-\\d+\\n$`))
    }
    const comments = [...double.state.comments.values()].filter((c) => c.issueNumber === pr)
    assert.equal(comments.length, 1)
  } finally {
    await double.close()
  }
})

test('modelship report: bad arguments and files', async () => {
  const badPr = capture()
  assert.equal(await runCli(['report', 'evaluation.json', '--pr', '#4'], badPr), 2)
  assert.ok(badPr.stderr.startsWith("modelship report: --pr must be a pull request number such as 42; got '#4'\n"))
  const none = capture()
  assert.equal(await runCli(['report'], none), 2)
  const missing = capture()
  assert.equal(await runCli(['report', 'nope.json'], missing), 1)
  assert.equal(missing.stderr, `modelship report: ${join(dir, 'nope.json')}: file not found. Fix: pass the evaluation.json that modelship evaluate (or actions/evaluate) wrote.\n`)
})

test('readEvaluation refuses files that are not evaluations, naming the fix', async () => {
  writeFileSync(join(dir, 'broken.json'), '{"schemaVersion": 1,')
  await assert.rejects(readEvaluation(join(dir, 'broken.json')), { name: 'DataError', message: /broken\.json: not valid JSON \(.*\)\. Fix: re-run modelship evaluate to write it again\.$/ })
  writeFileSync(join(dir, 'future.json'), '{"schemaVersion": 2}')
  await assert.rejects(readEvaluation(join(dir, 'future.json')), {
    message: `${join(dir, 'future.json')}: schemaVersion 2 is not an evaluation this release reads (expected 1). Fix: evaluate again with this release of Modelship.`,
  })
  writeFileSync(join(dir, 'partial.json'), JSON.stringify({ ...sampleEvaluation(), metrics: 'none' }))
  await assert.rejects(readEvaluation(join(dir, 'partial.json')), { message: /partial\.json: not a valid evaluation \(metrics: .*; 1 problem\(s\)\)\. Fix: re-run modelship evaluate/ })
})

test('evaluation lists: paths and globs, in order, each file once', async () => {
  assert.deepEqual(splitList(' a.json\n\n b/*.json , c.json '), ['a.json', 'b/*.json', 'c.json'])
  assert.ok(globToRegExp('**/evaluation*.json').test('evaluation.json'))
  assert.ok(globToRegExp('**/evaluation*.json').test('out/churn/evaluation-churn.json'))
  assert.equal(globToRegExp('out/*.json').test('out/a/b.json'), false)
  const root = join(dir, 'tree')
  for (const file of ['out/churn/evaluation.json', 'out/prices/evaluation.json', 'node_modules/x/evaluation.json', 'other.json']) {
    mkdirSync(join(root, file, '..'), { recursive: true })
    writeFileSync(join(root, file), '{}')
  }
  assert.deepEqual(await expandEvaluationFiles(['out/prices/evaluation.json', '**/evaluation.json'], root), [
    join(root, 'out/prices/evaluation.json'),
    join(root, 'out/churn/evaluation.json'),
  ])
  await assert.rejects(expandEvaluationFiles(['out/none.json'], root), {
    name: 'DataError',
    message: `out/none.json: no such file under ${root}. Fix: pass the evaluation.json that actions/evaluate wrote (its 'evaluation' output), or a glob such as '**/evaluation.json'.`,
  })
})
