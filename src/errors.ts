/**
 * Named failure classes. A `ModelshipError` is a user-facing failure: the CLI and the actions print
 * its message (never a stack trace) and exit non-zero. Anything else that escapes is a bug.
 */
export class ModelshipError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A command-line or action input that cannot be used as given (exit code 2 in the CLI). */
export class UsageError extends ModelshipError {}

/** One or more problems in model spec or environment files; each problem has file, line and column. */
export class SpecError extends ModelshipError {}

/** A data file that is missing, unreadable, or does not fit the spec. */
export class DataError extends ModelshipError {}

/** An ONNX model that does not load or does not fit the spec. */
export class ModelError extends ModelshipError {}

/** A training command that failed, timed out or could not start. */
export class TrainError extends ModelshipError {}

/** One or more evaluation gates failed. */
export class GateFailedError extends ModelshipError {}

/** A registry write raced with another or found state it cannot reconcile. */
export class RegistryConflictError extends ModelshipError {}

/** A registry lookup that found nothing (unknown model, version, stage or asset). */
export class RegistryNotFoundError extends ModelshipError {}

/** An actor lacks the repository role an action needs (e.g. promoting to a protected stage). */
export class PermissionDeniedError extends ModelshipError {}

/** Publishing a drift report would spend more differential-privacy budget than the model has left. */
export class PrivacyBudgetError extends ModelshipError {}

/** A call to the GitHub API failed; `status` is the HTTP status (0 when no response came). */
export class GitHubApiError extends ModelshipError {
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** True for failures a user can fix from the message alone. */
export function isUserError(error: unknown): error is ModelshipError {
  return error instanceof ModelshipError
}
