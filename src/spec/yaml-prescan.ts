/**
 * One linear pass over spec text before the YAML parser sees it, refusing the shapes that make
 * parsing slow without ever being a spec: a second document (it would be parsed in full only to be
 * refused), flow brackets nested past MAX_DEPTH (the parser's cost grows with nesting) and more
 * than MAX_ENTRIES keys and items (its cost grows with the node count, not the bytes).
 * It reads just enough YAML to be right on real specs: quoted scalars and comments are skipped,
 * and a bracket counts only where a flow collection can start, not inside a word such as `a[0]`.
 */

/** Deepest nesting of mappings and lists a spec may have (a real spec has about 5). */
export const MAX_DEPTH = 64

/**
 * Most keys, list items and collections a spec may hold in all. Parsing costs by the node, and a
 * real spec has a few hundred; the limit keeps a file of tiny nodes as quick to refuse as it is
 * to read a valid spec of the same size.
 */
export const MAX_ENTRIES = 20_000

/** What the pre-scan found; offsets are into the scanned text. */
export interface PrescanResult {
  /** Where the second YAML document starts, when there is one. */
  secondDocument?: number
  /** How many documents the file holds (counted only when there are several). */
  documents: number
  /** Where a flow bracket first opens past MAX_DEPTH. */
  tooDeep?: number
  /** Where the entry past MAX_ENTRIES is. */
  tooMany?: number
}

const NEWLINE = 10
const SPACE = 32
const TAB = 9

/** Whether a document marker (`---` or `...`) starts the line at `index`. */
function markerAt(text: string, index: number, marker: string): boolean {
  if (!text.startsWith(marker, index)) return false
  const next = text.charCodeAt(index + 3)
  return Number.isNaN(next) || next === SPACE || next === TAB || next === NEWLINE || next === 13
}

/** Scans `text` once; see the file comment. */
export function prescanYaml(text: string): PrescanResult {
  const result: PrescanResult = { documents: 1 }
  let documents = 0
  // A document has begun once it has content or an explicit `---`; `...` ends it.
  let open = false
  let depth = 0
  let lineStart = true
  let openedAt = -2
  let entries = 0
  const count = (index: number) => {
    if (++entries > MAX_ENTRIES && result.tooMany === undefined) result.tooMany = index
  }
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code === NEWLINE) {
      lineStart = true
      continue
    }
    if (lineStart) {
      lineStart = false
      // Document markers only count at column 1, where YAML forbids them inside any scalar.
      if (markerAt(text, index, '---')) {
        if (open || documents > 0) {
          documents++
          result.secondDocument ??= index
        } else documents = 1
        open = true
        depth = 0
        index += 2
        continue
      }
      if (markerAt(text, index, '...')) {
        open = false
        depth = 0
        index += 2
        continue
      }
      if (code === 37 /* % */ && !open) {
        index = skipLine(text, index)
        continue
      }
    }
    if (code === SPACE || code === TAB || code === 13) continue
    const previous = index === 0 ? NEWLINE : text.charCodeAt(index - 1)
    // A token starts after a space, ',' or ':', or right after a bracket that opened a collection;
    // a bracket after any other character is part of a plain word such as `x[[`.
    const tokenStart = previous === SPACE || previous === TAB || previous === NEWLINE || previous === 44 || previous === 58 || openedAt === index - 1
    if (code === 35 /* # */ && (previous === SPACE || previous === TAB || previous === NEWLINE || index === 0)) {
      index = skipLine(text, index)
      continue
    }
    if (!open) {
      // Content after `...` (or after the last document) starts another document.
      if (documents > 0) {
        documents++
        result.secondDocument ??= index
      } else documents = 1
      open = true
    }
    if (tokenStart && (code === 34 /* " */ || code === 39) /* ' */) {
      index = skipQuoted(text, index, code)
      continue
    }
    const next = text.charCodeAt(index + 1)
    const spaceAfter = Number.isNaN(next) || next === SPACE || next === TAB || next === NEWLINE || next === 13
    if (tokenStart && (code === 91 /* [ */ || code === 123) /* { */) {
      openedAt = index
      depth++
      count(index)
      if (depth > MAX_DEPTH && result.tooDeep === undefined) result.tooDeep = index
    } else if ((code === 93 /* ] */ || code === 125) /* } */ && depth > 0) depth--
    // A key (`: `), a block list item (`- `) and a flow item (`,`) each make a node to parse.
    else if ((code === 58 /* : */ && spaceAfter) || (code === 45 /* - */ && tokenStart && spaceAfter) || (code === 44 /* , */ && depth > 0)) count(index)
  }
  result.documents = Math.max(documents, 1)
  result.tooDeep ??= blockTooDeep(text)
  return result
}

/** The index of the newline ending the line that holds `index` (or the last index). */
function skipLine(text: string, index: number): number {
  const end = text.indexOf('\n', index)
  return end < 0 ? text.length : end - 1
}

/** The index of the quote closing the scalar opened at `index`; an unclosed one runs to the end. */
function skipQuoted(text: string, index: number, quote: number): number {
  for (let at = index + 1; at < text.length; at++) {
    const code = text.charCodeAt(at)
    if (quote === 34 && code === 92 /* \ */) at++
    else if (code === quote) {
      // '' inside a single-quoted scalar is an escaped quote.
      if (quote === 39 && text.charCodeAt(at + 1) === 39) at++
      else return at
    }
  }
  return text.length
}

// A line that is a block entry: a list item, or a plain or quoted key followed by ': ' or an end.
const BLOCK_ENTRY = /^(?:-(?:\s|$)|\?\s|(?:"[^"]*"|'[^']*'|[^\s#'"[\]{},][^#]*?):(?:\s|$))/
// A line ending in a block scalar header (`key: |`, `- >-`): the more indented lines below are text.
const BLOCK_SCALAR = /(?:^|[\s:-])[|>][0-9+-]{0,2}\s*(?:#.*)?$/

/**
 * Where block nesting (by indentation, and `- - -` on one line) first passes MAX_DEPTH, or undefined.
 * A stack of indentation columns, as Python's tokenizer keeps: a deeper line pushes, a shallower pops.
 * Block scalar text and lines that are not block entries (flow continuations, comments) are skipped.
 */
export function blockTooDeep(text: string): number | undefined {
  const levels: number[] = []
  let scalarIndent = -1
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start)
    const end = newline < 0 ? text.length : newline
    const line = text.slice(start, end)
    const lineStart = start
    start = end + 1
    let indent = 0
    while (line.charCodeAt(indent) === SPACE) indent++
    const rest = line.slice(indent).trimEnd()
    if (scalarIndent >= 0) {
      if (rest === '' || indent > scalarIndent) continue
      scalarIndent = -1
    }
    if (/^(?:---|\.\.\.)(?:\s|$)/.test(line)) {
      levels.length = 0
      continue
    }
    if (!BLOCK_ENTRY.test(rest)) continue
    while (levels.length > 0 && levels.at(-1)! >= indent) levels.pop()
    levels.push(indent)
    // `- - a` opens a list in a list on one line: each dash is a level.
    for (let at = 0; rest.startsWith('- ', at); at += 2) levels.push(indent + at + 2)
    if (levels.length > MAX_DEPTH) return lineStart + indent
    if (BLOCK_SCALAR.test(rest)) scalarIndent = indent
  }
  return undefined
}
