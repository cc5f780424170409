/**
 * A sweep as matrix jobs: the plan (one job per trial, on the spec's runners, with what the training
 * job of the pull-request flow gets), and the selection from the trial folders those jobs uploaded.
 * Each job runs one trial with {@link runSweepTrial}; the selection is {@link finishSweep}, the very
 * step that ends a local `modelship sweep`, so both pick the same winner from the same results.
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve } from 'node:path'
import * as z from 'zod/mini'
import { DataError } from '../errors.js'
import { modelMatrix, type ModelMatrixEntry } from '../git/changed-models.js'
import type { ModelSpec } from '../spec/index.js'
import { finishSweep, TRIAL_FILE, unfinishedTrial, type RunSweepOptions } from './run-sweep.js'
import { SweepResultSchema, SweepTrialResultSchema, type SweepResult, type SweepTrialResult } from './sweep-schema.js'
import { expandTrials } from './trials.js'

/** One matrix job: the model's training entry plus the trial it runs. */
export interface SweepMatrixEntry extends ModelMatrixEntry {
  /** The trial's id (`t01` …), what `modelship sweep <model> --trial` takes. */
  trial: string
  candidate: string
  /** The trial's overrides as `NAME=VALUE, …`, for the job's name. */
  params: string
}

/** A `strategy.matrix` value; `parallelism` is train.sweep.parallelism, for `max-parallel`. */
export interface SweepMatrix {
  include: SweepMatrixEntry[]
  parallelism: number
  leftOut: number
}

/** The sweep's trials as a job matrix. */
export function sweepMatrix(spec: ModelSpec, specFile: string): SweepMatrix {
  const sweep = spec.train.sweep
  if (sweep === undefined) throw new DataError(`${specFile} has no train.sweep: there are no trials to plan`)
  const [entry] = modelMatrix([{ name: spec.name, file: specFile, spec }]).include
  const { trials, leftOut } = expandTrials(spec, sweep)
  return {
    include: trials.map((trial) => ({
      ...entry!,
      trial: trial.id,
      candidate: trial.candidate,
      params: Object.entries(trial.overrides).map(([name, value]) => `${name}=${String(value)}`).join(', ') || '(train.params)',
    })),
    parallelism: sweep.parallelism,
    leftOut,
  }
}

const TrialFileSchema = z.extend(SweepTrialResultSchema, { testData: SweepResultSchema.shape.testData })

/**
 * Reads `<from>/<trial>/trial.json` for every trial of the plan and selects as `modelship sweep`
 * does. A trial whose file is absent (its job failed before uploading, or was cancelled) is listed
 * as an error and cannot win; a file that cannot be read or is not a trial's record stops the
 * selection with a DataError naming it, so a broken upload is never read as "no result".
 */
export async function selectFromTrials(options: Pick<RunSweepOptions, 'repoRoot' | 'spec' | 'specFile' | 'log' | 'now'>, from: string): Promise<SweepResult> {
  const { spec, specFile } = options
  const plan = sweepMatrix(spec, specFile)
  const { trials } = expandTrials(spec, spec.train.sweep!)
  const root = resolve(options.repoRoot)
  const dir = resolve(root, from)
  // Messages (and the error rows of sweep.json) name folders as the repository sees them, not the runner's absolute path.
  const shown = (path: string): string => {
    const inside = relative(root, path)
    return inside.startsWith('..') || isAbsolute(inside) ? path : inside
  }
  const results: (SweepTrialResult & { testData: SweepResult['testData'] })[] = []
  for (const trial of trials) {
    const file = join(dir, trial.id, TRIAL_FILE)
    const name = shown(file)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new DataError(`cannot read ${name} (${(error as Error).message})`, { cause: error })
      results.push({
        ...unfinishedTrial(trial),
        error: { stage: 'train', message: `no ${TRIAL_FILE} in ${shown(join(dir, trial.id))}: its job did not finish or upload its results` },
        testData: null,
      })
      continue
    }
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (error) {
      throw new DataError(`${name} is not JSON (${(error as Error).message}); run the trial's job again`, { cause: error })
    }
    const parsed = TrialFileSchema.safeParse(data)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new DataError(`${name} is not a trial's record: ${issue.path.join('.') || '(root)'}: ${issue.message}; run the trial's job again`)
    }
    // The plan decides what a trial is: a record of another plan (an edited spec) must not be ranked.
    if (parsed.data.id !== trial.id || JSON.stringify(parsed.data.overrides) !== JSON.stringify(trial.overrides) || parsed.data.candidate !== trial.candidate) {
      throw new DataError(`${name} records ${parsed.data.id} (${parsed.data.candidate} ${JSON.stringify(parsed.data.overrides)}), not this spec's ${trial.id} (${trial.candidate} ${JSON.stringify(trial.overrides)}): the trials ran from another version of ${specFile}`)
    }
    results.push(parsed.data)
  }
  return finishSweep(options, results, { parallelism: plan.parallelism, leftOut: plan.leftOut, trialsDir: dir, keepInRun: false })
}
