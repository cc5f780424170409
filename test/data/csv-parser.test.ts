import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CsvParser } from '../../src/data/csv-parser.js'

function parse(pieces: readonly string[]): Array<[number, string[]]> {
  const rows: Array<[number, string[]]> = []
  const parser = new CsvParser('t.csv', (fields, count, line) => rows.push([line, fields.slice(0, count)]))
  for (const piece of pieces) parser.push(piece)
  parser.finish()
  return rows
}

const TEXT = 'a,b,c\r\n"x, y","say ""hi""",\n"multi\nline",2,3\r\n\n,,\nlast,"",end'
const ROWS: Array<[number, string[]]> = [
  [1, ['a', 'b', 'c']],
  [2, ['x, y', 'say "hi"', '']],
  [3, ['multi\nline', '2', '3']],
  [6, ['', '', '']],
  [7, ['last', '', 'end']],
]

describe('CsvParser', () => {
  it('parses RFC 4180 quoting, mixed line ends, blank lines and a last row without a newline', () => {
    assert.deepEqual(parse([TEXT]), ROWS)
  })

  it('gives the same rows whatever the chunk boundaries (one character at a time)', () => {
    assert.deepEqual(parse([...TEXT]), ROWS)
    for (let cut = 1; cut < TEXT.length; cut++) assert.deepEqual(parse([TEXT.slice(0, cut), TEXT.slice(cut)]), ROWS, `cut at ${cut}`)
  })

  it('keeps a lone CR as a line end and a quote at the very end of a chunk', () => {
    assert.deepEqual(parse(['a,"b"', '"c"\r', 'd,e']), [
      [1, ['a', 'b"c']],
      [2, ['d', 'e']],
    ])
  })
})
