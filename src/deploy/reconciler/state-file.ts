/**
 * What the reconciler keeps on disk between runs, in its state folder: the versions that are live
 * (each with its share and the verified file it loads from) and the rollout under way, if any. It is
 * written atomically before each step that changes what serves, so a process killed at any point
 * restarts from the last live state (the old version serving) and never from a half-done step.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { ModelshipError } from '../../errors.js'
import { writeFileAtomic } from '../../fs/atomic-file.js'

const LiveVersion = z.object({
  version: z.string().min(1),
  /** Percent of the model's traffic (0: loaded as the standby a rollback returns to). */
  share: z.number().min(0).max(100),
  /** The verified model.onnx in the state folder. */
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
})

const Rollout = z.object({
  model: z.string().min(1),
  version: z.string().min(1),
  /** The desired-state commit that asked for it. */
  commit: z.string().min(1),
  phase: z.enum(['downloading', 'loading', 'canary', 'promoting']),
  /** How many times this rollout was started; a process killed during it starts it again, up to a limit. */
  attempt: z.number().int().min(1),
})

const Failure = z.object({
  model: z.string().min(1),
  version: z.string().min(1),
  reason: z.string(),
  /** The desired-state commit it failed under; the same version is not tried again while git still says it. */
  commit: z.string().min(1),
  at: z.string(),
})

/** A change git has not been told of yet (the push failed or the process stopped before it). */
const PendingCommit = z.object({
  model: z.string().min(1),
  /** The model's entries git should say. */
  restore: z.array(z.object({ model: z.string(), version: z.string(), share: z.number() })),
  message: z.string(),
  /** The desired-state commit the decision was made on; a newer one from a person wins over it. */
  basedOn: z.string().min(1),
})

const ReconcilerStateSchema = z.object({
  schema: z.literal('modelship/reconciler-state@1'),
  environment: z.string(),
  live: z.record(z.string(), z.array(LiveVersion)),
  rollout: Rollout.nullable(),
  failures: z.array(Failure),
  pending: z.array(PendingCommit),
})

/** The persisted reconciler state. */
export type ReconcilerState = z.infer<typeof ReconcilerStateSchema>
/** One live version of a model. */
export type LiveVersion = z.infer<typeof LiveVersion>
/** A version that failed its rollout. */
export type RolloutFailure = z.infer<typeof Failure>
/** A desired-state commit still to push. */
export type PendingCommit = z.infer<typeof PendingCommit>

const FILE = 'state.json'

/** A state with nothing live. */
export function emptyState(environment: string): ReconcilerState {
  return { schema: 'modelship/reconciler-state@1', environment, live: {}, rollout: null, failures: [], pending: [] }
}

/**
 * Reads `state.json` from `dir`; a folder without one is a first start (empty state). A file that
 * cannot be read or does not parse is an error naming it, never a silent empty state, because an
 * empty state would serve nothing.
 */
export async function readState(dir: string, environment: string): Promise<ReconcilerState> {
  const path = join(dir, FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return emptyState(environment)
    throw new ModelshipError(`could not read the reconciler state ${path} (${code ?? String(error)}); check its permissions`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new ModelshipError(`the reconciler state ${path} is not JSON (${(error as Error).message}); move it away to start with nothing live`)
  }
  const parsed = ReconcilerStateSchema.safeParse(data)
  if (!parsed.success) {
    const problem = parsed.error.issues[0]!
    throw new ModelshipError(`the reconciler state ${path} is not a modelship reconciler state (${problem.path.join('.') || 'top level'}: ${problem.message}); move it away to start with nothing live`)
  }
  if (parsed.data.environment !== environment) {
    throw new ModelshipError(`the reconciler state ${path} belongs to environment '${parsed.data.environment}', not '${environment}'; give each environment its own --state-dir`)
  }
  return parsed.data
}

/** Writes the state atomically: a reader (or a restart after a kill) sees the old file or the new one. */
export async function writeState(dir: string, state: ReconcilerState): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFileAtomic(join(dir, FILE), JSON.stringify(state, null, 2) + '\n')
}
