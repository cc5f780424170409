import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SUMMARY_CUT_NOTE, escapeCell, fitSummary, markdownTable } from '../../src/action/summary.js'

test('a summary that fits is kept whole', () => {
  assert.deepEqual(fitSummary(10, 'abc', 100), { text: 'abc', cut: false })
})

test('a summary over the limit is cut at a line break and ends with the note, within the limit', () => {
  const note = Buffer.byteLength(SUMMARY_CUT_NOTE)
  const limit = note + 20
  const { text, cut } = fitSummary(0, `line one\nline two\n${'x'.repeat(200)}`, limit)
  assert.equal(cut, true)
  assert.equal(text, `line one\nline two${SUMMARY_CUT_NOTE}`)
  assert.ok(Buffer.byteLength(text) <= limit)
})

test('a cut never splits a multi-byte character', () => {
  const note = Buffer.byteLength(SUMMARY_CUT_NOTE)
  const { text } = fitSummary(0, 'é'.repeat(100), note + 5)
  assert.equal(text, `éé${SUMMARY_CUT_NOTE}`)
})

test('when only the note fits, the note alone is appended; when not even that, nothing', () => {
  const note = Buffer.byteLength(SUMMARY_CUT_NOTE.trimStart())
  assert.deepEqual(fitSummary(0, 'x'.repeat(note + 1), note), { text: SUMMARY_CUT_NOTE.trimStart(), cut: true })
  assert.deepEqual(fitSummary(100, 'more', 100), { text: '', cut: true })
})

test('table cells escape pipes, HTML and line breaks', () => {
  assert.equal(escapeCell('a|b <x>\nc'), 'a\\|b &lt;x&gt;<br>c')
  assert.equal(markdownTable(['model', 'verdict'], [['churn', 'valid']]), '| model | verdict |\n| --- | --- |\n| churn | valid |\n')
})
