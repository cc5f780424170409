/**
 * sweep.json: every trial of a sweep (params, where it came from, test metrics, checks, or the
 * error that stopped it), which trial was selected and why. Written by `modelship sweep` next to
 * the trials and into the winner's outputs, so `registry register` carries it into the lineage.
 */
import { readFile } from 'node:fs/promises'
import * as z from 'zod/mini'
import { DataError } from '../errors.js'

/** The file name, in `.modelship/sweeps/<model>/` and in the winner's outputs. */
export const SWEEP_FILE = 'sweep.json'

/** Version of the sweep.json layout. */
export const SWEEP_SCHEMA_VERSION = 1

const value = z.nullable(z.number())
const paramValue = z.union([z.string(), z.number(), z.boolean()])

const CheckSchema = z.object({
  /** `roc_auc threshold`, or `demographic_parity_difference[gender]` for a fairness bound. */
  name: z.string(),
  status: z.enum(['passed', 'failed', 'skipped']),
  value,
  reason: z.string(),
})

/** One trial as it ended. */
export const SweepTrialResultSchema = z.object({
  id: z.string(),
  candidate: z.string(),
  command: z.array(z.string()),
  overrides: z.record(z.string(), paramValue),
  params: z.record(z.string(), z.unknown()),
  /** Trained with train.mitigation's weights. */
  mitigated: z.boolean(),
  /** passed: every gate and fairness bound held; failed: one did not; error: training or evaluation failed. */
  status: z.enum(['passed', 'failed', 'error']),
  runId: z.nullable(z.string()),
  cacheHit: z.boolean(),
  /** Test-set metrics by name (the evaluate step's values); empty for an error. */
  metrics: z.record(z.string(), value),
  gates: z.array(CheckSchema),
  fairness: z.array(CheckSchema),
  /** Where an error happened and its message. */
  error: z.nullable(z.object({ stage: z.enum(['train', 'evaluate']), message: z.string() })),
})

/** The whole sweep. */
export const SweepResultSchema = z.object({
  schemaVersion: z.literal(SWEEP_SCHEMA_VERSION),
  model: z.string(),
  createdAt: z.string(),
  strategy: z.enum(['grid', 'random']),
  seed: z.int(),
  metric: z.string(),
  greaterIsBetter: z.boolean(),
  parallelism: z.int(),
  /** sha256 of the test data every trial was evaluated on. */
  testData: z.nullable(z.object({ path: z.string(), sha256: z.string() })),
  trials: z.array(SweepTrialResultSchema),
  /** Grid combinations the budget left out. */
  leftOut: z.int(),
  selected: z.nullable(z.string()),
  reason: z.string(),
})

export type SweepTrialResult = z.infer<typeof SweepTrialResultSchema>
export type SweepResult = z.infer<typeof SweepResultSchema>

/** Reads and checks a sweep.json; a DataError names the file and what is wrong. */
export async function readSweepResult(path: string): Promise<SweepResult> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new DataError(`cannot read the sweep ${path} (${(error as Error).message})`, { cause: error })
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new DataError(`${path} is not JSON (${(error as Error).message}); run modelship sweep again to rewrite it`, { cause: error })
  }
  const parsed = SweepResultSchema.safeParse(data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new DataError(`${path} is not a sweep.json of version ${SWEEP_SCHEMA_VERSION}: ${issue.path.join('.') || '(root)'}: ${issue.message}; run modelship sweep again to rewrite it`)
  }
  return parsed.data
}
