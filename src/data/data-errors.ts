/**
 * The data errors a user sees, in one place so every format words them the same way:
 * what failed, the bad value, what was expected, and the fix.
 */
import { DataError } from '../errors.js'
import { closestName } from './suggest.js'

/** 1-based data row (the header of a CSV is not counted) as printed in messages. */
export function rowLabel(rowIndex: number, line?: number): string {
  return line === undefined ? `row ${rowIndex + 1}` : `row ${rowIndex + 1} (line ${line})`
}

/** Quotes a cell for a message, cut to 40 characters. */
export function quoteValue(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value
  return `'${shown}'`
}

/** Requested columns that the file lacks. */
export function missingColumnsError(file: string, missing: readonly string[], present: readonly string[]): DataError {
  const parts = missing.map((name) => {
    const near = closestName(name, present)
    return near ? `'${name}' (did you mean '${near}'?)` : `'${name}'`
  })
  const noun = missing.length === 1 ? 'column' : 'columns'
  return new DataError(
    `${file}: ${noun} ${parts.join(', ')} not found; the file has ${present.length} columns: ` +
      `${present.join(', ')}. Fix: correct the name in the model spec or add the column to the file.`,
  )
}

/** A text value in a column that must be numeric. */
export function notNumericError(file: string, column: string, rowIndex: number, value: string, line?: number): DataError {
  return new DataError(
    `${file}: column '${column}' must be numeric, but ${rowLabel(rowIndex, line)} holds ${quoteValue(value)}. ` +
      `Fix: correct or remove that row, or if '${column}' is really text, feed it to the model as a string input.`,
  )
}

/** Nulls (empty cells, NaN) in a column that must be complete. */
export function nullsError(file: string, column: string, count: number, firstRow: number, scope = ''): DataError {
  const values = count === 1 ? 'null/NaN value' : 'null/NaN values'
  return new DataError(
    `${file}: column '${column}' has ${count} ${values}${scope} (first at ${rowLabel(firstRow)}); features and ` +
      `the target must be complete. Fix: fill or drop those rows before evaluation.`,
  )
}

/** A column whose storage type Modelship does not read. */
export function unsupportedTypeError(file: string, column: string, type: string): DataError {
  return new DataError(
    `${file}: column '${column}' has type ${type}, which Modelship cannot read; expected a number, boolean or ` +
      `string column. Fix: cast it to a number or a string when writing the file.`,
  )
}

/** A file that cannot be parsed as its extension says. */
export function corruptFileError(file: string, format: string, cause: unknown): DataError {
  // A read that failed in the operating system says nothing about the file's contents.
  if (isSystemError(cause)) return fileSystemError(file, cause)
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new DataError(
    `${file}: not a readable ${format} file (${reason}). Fix: re-write the file with a current writer ` +
      `(e.g. pyarrow or pandas) and check it was not truncated or stored as a Git LFS pointer.`,
    { cause },
  )
}

/** A Node system error (`fs`), told apart from parse errors by its string `code` and `syscall`. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string'
}

/**
 * A data file the operating system would not let us read, worded by its cause: only ENOENT says
 * "not found", so a permission or disk problem is never reported as a missing file.
 */
export function fileSystemError(file: string, error: NodeJS.ErrnoException): DataError {
  const code = error.code ?? 'unknown'
  switch (code) {
    case 'ENOENT':
      return new DataError(
        `${file}: file not found. Fix: check the path in the model spec (paths are relative to the repository root) and that the file is committed or fetched.`,
        { cause: error },
      )
    case 'EISDIR':
      return new DataError(`${file}: is a directory, not a data file. Fix: give the path of a .csv, .arrow or .parquet file.`, { cause: error })
    case 'EACCES':
    case 'EPERM':
      return new DataError(
        `${file}: permission denied (${code}): the file exists but may not be read. Fix: make it readable by the user that runs Modelship (chmod a+r), or run as that file's owner.`,
        { cause: error },
      )
    case 'ENOTDIR':
      return new DataError(`${file}: a part of the path is a file, not a folder (ENOTDIR). Fix: check the path in the model spec.`, { cause: error })
    case 'ELOOP':
      return new DataError(`${file}: the path goes through a loop of symbolic links (ELOOP). Fix: point the spec at the real file.`, { cause: error })
    default:
      return new DataError(`${file}: could not be read (${code}: ${error.message}). Fix: check that the file is readable and the disk is healthy, then retry.`, { cause: error })
  }
}

/**
 * A file whose own metadata disagrees with its contents or its size (a row count the pages do not
 * hold, a byte range past the end): nothing is read from it, so no row is ever invented.
 */
export function inconsistentFileError(file: string, format: string, problem: string): DataError {
  return new DataError(
    `${file}: not a consistent ${format} file: ${problem}. Fix: re-write the file with a current writer ` +
      `(e.g. pyarrow or pandas); a file cut short, edited by hand or written by a broken writer looks like this.`,
  )
}
