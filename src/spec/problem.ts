/**
 * One problem found in a spec or environment file, located at its YAML node.
 * `line` and `column` are 1-based; `path` is the dotted key path users see in the YAML
 * (kebab-case keys, `[i]` for list items), e.g. `evaluate.gates[0].metric`.
 */
export interface SpecProblem {
  /** Path of the file relative to the repository root, with forward slashes. */
  file: string
  line: number
  column: number
  /** Key path inside the document; empty for problems about the whole file. */
  path: string
  /** What is wrong, the bad value, what was expected, and the fix. */
  message: string
  severity: 'error' | 'warning'
}

/** `file:line:col path: message`, the one way a problem is printed. */
export function formatProblem(problem: SpecProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`
  return problem.path ? `${where} ${problem.path}: ${problem.message}` : `${where} ${problem.message}`
}
