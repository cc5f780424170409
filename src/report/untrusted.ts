/**
 * A fork's evaluation.json, as the trusted `workflow_run` job sees it: data someone else wrote.
 * Every string in it (model, metric, feature and group names, gate reasons, paths) goes through
 * `neutralizeText` before the job renders its own Markdown, so the comment cannot mention people,
 * show images, carry raw HTML (nor a second hidden marker), or link to a run the fork chose.
 */
import type { EvaluationResult } from '../evaluate/evaluation-schema.js'

/** Zero-width space: breaks `@name` so GitHub does not notify anyone, while it still reads `@name`. */
const ZWSP = '\u200b'

/**
 * Text from a fork made safe to show: images become their alt text, HTML tags are stripped and any
 * stray angle bracket becomes a look-alike (‹ ›), so no tag can form with the renderer's own text;
 * mentions are broken. Not HTML-escaped: the renderer escapes table cells itself, and escaping twice
 * would show `&lt;` to the reader.
 */
export function neutralizeText(text: string): string {
  let out = text
    // Inline and reference images: keep only what they say.
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/!\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/!\[/g, '!\\[')
  // Raw HTML (<img>, <details>, <!-- markers -->); repeated for tags hidden inside tags.
  for (let before = ''; before !== out; ) {
    before = out
    out = out.replace(/<[!/?A-Za-z][^<>]*>/g, '')
  }
  return (
    out
      .replace(/</g, '\u2039')
      .replace(/>/g, '\u203a')
      // An entity such as &#64; would render as the character it names (an @ that mentions).
      .replace(/&(?=#|[A-Za-z][A-Za-z0-9]*;)/g, '&amp;')
      // @user, @org/team.
      .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWSP}`)
  )
}

function neutralizeValue(value: unknown): unknown {
  if (typeof value === 'string') return neutralizeText(value)
  if (Array.isArray(value)) return value.map(neutralizeValue)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, neutralizeValue(inner)]))
  }
  return value
}

/**
 * The evaluation with every string neutralized and the fork's run links dropped (the fork wrote
 * them; the comment links only to runs this repository vouches for).
 */
export function neutralizeEvaluation(evaluation: EvaluationResult): EvaluationResult {
  const copy = neutralizeValue(evaluation) as EvaluationResult
  copy.workflowRunUrl = null
  if (copy.training) copy.training.workflowRunUrl = null
  return copy
}

/**
 * Why the verdict does not follow from the gates the file lists, or undefined when it does. A fork
 * can write `verdict: passed` over failed gates; such a report is refused rather than shown as ✅.
 */
export function verdictMismatch(evaluation: EvaluationResult): string | undefined {
  const checks = [...evaluation.gates, ...(evaluation.fairness?.gates ?? [])]
  for (const check of checks) {
    if (check.passed !== (check.status !== 'failed')) return `a check has status ${check.status} but passed ${check.passed}`
  }
  const passed = checks.every((check) => check.passed)
  if (evaluation.passed !== passed) return `passed is ${evaluation.passed}, but ${passed ? 'no check failed' : 'a check failed'}`
  if (evaluation.verdict !== (passed ? 'passed' : 'failed')) return `the verdict is ${evaluation.verdict}, but ${passed ? 'no check failed' : 'a check failed'}`
  return undefined
}
