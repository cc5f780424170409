import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { tableFromIPC } from 'apache-arrow'
import { readFile } from 'node:fs/promises'
import { FOREST, REPO, tempDir, writeForestData } from './helpers.js'

const ROWS = { 'a.parquet': 3000, 'b.arrow': 1500 } as const
const TOTAL = ROWS['a.parquet'] + ROWS['b.arrow']
const BATCHES = Math.ceil(ROWS['a.parquet'] / 200) + Math.ceil(ROWS['b.arrow'] / 200)

/**
 * Runs the CLI from source; when `killOn` is given, SIGKILLs it as soon as it has printed that many
 * lines matching the pattern (the child reports each mini-batch), so the kill point is a point of
 * the run, never a moment in time.
 */
function runCli(dir: string, out: string, killOn?: { pattern: RegExp; count: number }): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'batch-score', 'forest', '--path', REPO, '--model', FOREST, join(dir, 'a.parquet'), join(dir, 'b.arrow'), '--output', out, '--batch-rows', '200', '--workers', '2', '--progress', 'batches']
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let seen = 0
  let pending = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text
    pending += text
    const lines = pending.split('\n')
    pending = lines.pop()!
    for (const line of lines) if (killOn && killOn.pattern.test(line) && ++seen === killOn.count) child.kill('SIGKILL')
  })
  child.stdout.resume()
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })))
}

describe('a killed batch-score resumes from its state', () => {
  let dir: string
  let remove: () => Promise<void>
  before(async () => {
    ;({ dir, remove } = await tempDir('resume'))
    await writeForestData(join(dir, 'a.parquet'), ROWS['a.parquet'], 5)
    await writeForestData(join(dir, 'b.arrow'), ROWS['b.arrow'], 6)
  })
  after(() => remove())

  const points = [
    { name: 'before the first batch is done', pattern: /^scoring /, count: 1 },
    { name: 'after the first batch', pattern: /^batch /, count: 1 },
    { name: 'in the middle of the run', pattern: /^batch /, count: 9 },
    { name: 'after the last batch, while the output is assembled', pattern: /^4,500 \/ 4,500 rows/, count: 1 },
  ]
  for (const [k, point] of points.entries()) {
    test(`killed ${point.name}: the rerun scores only what is left, and every row appears exactly once`, async () => {
      const out = join(dir, `out-${k}`)
      const killed = await runCli(dir, out, { pattern: point.pattern, count: point.count })
      assert.equal(killed.signal, 'SIGKILL', killed.stderr)
      const leftBehind = (await readdir(join(out, '.batch-state'))).filter((name) => name.endsWith('.json') && name !== 'plan.json').length
      assert.ok(leftBehind >= point.count - 1 || point.pattern.source.startsWith('^scoring'), `${leftBehind} batches done`)

      const rerun = await runCli(dir, out)
      assert.equal(rerun.code, 0, rerun.stderr)
      const resumedLine = rerun.stderr.split('\n').find((line) => line.startsWith('scoring '))!
      // The rerun scores exactly the batches the killed run had not finished, no more.
      const scoredAgain = rerun.stderr.split('\n').filter((line) => line.startsWith('batch ')).length
      assert.equal(scoredAgain, BATCHES - leftBehind, rerun.stderr)
      if (leftBehind > 0) assert.match(resumedLine, /already done \(resumed\)/)

      const table = tableFromIPC(await readFile(join(out, 'predictions.arrow')))
      assert.equal(table.numRows, TOTAL)
      const seen = new Set<string>()
      for (const row of table) {
        const key = `${row.source_file}:${row.row_id}`
        assert.ok(!seen.has(key), `${key} appears twice`)
        seen.add(key)
      }
      for (const [file, rows] of Object.entries(ROWS)) for (let i = 0; i < rows; i++) assert.ok(seen.has(`${join(dir, file)}:${i}`), `${file} row ${i} is missing`)
      assert.deepEqual(await readdir(out), ['manifest.json', 'predictions.arrow'])
    })
  }
})
