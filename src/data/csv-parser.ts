/**
 * An incremental RFC 4180 parser: fields separated by commas, rows by CRLF, LF or CR, fields
 * optionally in double quotes with `""` for a quote inside and line breaks allowed inside quotes.
 * Text arrives in chunks of any size; each complete row goes to `onRow` with a reused array, so
 * parsing a million rows allocates only the field strings. Blank lines are skipped (as pandas does).
 */
import { DataError } from '../errors.js'

const QUOTE = 34
const COMMA = 44
const LF = 10
const CR = 13

/** Receives one row: `fields[0..count)` are its cells; `line` is the 1-based line it starts on. */
export type RowHandler = (fields: string[], count: number, line: number) => void

/** Parses CSV text pushed in pieces; throws `DataError` for an unterminated quote or a stray one. */
export class CsvParser {
  private rest = ''
  private line = 1
  private readonly fields: string[] = []

  constructor(
    private readonly file: string,
    private readonly onRow: RowHandler,
  ) {}

  /** Parses every complete row in `text` (after any remainder of earlier pushes). */
  push(text: string): void {
    const s = this.rest.length > 0 ? this.rest + text : text
    this.rest = s.slice(this.parse(s, false))
  }

  /** Parses what is left as the end of the file. */
  finish(): void {
    if (this.rest.length > 0) this.parse(this.rest, true)
    this.rest = ''
  }

  /** Returns the index up to which `s` was consumed (the start of an incomplete row). */
  private parse(s: string, final: boolean): number {
    const n = s.length
    const fields = this.fields
    let pos = 0
    while (pos < n) {
      const rowStart = pos
      let extraLines = 0
      let count = 0
      let quoted = false
      for (;;) {
        let value: string
        if (s.charCodeAt(pos) === QUOTE) {
          quoted = true
          let k = pos + 1
          let text = ''
          for (;;) {
            const j = s.indexOf('"', k)
            if (j === -1 || (j + 1 === n && !final)) {
              if (!final) return rowStart
              throw new DataError(
                `${this.file}: line ${this.line + extraLines}: a quoted field is never closed. ` +
                  `Fix: close the quote or double each quote inside the field ("").`,
              )
            }
            if (s.charCodeAt(j + 1) === QUOTE) {
              text += s.slice(k, j + 1)
              k = j + 2
              continue
            }
            text += s.slice(k, j)
            pos = j + 1
            break
          }
          if (text.includes('\n')) extraLines += text.split('\n').length - 1
          const next = pos < n ? s.charCodeAt(pos) : -1
          if (next !== COMMA && next !== LF && next !== CR && next !== -1) {
            throw new DataError(
              `${this.file}: line ${this.line + extraLines}: unexpected text after a closing quote. ` +
                `Fix: quote the whole field and double each quote inside it ("").`,
            )
          }
          value = text
        } else {
          let j = pos
          while (j < n) {
            const c = s.charCodeAt(j)
            if (c === COMMA || c === LF || c === CR) break
            j++
          }
          if (j === n && !final) return rowStart
          value = s.slice(pos, j)
          pos = j
        }
        fields[count++] = value
        if (pos >= n) {
          if (!final) return rowStart
          this.emit(count, quoted, extraLines)
          return n
        }
        const c = s.charCodeAt(pos)
        if (c === COMMA) {
          pos++
          if (pos === n && !final) return rowStart
          continue
        }
        if (c === CR) {
          if (pos + 1 === n && !final) return rowStart
          pos += s.charCodeAt(pos + 1) === LF ? 2 : 1
        } else {
          pos++
        }
        this.emit(count, quoted, extraLines)
        break
      }
    }
    return pos
  }

  private emit(count: number, quoted: boolean, extraLines: number): void {
    const line = this.line
    this.line += 1 + extraLines
    if (count === 1 && !quoted && this.fields[0] === '') return
    this.onRow(this.fields, count, line)
  }
}
