import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createProgress, progressText } from '../../src/batch/index.js'

/** A progress reporter on a clock the test moves by hand. */
function harness(mode: 'bar' | 'log' | 'batches' | 'none') {
  let now = 0
  let text = ''
  const progress = createProgress({ mode, write: (t) => void (text += t), now: () => now, logEveryMs: 5000, columns: 100 })
  return { progress, tick: (ms: number) => void (now += ms), take: () => [text, (text = '')][0]! }
}

describe('progress', () => {
  test('the status gives rows done, the share, rows/s since the start, the ETA and failures', () => {
    assert.equal(progressText(1_200_000, 5_000_000, 0, 3000, 0), '1,200,000 / 5,000,000 rows (24%), 400,000 rows/s, ETA 9.5s')
    // A resumed run counts its speed from the rows it found done.
    assert.equal(progressText(3_000_000, 4_000_000, 7, 1000, 2_000_000), '3,000,000 / 4,000,000 rows (75%), 1,000,000 rows/s, ETA 1.0s, 7 failed')
    assert.equal(progressText(0, 10, 0, 0, 0), '0 / 10 rows (0%), 0 rows/s, ETA ?')
  })

  test('off a terminal: a line at the start, one when 5 s have passed since the last, and one at the end', () => {
    const { progress, tick, take } = harness('log')
    progress.start(1000, 0)
    assert.equal(take(), 'scoring 1,000 rows\n')
    tick(2000)
    progress.batch(100, 0, 'a.csv rows 0-100')
    assert.equal(take(), '')
    tick(3000)
    progress.batch(200, 0, 'a.csv rows 100-200')
    assert.equal(take(), '200 / 1,000 rows (20%), 40 rows/s, ETA 20.0s\n')
    tick(1000)
    progress.batch(1000, 2, 'a.csv rows 200-1000')
    assert.equal(take(), '')
    progress.finish()
    assert.equal(take(), '1,000 / 1,000 rows (100%), 167 rows/s, ETA 0ms, 2 failed\n')
  })

  test('on a terminal: one bar redrawn in place, notes on lines of their own', () => {
    const { progress, tick, take } = harness('bar')
    progress.start(100, 50)
    tick(1000)
    progress.batch(75, 0, '')
    const drawn = take()
    assert.match(drawn, /^\r\[#+-+\] 50 \/ 100 rows \(50%\), 0 rows\/s, ETA \?\r\[#+-+\] 75 \/ 100 rows \(75%\), 25 rows\/s, ETA 1\.0s$/)
    progress.note('retrying a.csv rows 0-10 (try 2 of 4): boom')
    assert.match(take(), /^\nretrying a\.csv rows 0-10 \(try 2 of 4\): boom\n\r\[/)
    progress.finish()
    assert.match(take(), /100%|75%/)
  })

  test('batches mode prints a line a mini-batch; none prints nothing', () => {
    const batches = harness('batches')
    batches.progress.start(20, 10)
    batches.progress.batch(20, 0, 'a.csv rows 10-20: 10 scored, 0 failed')
    assert.equal(batches.take(), 'scoring 20 rows, 10 already done (resumed)\nbatch a.csv rows 10-20: 10 scored, 0 failed\n')
    const none = harness('none')
    none.progress.start(1, 0)
    none.progress.note('x')
    none.progress.finish()
    assert.equal(none.take(), '')
  })
})
