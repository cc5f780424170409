/**
 * "Did you mean" suggestions for misspelled keys, metric names and enum values.
 * Distance is Damerau-Levenshtein with adjacent transpositions (optimal string alignment), after
 * folding case and treating `-`, `_` and nothing alike, so `rocauc`, `ROC-AUC` and `roc_auc` meet.
 */

/** Edit distance between two strings (insert, delete, substitute, swap adjacent: cost 1 each). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  if (a.length === 0) return b.length
  if (b.length === 0) return a.length
  // Three rolling rows are enough for the transposition step.
  let prevPrev: number[] = []
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, prevPrev[j - 2]! + 1)
      row.push(best)
    }
    prevPrev = prev
    prev = row
  }
  return prev[b.length]!
}

function fold(text: string): string {
  return text.toLowerCase().replace(/[-_\s]/g, '')
}

/** Whether `value` reads as the words of `candidate` cut short, in order: `workdir` for `working-directory`. */
function abbreviates(value: string, words: readonly string[]): boolean {
  if (value === '') return words.length === 0
  const [word, ...rest] = words
  if (word === undefined) return false
  for (let length = Math.min(word.length, value.length); length >= 2; length--) {
    if (word.startsWith(value.slice(0, length)) && abbreviates(value.slice(length), rest)) return true
  }
  return false
}

/**
 * The candidate closest to `value`, or undefined when none is close enough: a folded exact match,
 * else the only candidate `value` starts or abbreviates, else the smallest edit distance within
 * max(2, a third of the longer name).
 */
export function suggest(value: string, candidates: Iterable<string>): string | undefined {
  const folded = fold(value)
  const list = [...candidates].filter((candidate) => candidate !== value)
  const exact = list.find((candidate) => fold(candidate) === folded)
  if (exact) return exact
  if (folded.length >= 3) {
    const shortened = list.filter(
      (candidate) => fold(candidate).startsWith(folded) || abbreviates(folded, candidate.toLowerCase().split(/[-_\s]+/)),
    )
    if (shortened.length === 1) return shortened[0]
  }
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of list) {
    const other = fold(candidate)
    const distance = editDistance(folded, other)
    const limit = Math.max(2, Math.floor(Math.max(folded.length, other.length) / 3))
    if (distance <= limit && distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** `; did you mean 'x'?` or an empty string, ready to append to a message. */
export function didYouMean(value: string, candidates: Iterable<string>): string {
  const found = suggest(value, candidates)
  return found === undefined ? '' : `; did you mean '${found}'?`
}

/** Names joined for a message: `a, b, c`. */
export function listNames(names: Iterable<string>): string {
  return [...names].join(', ')
}
