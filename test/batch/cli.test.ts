import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { tableFromIPC } from 'apache-arrow'
import { build } from '../../scripts/build.mjs'
import type { CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run-cli.js'
import { FOREST, REPO, tempDir, writeForestData } from './helpers.js'

function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', cwd, out: (text: string) => void (io.stdout += text), err: (text: string) => void (io.stderr += text) }
  return io
}

describe('modelship batch-score', () => {
  let dir: string
  let remove: () => Promise<void>
  before(async () => {
    ;({ dir, remove } = await tempDir('cli'))
    await writeForestData(join(dir, 'part-1.parquet'), 600, 1)
    await writeForestData(join(dir, 'part-2.parquet'), 400, 2)
    await writeForestData(join(dir, 'bad.csv'), 10, 3)
    const text = await readFile(join(dir, 'bad.csv'), 'utf8')
    await (await import('node:fs/promises')).writeFile(join(dir, 'bad.csv'), text.replace(/\n[^,\n]+,/, '\nnope,'))
  })
  after(() => remove())

  const base = ['batch-score', 'forest', '--path', REPO, '--model', FOREST, '--progress', 'none', '--workers', '1']

  test('scores a glob, sharded, and merges the shards; the summary lists counts, inputs and outputs', async () => {
    for (const i of ['0', '1']) {
      const io = capture(dir)
      assert.equal(await runCli([...base, 'part-*.parquet', '--output', `shard-${i}`, '--shard-index', i, '--shard-count', '2', '--batch-rows', '128'], io), 0, io.stderr)
      assert.match(io.stderr, new RegExp(`scored 500 rows \\(0 failed\\) into ${dir}/shard-${i}/predictions\\.arrow`))
    }
    const io = capture(dir)
    assert.equal(await runCli(['batch-score', 'merge', 'shard-0/manifest.json', 'shard-1', '--output', 'all'], io), 0, io.stderr)
    assert.match(io.stdout, /### Batch scoring, 2 shards merged: completed/)
    assert.match(io.stdout, /\| part-1\.parquet \| parquet \| 600 \| 0-599 \|/)
    assert.match(io.stdout, /\| predictions\.arrow \| arrow \| 1,000 \|/)
    assert.equal(tableFromIPC(await readFile(join(dir, 'all', 'predictions.arrow'))).numRows, 1000)
  })

  test('exits 1 past the error threshold, printing the report with the file and row', async () => {
    const io = capture(dir)
    assert.equal(await runCli([...base, 'bad.csv', '--output', 'bad'], io), 1)
    assert.match(io.stdout, /### Batch scoring of forest, shard 1 of 1: \*\*failed\*\*/)
    assert.match(io.stdout, /\| bad\.csv \| 0 \| text in numeric feature 'f0' \|/)
    assert.match(io.stderr, /failed: 1 rows failed \(threshold 0\); the report is in .*bad\/manifest\.json/)
    const passed = capture(dir)
    assert.equal(await runCli([...base, 'bad.csv', '--output', 'bad-allowed', '--error-threshold', '10%'], passed), 0, passed.stderr)
  })

  test('usage errors name the fix, with no stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[...base, 'part-1.parquet'], /--output <dir> is required/],
      [[...base, 'nothing-*.parquet', '--output', 'x'], /input glob 'nothing-\*\.parquet' matches no file under/],
      [[...base, 'missing.parquet', '--output', 'x'], /input file missing\.parquet does not exist/],
      [[...base, 'part-1.parquet', '--output', 'x', '--workers', '0'], /--workers '0' is not a whole number of at least 1/],
      [[...base, 'part-1.parquet', '--output', 'x', '--error-threshold', 'lots'], /--error-threshold 'lots' is neither a row count/],
      [['batch-score', 'forest', '--path', REPO, '--model', join(dir, 'nope.onnx'), 'part-1.parquet', '--output', 'x'], /neither a file or folder here nor a registry reference/],
      [['batch-score', 'merge', '--output', 'x'], /no shard manifests to merge/],
    ]
    for (const [argv, message] of cases) {
      const io = capture(dir)
      assert.notEqual(await runCli(argv, io), 0, argv.join(' '))
      assert.match(io.stderr, message)
      assert.doesNotMatch(io.stderr, /\n\s+at /)
    }
  })
})

describe('the bundled CLI', () => {
  let dir: string
  let remove: () => Promise<void>
  before(async () => ({ dir, remove } = await tempDir('bundle')))
  after(() => remove())

  test('starts its worker threads from dist/batch-worker.cjs, from a copy of dist/ with no node_modules', async () => {
    const outdir = join(dir, 'built')
    await build({
      outdir,
      entries: [
        { name: 'cli', out: 'cli.cjs', entry: 'src/cli/main.ts' },
        { name: 'batch-worker', out: 'batch-worker.cjs', entry: 'src/batch/worker.ts' },
      ],
    })
    const clean = join(dir, 'clean')
    cpSync(outdir, join(clean, 'dist'), { recursive: true })
    await writeForestData(join(clean, 'rows.arrow'), 3000)
    const result = spawnSync(process.execPath, [join(clean, 'dist', 'cli.cjs'), 'batch-score', 'forest', '--path', REPO, '--model', FOREST, 'rows.arrow', '--output', 'out', '--workers', '2', '--batch-rows', '500', '--progress', 'batches'], { cwd: clean, encoding: 'utf8' })
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stderr.split('\n').filter((line) => line.startsWith('batch rows.arrow')).length, 6)
    assert.equal(tableFromIPC(await readFile(join(clean, 'out', 'predictions.arrow'))).numRows, 3000)
  })
})
