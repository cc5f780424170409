/**
 * Failure classes of the deploy module. Each is a ModelshipError, so the CLI and the actions print its
 * message (never a stack trace) and fail.
 */
import { ModelshipError } from '../errors.js'

/** A deploy, rollback or retire that cannot be planned from what was asked (unknown version, bad share, `requires` unmet). */
export class DeployRefusedError extends ModelshipError {}

/** The desired-state change could not be pushed: races kept winning, or git refused it for a reason we cannot fix. */
export class DeployPushError extends ModelshipError {}

/** Another deploy holds the environment's lock. */
export class DeployLockedError extends ModelshipError {}
