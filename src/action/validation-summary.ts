/**
 * How a validation report looks on GitHub: one annotation per problem at its file and line
 * (paths relative to GITHUB_WORKSPACE), and a job summary with a verdict per model and environment,
 * the problems GitHub did not show as annotations, and the models planned for training.
 */
import { relative, resolve, sep } from 'node:path'
import type { TrainingPlan } from '../git/training-plan.js'
import { formatProblem, type SpecProblem } from '../spec/problem.js'
import type { ValidationReport } from '../spec/index.js'
import type { Annotation } from './annotations.js'
import { escapeCell, markdownTable } from './summary.js'

/** Every problem of a report, sorted by file, line and column. */
export function allProblems(report: ValidationReport): SpecProblem[] {
  return report.problems
}

/** Problems that belong to no model or environment file (e.g. a path given that does not exist). */
function otherProblems(report: ValidationReport): SpecProblem[] {
  const files = new Set([...report.models, ...report.environments].map((f) => f.file))
  return report.problems.filter((problem) => !files.has(problem.file))
}

/** The annotation for one problem; its file is made relative to the workspace, as GitHub expects. */
export function problemAnnotation(problem: SpecProblem, root: string, workspace: string): Annotation {
  const title = problem.path ? `Modelship: ${problem.path}` : 'Modelship'
  // A problem with the repository itself (file '.') has no line to sit on.
  if (problem.file === '.' || problem.file === '') return { level: problem.severity, title, message: problem.message }
  const file = relative(workspace, resolve(root, problem.file)).split(sep).join('/')
  return {
    level: problem.severity,
    file,
    line: problem.line,
    column: problem.column,
    title,
    message: problem.message,
  }
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** The one-line verdict: `valid: 2 models, 1 environment` or `invalid: 3 errors, 1 warning in 2 models, 1 environment`. */
export function verdictLine(report: ValidationReport): string {
  const problems = allProblems(report)
  const errors = problems.filter((p) => p.severity === 'error').length
  const warnings = problems.length - errors
  const scope = `${count(report.models.length, 'model')}, ${count(report.environments.length, 'environment')}`
  if (report.valid) return warnings ? `valid: ${scope} (${count(warnings, 'warning')})` : `valid: ${scope}`
  return `invalid: ${count(errors, 'error')}${warnings ? `, ${count(warnings, 'warning')}` : ''} in ${scope}`
}

function verdict(problems: readonly SpecProblem[]): string {
  const errors = problems.filter((p) => p.severity === 'error').length
  if (errors) return `❌ ${count(errors, 'error')}`
  if (problems.length) return `⚠️ ${count(problems.length, 'warning')}`
  return '✅ valid'
}

/** Markdown for the job summary. `hidden` are the problems GitHub did not show as annotations. */
export function renderValidationSummary(
  report: ValidationReport,
  options: { hidden?: readonly SpecProblem[]; plan?: TrainingPlan } = {},
): string {
  const parts = [`## Modelship validate: ${report.valid ? '✅' : '❌'} ${verdictLine(report)}\n`]
  if (report.models.length) {
    parts.push(markdownTable(['Model', 'Spec', 'Verdict'], report.models.map((m) => [m.name, m.file, verdict(m.problems)])))
  } else {
    parts.push('No models found (models/<name>/model.yaml).\n')
  }
  if (report.environments.length) {
    parts.push(markdownTable(['Environment', 'File', 'Verdict'], report.environments.map((e) => [e.name, e.file, verdict(e.problems)])))
  }
  const others = otherProblems(report)
  if (others.length) {
    parts.push('### Other problems\n', others.map((p) => `- ${escapeCell(formatProblem(p))}`).join('\n') + '\n')
  }
  const hidden = options.hidden ?? []
  if (hidden.length) {
    parts.push(
      `### ${count(hidden.length, 'more problem')} not shown as annotations\n`,
      'GitHub shows at most 10 error and 10 warning annotations a step; the rest are here.\n',
      markdownTable(
        ['Where', 'Problem'],
        hidden.map((p) => [`${p.file}:${p.line}:${p.column}`, p.path ? `${p.path}: ${p.message}` : p.message]),
      ),
    )
  }
  const plan = options.plan
  if (plan) {
    const heading = plan.changedSince === undefined ? '### Models to train' : `### Models to train (changed since \`${escapeCell(plan.changedSince)}\`)`
    parts.push(`${heading}\n`, plan.models.length ? `${plan.models.map((m) => `\`${m}\``).join(', ')}\n` : 'None.\n')
  }
  return parts.join('\n')
}
