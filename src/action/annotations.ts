/**
 * Annotations and GitHub's per-step display limit: the runner shows at most 10 error and 10 warning
 * annotations a step (50 a job) and silently drops the rest, so callers learn which ones were not
 * shown and list them in the job summary instead.
 */

/** An error, warning or notice attached to a file position (1-based line and column). */
export interface Annotation {
  level: 'error' | 'warning' | 'notice'
  message: string
  /** Path relative to GITHUB_WORKSPACE, forward slashes. */
  file?: string
  line?: number
  column?: number
  endLine?: number
  endColumn?: number
  title?: string
}

/** Annotations of each level GitHub shows for one step. */
export const ANNOTATIONS_SHOWN_PER_STEP = 10

/** Counts annotations per level; `take` says whether one more of that level is still shown. */
export class AnnotationBudget {
  private readonly used = { error: 0, warning: 0, notice: 0 }

  /** Spends one slot of the level; false when GitHub would no longer show it. */
  take(level: Annotation['level']): boolean {
    if (this.used[level] >= ANNOTATIONS_SHOWN_PER_STEP) return false
    this.used[level] += 1
    return true
  }
}

/** `file:line:col: message`, how an annotation that GitHub will not show is written to the log. */
export function formatAnnotationLine(annotation: Annotation): string {
  const where = annotation.file
    ? `${annotation.file}${annotation.line ? `:${annotation.line}${annotation.column ? `:${annotation.column}` : ''}` : ''}: `
    : ''
  return `${annotation.level}: ${where}${annotation.message}`
}
