/**
 * Makes a problem's text safe to print wherever it goes: terminal, Actions log, annotation, job
 * summary. Messages and paths echo values from the spec, and a spec is hostile input: a line break
 * could start a `::` workflow command on a line of its own, an ANSI escape could rewrite the
 * terminal, a bidirectional override could reorder what a reviewer reads, a 1 MB value would flood
 * the log, and a secret must never be printed at all. Applied once, where every problem is made.
 */
import { redactSecrets } from './secrets.js'

/** Longest run of non-space characters kept whole; longer echoed values are cut. */
const MAX_WORD = 80
/** Longest message kept whole. */
const MAX_TEXT = 2000

// C0 and C1 controls (ESC, CR, LF, NEL...), line and paragraph separators, bidi marks and overrides.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** `text` with unsafe characters written as escapes (`\n`, `\u001b`), long words and secrets cut. */
export function safeText(text: string): string {
  let safe = redactSecrets(text).replace(UNSAFE, (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
  safe = safe.replace(new RegExp(`\\S{${MAX_WORD + 1},}`, 'g'), (word) => `${word.slice(0, MAX_WORD - 20)}…(${word.length} characters)`)
  return safe.length > MAX_TEXT ? `${safe.slice(0, MAX_TEXT)}…(cut)` : safe
}
