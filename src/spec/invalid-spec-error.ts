import { SpecError } from '../errors.js'
import { formatProblem, type SpecProblem } from './problem.js'

/** A SpecError that carries its problems; its message lists them, one formatted line each. */
export class InvalidSpecError extends SpecError {
  constructor(
    file: string,
    readonly problems: readonly SpecProblem[],
  ) {
    const errors = problems.filter((problem) => problem.severity === 'error').length
    super([`${file} is not a valid spec (${errors} problem${errors === 1 ? '' : 's'}):`, ...problems.map((problem) => `  ${formatProblem(problem)}`)].join('\n'))
  }
}
