/**
 * Which models a change touches, and the job matrix that trains them. A model depends on its spec
 * file and folder, its data files (data.train, data.test), its training code (train.working-directory,
 * default the spec's folder) and its environment (train.environment.requirements, relative to the
 * working directory). A changed path equal to one of those, or inside one of those folders, marks the
 * model changed. A deleted model has no spec left, so it is never in the matrix.
 */
import { posix } from 'node:path'
import { changedFilesSince } from './changed-files.js'

/** What the matrix needs from a validated model (structurally a ValidatedModel from src/spec). */
export interface MatrixModel {
  name: string
  /** Spec file relative to the repository root. */
  file: string
  spec?: {
    data: { train: string; test: string }
    train: {
      workingDirectory?: string
      environment?: { python?: string; requirements?: string }
      compute: { runsOn: string[]; accelerator: string; timeoutMinutes: number; retries: number }
    }
  }
}

/** One job of the training matrix; keys are what a workflow reads as `matrix.<key>`. */
export interface ModelMatrixEntry {
  model: string
  spec: string
  'runs-on': string[]
  accelerator: string
  /** Limit for the whole training job, in minutes: see {@link jobTimeoutMinutes}. */
  'timeout-minutes': number
  /** `train.environment.python` for actions/setup-python; '' when the spec names no Python. */
  python: string
  /** The pip requirements file, relative to the repository root (setup-python's cache key); '' when none. */
  'python-requirements': string
}

/** A `strategy.matrix` value: `${{ fromJSON(needs.validate.outputs.models) }}`. */
export interface ModelMatrix {
  include: ModelMatrixEntry[]
}

function normalize(path: string): string {
  const clean = posix.normalize(path.replace(/\\/g, '/')).replace(/\/+$/, '')
  return clean === '.' ? '' : clean.replace(/^\.\//, '')
}

/** The paths (files or folders, relative to the repository root) whose change affects the model. */
export function modelDependencies(model: MatrixModel): string[] {
  const folder = posix.dirname(normalize(model.file))
  const paths = [model.file, folder]
  if (model.spec) {
    const workingDirectory = model.spec.train.workingDirectory ?? folder
    paths.push(model.spec.data.train, model.spec.data.test, workingDirectory)
    const requirements = model.spec.train.environment?.requirements
    if (requirements) paths.push(posix.join(workingDirectory, requirements))
  }
  return [...new Set(paths.map(normalize))].sort()
}

/** True when a changed path is one of the model's dependencies or lies inside one of them. */
export function isModelChanged(model: MatrixModel, changedPaths: readonly string[]): boolean {
  const dependencies = modelDependencies(model)
  // A dependency of '' would be the repository root itself: everything would count, so skip it.
  return changedPaths.some((changed) => {
    const path = normalize(changed)
    return dependencies.some((dep) => dep !== '' && (path === dep || path.startsWith(`${dep}/`)))
  })
}

/**
 * Minutes the job around training gets on top of the attempts themselves: checkout, building the
 * virtualenv (a CUDA wheel alone can take minutes), cache restore and save, the retry waits and kill
 * grace periods, and the artifact upload.
 */
export const JOB_TIMEOUT_MARGIN_MINUTES = 30

/**
 * The job's `timeout-minutes` for a model. The spec's `timeout-minutes` limits each attempt and a
 * timed-out or killed attempt is retried, so a job limited to one attempt's time would be killed by
 * the runner before the retries it exists for: every attempt plus {@link JOB_TIMEOUT_MARGIN_MINUTES}.
 */
export function jobTimeoutMinutes(compute: { timeoutMinutes: number; retries: number }): number {
  return compute.timeoutMinutes * (compute.retries + 1) + JOB_TIMEOUT_MARGIN_MINUTES
}

/** The matrix for these models, in name order; models without a valid spec are left out. */
export function modelMatrix(models: readonly MatrixModel[]): ModelMatrix {
  const include = models
    .filter((model): model is MatrixModel & { spec: NonNullable<MatrixModel['spec']> } => model.spec !== undefined)
    .map((model) => ({
      model: model.name,
      spec: model.file,
      'runs-on': model.spec.train.compute.runsOn,
      accelerator: model.spec.train.compute.accelerator,
      'timeout-minutes': jobTimeoutMinutes(model.spec.train.compute),
      python: model.spec.train.environment?.python ?? '',
      'python-requirements':
        model.spec.train.environment?.requirements === undefined
          ? ''
          : posix.join(model.spec.train.workingDirectory ?? posix.dirname(normalize(model.file)), model.spec.train.environment.requirements),
    }))
    .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0))
  return { include }
}

/** The models (of those given, found under `root`) changed since `ref`; see changedFilesSince for what counts. */
export async function changedModels<M extends MatrixModel>(root: string, models: readonly M[], ref: string): Promise<M[]> {
  const { files } = await changedFilesSince(root, ref)
  return models.filter((model) => isModelChanged(model, files))
}
