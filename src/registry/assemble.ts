/**
 * Assembling a version's assets from what the earlier steps left: the training run folder
 * (`model.onnx`, `run.json`, as `modelship train` or actions/train wrote it), the evaluation
 * (`evaluation.json`), the spec and the training data it names. Writes the six required assets
 * into a folder for `register`, which adds SHA256SUMS itself:
 *
 * | asset                    | from |
 * | ------------------------ | ---- |
 * | `model.onnx`             | the run folder, byte for byte |
 * | `run.json`               | the run folder, byte for byte |
 * | `evaluation.json`        | the evaluation file, byte for byte |
 * | `spec.yaml`              | the spec file as it is in the repository |
 * | `model-card.md`          | `renderModelCard` over spec, evaluation and run |
 * | `reference-profile.json` | `buildReferenceProfile` over the spec's training data (features and target) |
 *
 * Nothing is assembled from parts that do not belong together: the evaluation must have judged
 * this very model.onnx and passed, the run must be of this model, and the training data must be
 * the bytes the run trained on (else the reference profile would describe other data).
 */
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { readTable } from '../data/read-table.js'
import { DataError, GateFailedError, RegistryConflictError, RegistryNotFoundError } from '../errors.js'
import { readEvaluation, type EvaluationResult } from '../evaluate/evaluation-schema.js'
import { sha256File } from '../fs/sha256.js'
import type { ModelSpec } from '../spec/model-schema.js'
import { RUN_RECORD_FILE, RunRecordSchema, type RunRecord } from '../train/run-record.js'
import { REQUIRED_ASSETS } from './assets.js'
import type { SweepLineage } from './lineage.js'
import { SWEEP_FILE, readSweepResult } from '../sweep/sweep-schema.js'
import { renderModelCard } from './model-card.js'
import { buildReferenceProfile, renderReferenceProfile } from './reference-profile.js'

/** Options of `assembleAssets`. */
export interface AssembleOptions {
  /** Repository root: the spec file and the training data are relative to it. */
  repoRoot: string
  /** The spec file, relative to `repoRoot` (e.g. `models/churn/model.yaml`). */
  specFile: string
  /** The loaded spec of that file. */
  spec: ModelSpec
  /** The training run folder holding model.onnx and run.json. */
  runDir: string
  /** The evaluation.json of this run's model.onnx. */
  evaluationFile: string
  /** Folder to write the assets into; created when missing. */
  outDir: string
  /** How messages show paths (default: as given). */
  showPath?: (path: string) => string
}

/** What `assembleAssets` wrote and read. */
export interface AssembledAssets {
  /** The folder holding the six assets (pass it to `register` as `assetsDir`). */
  dir: string
  /** Asset name → file path, in REQUIRED_ASSETS order. */
  files: Record<string, string>
  evaluation: EvaluationResult
  run: RunRecord
  /** The sweep this run won, when the run folder holds its sweep.json (copied as an asset); its lineage form. */
  sweep?: SweepLineage
}

/** Gathers and checks a version's assets; see the module comment. */
export async function assembleAssets(options: AssembleOptions): Promise<AssembledAssets> {
  const show = options.showPath ?? ((path: string) => path)
  const { spec } = options
  const runDir = resolve(options.runDir)
  const modelPath = join(runDir, 'model.onnx')
  await requireFile(modelPath, () => `the run folder ${show(runDir)} has no model.onnx; pass the folder that modelship train (or actions/train's output-dir) wrote`)
  const run = await readRun(runDir, show)
  if (run.model !== spec.name) {
    throw new RegistryConflictError(
      `${show(join(runDir, RUN_RECORD_FILE))} is a run of model '${run.model}', not of '${spec.name}'; pass the run folder of ${spec.name} (modelship train ${spec.name} writes .modelship/outputs/${spec.name.replace(':', '/')})`,
    )
  }

  const evaluationFile = resolve(options.evaluationFile)
  const evaluation = await readEvaluation(evaluationFile)
  if (evaluation.model !== spec.name) {
    throw new RegistryConflictError(
      `${show(evaluationFile)} is an evaluation of model '${evaluation.model}', not of '${spec.name}'; pass the evaluation.json of ${spec.name}`,
    )
  }
  const modelSha = await sha256File(modelPath)
  // run.json holds the sha256 model.onnx had when training checked it: a model changed since (by a
  // process the training left behind, or by hand) is not the one that was checked.
  const checked = run.outputs.find((output) => output.path === 'model.onnx')
  if (checked !== undefined && checked.sha256 !== modelSha) {
    throw new RegistryConflictError(
      `${show(modelPath)} is not the model.onnx run ${run.id} checked (sha256 ${modelSha.slice(0, 12)}… now, ${checked.sha256.slice(0, 12)}… in run.json): it changed after training; train again (modelship train ${spec.name}) and register that run`,
    )
  }
  if (evaluation.candidate.sha256 !== modelSha) {
    throw new RegistryConflictError(
      `${show(evaluationFile)} judged another model (sha256 ${evaluation.candidate.sha256.slice(0, 12)}…, ${evaluation.candidate.path}) than ${show(modelPath)} (sha256 ${modelSha.slice(0, 12)}…); evaluate this run's model.onnx, then register: modelship evaluate ${spec.name} --candidate ${show(runDir)} --out ${show(evaluationFile)}`,
    )
  }
  if (!evaluation.passed) {
    const failed = [
      ...evaluation.gates.filter((g) => g.status === 'failed').map((g) => `${g.check} on ${g.metric}`),
      ...(evaluation.fairness?.gates ?? []).filter((g) => g.status === 'failed').map((g) => `fairness ${g.metric} on ${g.feature}`),
    ]
    throw new GateFailedError(
      `the evaluation of ${spec.name} in ${show(evaluationFile)} did not pass (${evaluation.summary.failed} of ${evaluation.summary.checks} checks failed: ${failed.join(', ') || 'see the report'}); only a model that passed its evaluation is registered: improve the model, train and evaluate again`,
    )
  }

  const repoRoot = resolve(options.repoRoot)
  const trainPath = resolve(repoRoot, spec.data.train)
  const trainShown = relative(repoRoot, trainPath).split(sep).join('/')
  await requireFile(trainPath, () => `the training data ${spec.data.train} (data.train of ${options.specFile}) is not a file under ${show(repoRoot)}; the reference profile is built from it: check out the data (git lfs pull) or fix data.train`)
  const trainSha = await sha256File(trainPath)
  if (trainSha !== run.data.train.sha256) {
    throw new RegistryConflictError(
      `the training data ${trainShown} is not what run ${run.id} trained on (sha256 ${trainSha.slice(0, 12)}… now, ${run.data.train.sha256.slice(0, 12)}… in run.json); the reference profile must describe the data the model learned from: train again on the current data, or check out the commit the run trained at`,
    )
  }
  const columns = [...new Set([...spec.data.features, spec.data.target])]
  const table = await readTable(trainPath, { columns, displayName: trainShown })
  const profile = buildReferenceProfile(table, { features: columns })

  const dir = resolve(options.outDir)
  await mkdir(dir, { recursive: true })
  const files: Record<string, string> = Object.fromEntries(REQUIRED_ASSETS.map((name) => [name, join(dir, name)]))
  await copyFile(modelPath, files['model.onnx']!)
  await copyFile(join(runDir, RUN_RECORD_FILE), files['run.json']!)
  await copyFile(evaluationFile, files['evaluation.json']!)
  await copyFile(resolve(repoRoot, options.specFile), files['spec.yaml']!)
  await writeFile(files['model-card.md']!, renderModelCard({ spec, evaluation, run }))
  await writeFile(files['reference-profile.json']!, renderReferenceProfile(profile))
  const sweep = await readWonSweep(runDir, run, show)
  if (sweep !== undefined) {
    files[SWEEP_FILE] = join(dir, SWEEP_FILE)
    await copyFile(join(runDir, SWEEP_FILE), files[SWEEP_FILE])
  }
  return { dir, files, evaluation, run, ...(sweep !== undefined ? { sweep } : {}) }
}

/**
 * The sweep beside run.json, when this run is the one it selected; a sweep.json naming another
 * winner is refused, since the lineage would credit the wrong trial.
 */
async function readWonSweep(runDir: string, run: RunRecord, show: (path: string) => string): Promise<SweepLineage | undefined> {
  const path = join(runDir, SWEEP_FILE)
  const present = await stat(path).then((info) => info.isFile(), () => false)
  if (!present) return undefined
  const sweep = await readSweepResult(path)
  const winner = sweep.trials.find((trial) => trial.id === sweep.selected)
  if (winner === undefined || winner.runId !== run.id) {
    throw new RegistryConflictError(
      `${show(path)} selected ${winner ? `run ${winner.runId}` : 'no trial'}, not run ${run.id} beside it; run modelship sweep ${sweep.model} again, or remove ${SWEEP_FILE} to register this run alone`,
    )
  }
  return {
    metric: sweep.metric,
    selected: winner.id,
    reason: sweep.reason,
    trials: sweep.trials.map((trial) => ({
      id: trial.id,
      candidate: trial.candidate,
      params: trial.overrides,
      status: trial.status,
      metrics: trial.metrics,
      ...(trial.error ? { error: `${trial.error.stage}: ${trial.error.message.split('\n')[0]}` } : {}),
    })),
  }
}

async function requireFile(path: string, message: () => string): Promise<void> {
  const isFile = await stat(path).then((info) => info.isFile(), () => false)
  if (!isFile) throw new RegistryNotFoundError(message())
}

async function readRun(runDir: string, show: (path: string) => string): Promise<RunRecord> {
  const path = join(runDir, RUN_RECORD_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    throw new RegistryNotFoundError(`the run folder ${show(runDir)} has no ${RUN_RECORD_FILE}; pass the folder that modelship train (or actions/train's output-dir) wrote, which holds model.onnx and ${RUN_RECORD_FILE}`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new DataError(`${show(path)} is not valid JSON (${(error as Error).message}); train again to write it anew`)
  }
  const parsed = RunRecordSchema.safeParse(data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new DataError(
      `${show(path)} is not a run record this release reads (${issue.path.join('.') || 'top level'}: ${issue.message}); train again with this release of Modelship to write it anew`,
    )
  }
  return parsed.data
}
