import assert from 'node:assert/strict'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run-cli.js'
import { readEvaluation } from '../../src/evaluate/index.js'
import { reportMarker } from '../../src/report/index.js'
import { churnRepository } from './helpers.js'

function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', cwd, out: (text: string) => void (io.stdout += text), err: (text: string) => void (io.stderr += text) }
  return io
}

test('modelship evaluate: a failed gate exits 1, prints the failed check and still writes evaluation.json', async () => {
  const repo = churnRepository()
  try {
    const io = capture(repo.dir)
    const code = await runCli(['evaluate', 'churn', '--candidate', 'models-in/candidate.onnx', '--champion', 'models-in/champion.onnx', '--out', 'out/evaluation.json', '--no-explain'], io)
    assert.equal(code, 1, io.stderr)
    const lines = io.stdout.split('\n')
    assert.equal(lines[0], 'churn: failed (1 of 4 checks failed)')
    assert.equal(lines[1], 'candidate models-in/candidate.onnx, champion models-in/champion.onnx, on data/churn/test.csv (400 rows)')
    assert.equal(lines[2], "positive class 1 (the second of the model's classes)")
    assert.deepEqual(lines.slice(4, 8), [
      'metric    champion  candidate          delta',
      'roc_auc     0.8351     0.8267  -0.0084 worse',
      'accuracy    0.7775      0.765  -0.0125 worse',
      'log_loss    0.4536     0.4746   +0.021 worse',
    ])
    assert.ok(io.stdout.includes('failed checks:\n  - min-absolute-change on roc_auc: roc_auc 0.8267 vs champion 0.8351: improvement -0.0084 < required -0.005 (greater is better)\n'))
    assert.ok(io.stdout.endsWith('wrote out/evaluation.json\n'))
    const written = await readEvaluation(join(repo.dir, 'out/evaluation.json'))
    assert.equal(written.verdict, 'failed')
    assert.equal(written.explanations, null)
    assert.deepEqual(readdirSync(join(repo.dir, 'out')), ['evaluation.json'], 'no temp file is left next to it')
  } finally {
    repo.remove()
  }
})

test('modelship evaluate: passing gates exit 0; json and markdown formats', async () => {
  const repo = churnRepository({ gates: '    - { metric: roc_auc, threshold: 0.8, min-absolute-change: -0.01 }' })
  try {
    const json = capture(repo.dir)
    assert.equal(await runCli(['evaluate', 'churn', '--candidate', 'models-in/candidate.onnx', '--champion', 'models-in/champion.onnx', '--format', 'json'], json), 0, json.stderr)
    const parsed = JSON.parse(json.stdout)
    assert.equal(parsed.schemaVersion, 1)
    assert.equal(parsed.passed, true)
    assert.equal(parsed.explanations.method, 'exact')
    assert.equal(parsed.explanations.local.length, 3)

    const markdown = capture(join(repo.dir, 'models'))
    assert.equal(await runCli(['evaluate', 'churn', '--candidate', '../models-in/candidate.onnx', '--format', 'markdown', '--no-explain'], markdown), 0, markdown.stderr)
    assert.ok(markdown.stdout.startsWith(`${reportMarker('churn')}\n\n## ✅ Modelship: churn passed — 3 of 4 checks passed (1 skipped: no champion)\n`), markdown.stdout.slice(0, 200))
    assert.equal(existsSync(join(repo.dir, 'evaluation.json')), false, 'nothing is written without --out')
  } finally {
    repo.remove()
  }
})

test('modelship evaluate: a model outside the repository and the current folder is shown with its absolute path', async () => {
  const repo = churnRepository()
  const elsewhere = mkdtempSync(join(tmpdir(), 'modelship-run-'))
  try {
    copyFileSync(join(repo.dir, 'models-in/candidate.onnx'), join(elsewhere, 'model.onnx'))
    const io = capture(repo.dir)
    assert.equal(await runCli(['evaluate', 'churn', '--candidate', elsewhere, '--champion', 'models-in/champion.onnx', '--no-explain'], io), 1, io.stderr)
    assert.equal(io.stdout.split('\n')[1], `candidate ${elsewhere}, champion models-in/champion.onnx, on data/churn/test.csv (400 rows)`)
  } finally {
    repo.remove()
    rmSync(elsewhere, { recursive: true, force: true })
  }
})

test('modelship evaluate: NaN in a feature is a clear error and no evaluation.json is written', async () => {
  const csv = readFileSync(new URL('../fixtures/data/churn-test.csv', import.meta.url), 'utf8').split('\n')
  // Row 3 (line 4): empty monthly_charges.
  csv[3] = csv[3]!.split(',').map((cell, i) => (i === 2 ? '' : cell)).join(',')
  const repo = churnRepository({ testCsv: csv.join('\n') })
  try {
    const io = capture(repo.dir)
    const code = await runCli(['evaluate', 'churn', '--candidate', 'models-in/candidate.onnx', '--out', 'evaluation.json'], io)
    assert.equal(code, 1)
    assert.equal(
      io.stderr,
      "modelship evaluate: data/churn/test.csv: column 'monthly_charges' has 1 null/NaN value in rows 1-400 (first at row 3); features and the target must be complete. Fix: fill or drop those rows before evaluation.\n",
    )
    assert.equal(io.stdout, '')
    assert.equal(existsSync(join(repo.dir, 'evaluation.json')), false)
  } finally {
    repo.remove()
  }
})

test('modelship evaluate: usage errors name the fix', async () => {
  const repo = churnRepository()
  try {
    const unknown = capture(repo.dir)
    assert.equal(await runCli(['evaluate', 'chrun', '--candidate', 'models-in/candidate.onnx'], unknown), 2)
    assert.ok(
      unknown.stderr.startsWith(`modelship evaluate: model 'chrun' has no spec: models/chrun/model.yaml does not exist in ${repo.dir}; did you mean 'churn'? Models there: churn.\n`),
      unknown.stderr,
    )
    const noCandidate = capture(repo.dir)
    assert.equal(await runCli(['evaluate', 'churn'], noCandidate), 2)
    assert.ok(
      noCandidate.stderr.startsWith(
        'modelship evaluate: churn has no training outputs in .modelship/outputs/churn; train it first (modelship train churn), or pass --candidate <model.onnx or run folder>\n',
      ),
      noCandidate.stderr,
    )
    const badModel = capture(repo.dir)
    assert.equal(await runCli(['evaluate', 'churn', '--candidate', 'data/churn/test.csv', '--out', 'evaluation.json'], badModel), 1)
    assert.match(badModel.stderr, /^modelship evaluate: \/.*\/data\/churn\/test\.csv is not an ONNX model \(\d+ bytes that do not parse as an ONNX ModelProto/)
    assert.equal(existsSync(join(repo.dir, 'evaluation.json')), false)
  } finally {
    repo.remove()
  }
})
