/**
 * Evaluation end to end: the candidate (and the champion, when there is one) run on the spec's test
 * data in one streaming pass; the spec's metrics, the gates against the champion (MLflow
 * MetricThreshold semantics; without a champion only absolute thresholds count), fairness per
 * sensitive feature, explanations of the candidate, and timing. Nothing is written here:
 * `writeEvaluation` writes the result atomically once it is complete.
 */
import { resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Column } from '../data/table.js'
import { DataError, UsageError } from '../errors.js'
import { displayPath } from '../fs/display-path.js'
import { computeFairness, type FeatureFairness } from '../fairness/compute-fairness.js'
import { checkFairnessGates } from '../fairness/fairness-gates.js'
import { greaterIsBetter, type Task } from '../metrics/catalog.js'
import { computeMetrics, type MetricsResult } from '../metrics/compute-metrics.js'
import { encodeLabels } from '../metrics/encode-labels.js'
import { positiveClassIndex, toPositiveIndicator } from '../metrics/positive-class.js'
import { checkGates } from '../metrics/gates.js'
import { loadModel, type OnnxModel } from '../onnx/model.js'
import { DEFAULT_BATCH_ROWS } from '../onnx/predict.js'
import { assertSignature, type ModelSignature } from '../onnx/signature.js'
import { sha256File } from '../fs/sha256.js'
import type { ModelSpec } from '../spec/model-schema.js'
import type { RunRecord } from '../train/run-record.js'
import { resolveModelPath } from './candidate-path.js'
import { EVALUATION_SCHEMA_VERSION, EvaluationResultSchema, type EvaluationResult, type ModelFacts } from './evaluation-schema.js'
import { explainCandidate } from './explain-candidate.js'
import { finiteOrNull, finiteValues } from './json-values.js'
import { pairedBootstrap, type DeltaInterval } from './bootstrap.js'
import { asRole, scoreTestData, type ModelPredictions, type ScoringModel } from './score-test-data.js'
import { trainingFacts } from './training-facts.js'
import { binaryCurves, CURVE_POINTS } from './curves.js'
import { residuals as residualsOf, summarizeResiduals, type ResidualsResult } from './residuals.js'

/** Options of `evaluateModel`. */
export interface EvaluateModelOptions {
  /** Repository root; the spec's data paths are relative to it. */
  repoRoot: string
  /** The model's parsed spec (`loadModelSpec`). */
  spec: ModelSpec
  /** The candidate: a model.onnx, or a run folder holding model.onnx (and run.json). */
  candidatePath: string
  /** The champion's model.onnx (or its folder); none means a first version: absolute thresholds only. */
  championPath?: string
  /** How the champion is named in reports, e.g. 'churn@v1.2.0'; default null. */
  championVersion?: string
  /** The candidate's run.json; default the one beside the candidate, if any. */
  runRecord?: RunRecord
  /** The champion's run.json, so the report can say what changed since its training run; default the one beside it, if any. */
  championRunRecord?: RunRecord
  /** Link to the workflow run doing the evaluation; default null. */
  workflowRunUrl?: string
  /** Rows per batch read and scored; default 65,536. */
  batchRows?: number
  /** Compute explanations (evaluate.explain); default true. */
  explain?: boolean
  /** Folder the model paths in the result are shown relative to; default the current directory. */
  pathsRelativeTo?: string
  /** Progress lines; default none. */
  log?: (line: string) => void
  /** Clock for `createdAt`; default now. */
  now?: () => Date
}

/** Evaluates a candidate against the spec (and its champion); see the module comment. */
export async function evaluateModel(options: EvaluateModelOptions): Promise<EvaluationResult> {
  const started = performance.now()
  const { spec } = options
  const log = options.log ?? (() => {})
  const task = spec.task
  const features = spec.data.features
  const sensitive = spec.evaluate.fairness?.sensitiveFeatures ?? []
  if (spec.evaluate.fairness && task !== 'binary-classification') {
    throw new UsageError(
      `${spec.name}: evaluate.fairness compares selection and error rates of a binary classifier, but task is ${task}. ` +
        'Fix: remove evaluate.fairness from the spec, or evaluate a binary classifier.',
    )
  }
  const posLabel = spec.evaluate.posLabel
  if (posLabel !== undefined && task !== 'binary-classification') {
    throw new UsageError(
      `${spec.name}: evaluate.pos-label names the positive class of a binary classifier, but task is ${task}. Fix: remove evaluate.pos-label from the spec.`,
    )
  }
  const weightColumn = spec.data.sampleWeight
  const candidatePath = await resolveModelPath(options.candidatePath)
  const championPath = options.championPath === undefined ? undefined : await resolveModelPath(options.championPath)
  const runRecord = options.runRecord ?? candidatePath.runRecord
  const championRunRecord = options.championRunRecord ?? championPath?.runRecord
  const models: ScoringModel[] = []
  try {
    models.push(await loadScoringModel('candidate', candidatePath.modelPath, spec))
    if (championPath) models.push(await loadScoringModel('champion', championPath.modelPath, spec))
    const [candidate, champion] = models as [ScoringModel, ScoringModel | undefined]

    const categorical = features.filter((feature) => models.some((m) => takesString(m.signature, feature)))
    const numeric = [
      ...features.filter((feature) => !categorical.includes(feature)),
      ...(task === 'regression' ? [spec.data.target] : []),
      ...(weightColumn === undefined ? [] : [weightColumn]),
    ]
    const testPath = resolve(options.repoRoot, spec.data.test)
    log(`Scoring ${spec.data.test} with the candidate${champion ? ' and the champion' : ''}`)
    const predictStart = performance.now()
    const scored = await scoreTestData(testPath, models, {
      displayName: spec.data.test,
      features,
      target: spec.data.target,
      keep: [...sensitive, ...(weightColumn === undefined ? [] : [weightColumn])],
      numeric,
      categorical,
      batchRows: options.batchRows ?? DEFAULT_BATCH_ROWS,
    })
    const predictMs = performance.now() - predictStart

    const metricsStart = performance.now()
    const target = scored.kept.columns.get(spec.data.target)!
    const names = spec.evaluate.metrics
    const weight = weightColumn === undefined ? undefined : sampleWeights(scored.kept.columns.get(weightColumn)!, weightColumn, spec.data.test)
    const scoring = { posLabel, weight }
    const candidateMetrics = await asRole(candidate, async () => metricsOf(task, target, scored.predictions[0]!, names, scoring))
    const championMetrics = champion ? await asRole(champion, async () => metricsOf(task, target, scored.predictions[1]!, names, scoring)) : undefined
    const gates = checkGates(task, spec.evaluate.gates, candidateMetrics.values, championMetrics?.values).map((gate) => ({
      ...gate,
      candidate: finiteOrNull(gate.candidate),
      champion: finiteOrNull(gate.champion),
      delta: finiteOrNull(gate.delta),
    }))
    let intervals: Record<string, DeltaInterval | null> | undefined
    if (champion && championMetrics) {
      const deltas = Object.fromEntries(names.map((name) => [name, finiteOrNull(candidateMetrics.values[name]! - championMetrics.values[name]!)]))
      intervals = pairedBootstrap({
        rows: scored.kept.rowCount,
        weight,
        names,
        deltas,
        measure: (weights) => ({
          candidate: metricsOf(task, target, scored.predictions[0]!, names, { ...scoring, weight: weights }).values,
          champion: metricsOf(task, target, scored.predictions[1]!, names, { ...scoring, weight: weights }).values,
        }),
      })
    }
    const curves =
      task === 'binary-classification'
        ? {
            points: CURVE_POINTS,
            candidate: curvesOf(target, scored.predictions[0]!, scoring),
            champion: champion ? curvesOf(target, scored.predictions[1]!, scoring) : null,
          }
        : null
    const residuals = task === 'regression' ? residualSummary(target, scored.predictions[0]!, champion ? scored.predictions[1]! : undefined) : null
    const metricsMs = performance.now() - metricsStart

    const fairnessStart = performance.now()
    let fairness: EvaluationResult['fairness'] = null
    if (spec.evaluate.fairness) {
      const sensitiveColumns = new Map(sensitive.map((name) => [name, scored.kept.columns.get(name)!]))
      const candidateFairness = fairnessOf(target, scored.predictions[0]!, sensitiveColumns, scoring)
      const championFairness = champion ? await asRole(champion, async () => fairnessOf(target, scored.predictions[1]!, sensitiveColumns, scoring)) : undefined
      const fairnessGates = checkFairnessGates(candidateFairness, spec.evaluate.fairness)
      fairness = {
        features: candidateFairness.map((feature, index) => ({
          feature: feature.feature,
          groups: feature.groups.map((group) => ({ ...rates(group), group: group.group })),
          overall: rates(feature.overall),
          metrics: finiteMetrics(feature.metrics),
          champion: championFairness ? finiteMetrics(championFairness[index]!.metrics) : null,
        })),
        gates: fairnessGates.map((gate) => ({ ...gate, value: finiteOrNull(gate.value) })),
      }
    }
    const fairnessMs = performance.now() - fairnessStart

    const explainStart = performance.now()
    let explanations: EvaluationResult['explanations'] = null
    if (options.explain !== false) {
      log(`Explaining the candidate (${spec.evaluate.explain.method})`)
      explanations = await explainCandidate({
        spec,
        model: candidate.model,
        signature: candidate.signature,
        head: scored.head,
        trainPath: resolve(options.repoRoot, spec.data.train),
        numeric,
        categorical,
        ...(posLabel === undefined ? {} : { positiveClass: String(posLabel) }),
      })
    }
    const explainMs = performance.now() - explainStart

    const checks = [...gates, ...(fairness?.gates ?? [])]
    const failed = checks.filter((check) => check.status === 'failed').length
    const passed = failed === 0
    const result: EvaluationResult = {
      schemaVersion: EVALUATION_SCHEMA_VERSION,
      model: spec.name,
      task,
      createdAt: (options.now?.() ?? new Date()).toISOString(),
      passed,
      verdict: passed ? 'passed' : 'failed',
      summary: {
        checks: checks.length,
        passed: checks.filter((check) => check.status === 'passed').length,
        failed,
        skipped: checks.filter((check) => check.status === 'skipped').length,
      },
      data: { test: { path: spec.data.test, sha256: await sha256File(testPath), rows: scored.rowCount }, sampleWeight: weightColumn ?? null },
      positiveClass:
        task === 'binary-classification'
          ? {
              label: scored.predictions[0]!.classes![positiveClassIndex(scored.predictions[0]!.classes!, posLabel)]!,
              rule: posLabel === undefined ? 'second-class' : 'pos-label',
            }
          : null,
      candidate: await modelFacts(shownPath(options, options.candidatePath), candidate.model, candidateMetrics, scored.predictions[0]!, null),
      champion:
        champion && championMetrics
          ? await modelFacts(shownPath(options, options.championPath!), champion.model, championMetrics, scored.predictions[1]!, options.championVersion ?? null)
          : null,
      metrics: names.map((name) => {
        const candidateValue = finiteOrNull(candidateMetrics.values[name])
        const championValue = championMetrics ? finiteOrNull(championMetrics.values[name]) : null
        return {
          name,
          greaterIsBetter: greaterIsBetter(task, name) ?? true,
          candidate: candidateValue,
          champion: championValue,
          delta: candidateValue === null || championValue === null ? null : candidateValue - championValue,
          ...(intervals ? { interval: intervals[name] ?? null } : {}),
        }
      }),
      gates,
      fairness,
      explanations,
      ...(curves ? { curves } : {}),
      ...(task === 'regression' ? { residuals } : {}),
      training: runRecord ? trainingFacts(runRecord) : null,
      ...(championRunRecord ? { championTraining: trainingFacts(championRunRecord) } : {}),
      workflowRunUrl: options.workflowRunUrl ?? null,
      timing: { totalMs: performance.now() - started, predictMs, metricsMs, fairnessMs, explainMs },
    }
    // The schema is the contract of evaluation.json: a result that breaks it is a bug, caught here.
    return EvaluationResultSchema.parse(result)
  } finally {
    await Promise.all(models.map((m) => m.model.release()))
  }
}

async function loadScoringModel(role: ScoringModel['role'], path: string, spec: ModelSpec): Promise<ScoringModel> {
  const model = await loadModel(path)
  try {
    const signature = await asRole({ role, model }, async () => assertSignature(model, { task: spec.task, features: spec.data.features }))
    return { role, model, signature }
  } catch (error) {
    await model.release()
    throw error
  }
}

/** A model path as the report shows it: relative to `pathsRelativeTo`, absolute for a run folder in RUNNER_TEMP or /tmp. */
function shownPath(options: EvaluateModelOptions, path: string): string {
  return displayPath(path, options.pathsRelativeTo ?? process.cwd(), options.repoRoot)
}

function takesString(signature: ModelSignature, feature: string): boolean {
  return signature.inputs.kind === 'per-feature' && signature.inputs.inputs.some((input) => input.feature === feature && input.type === 'string')
}

/** How rows are scored: the positive class (binary) and the weight per row, both optional. */
interface Scoring {
  posLabel: string | number | undefined
  weight: Float64Array | undefined
}

function metricsOf(task: Task, target: Column, predictions: ModelPredictions, names: readonly string[], scoring: Scoring): MetricsResult {
  const sampleWeight = scoring.weight === undefined ? {} : { sampleWeight: scoring.weight }
  if (task === 'regression') {
    return computeMetrics(task, { yTrue: (target as Extract<Column, { kind: 'numeric' }>).values, yPred: predictions.values!, ...sampleWeight }, names)
  }
  return computeMetrics(
    task,
    {
      yTrue: target,
      yPred: predictions.labels!,
      proba: predictions.probabilities!,
      classes: predictions.classes!,
      ...(scoring.posLabel === undefined ? {} : { posLabel: scoring.posLabel }),
      ...sampleWeight,
    },
    names,
  )
}

function curvesOf(target: Column, predictions: ModelPredictions, scoring: Scoring) {
  return binaryCurves({
    yTrue: target,
    probabilities: predictions.probabilities!,
    classes: predictions.classes!,
    posLabel: scoring.posLabel,
    weight: scoring.weight,
  })
}

/** Null where a residual is not finite (an infinite target): no summary rather than a wrong one. */
function residualSummary(target: Column, candidate: ModelPredictions, champion: ModelPredictions | undefined): ResidualsResult | null {
  const yTrue = (target as Extract<Column, { kind: 'numeric' }>).values
  try {
    return summarizeResiduals(residualsOf(yTrue, candidate.values!), champion ? residualsOf(yTrue, champion.values!) : undefined)
  } catch (error) {
    if (error instanceof RangeError) return null
    throw error
  }
}

function fairnessOf(target: Column, predictions: ModelPredictions, sensitive: ReadonlyMap<string, Column>, scoring: Scoring): FeatureFairness[] {
  const classes = predictions.classes!
  const positive = positiveClassIndex(classes, scoring.posLabel)
  return computeFairness({
    yTrue: toPositiveIndicator(encodeLabels(target, classes, 'target'), positive),
    yPred: toPositiveIndicator(encodeLabels(predictions.labels!, classes, 'prediction'), positive),
    sensitiveFeatures: sensitive,
    ...(scoring.weight === undefined ? {} : { sampleWeight: scoring.weight }),
  })
}

/**
 * The weight column as scikit-learn's sample_weight: a finite number ≥ 0 on every row. A null or a
 * negative weight is a DataError naming the first such row (scikit-learn refuses negative weights in
 * fairness and would silently count a NaN as a number).
 */
function sampleWeights(column: Column, name: string, file: string): Float64Array {
  // Read as a `numeric` column, so the data layer has already refused text, naming its row.
  const values = (column as Extract<Column, { kind: 'numeric' }>).values
  for (let i = 0; i < values.length; i++) {
    const w = values[i]!
    if (!(Number.isFinite(w) && w >= 0)) {
      const shown = Number.isNaN(w) ? 'is empty or NaN' : `is ${w}`
      throw new DataError(
        `${file}: weight column '${name}' (data.sample-weight) ${shown} at row ${i + 1}; expected a finite number ≥ 0 on every row. ` +
          'Fix: fill or correct the weights (0 leaves a row out of the weighted metrics).',
      )
    }
  }
  return values
}

function rates(group: FeatureFairness['overall']) {
  return {
    count: group.count,
    weight: group.weight,
    selectionRate: finiteOrNull(group.selectionRate),
    truePositiveRate: finiteOrNull(group.truePositiveRate),
    falsePositiveRate: finiteOrNull(group.falsePositiveRate),
    accuracy: finiteOrNull(group.accuracy),
  }
}

function finiteMetrics(metrics: FeatureFairness['metrics']) {
  return {
    demographic_parity_difference: finiteOrNull(metrics.demographic_parity_difference),
    demographic_parity_ratio: finiteOrNull(metrics.demographic_parity_ratio),
    equalized_odds_difference: finiteOrNull(metrics.equalized_odds_difference),
    equalized_odds_ratio: finiteOrNull(metrics.equalized_odds_ratio),
  }
}

async function modelFacts(path: string, model: OnnxModel, metrics: MetricsResult, predictions: ModelPredictions, version: string | null): Promise<ModelFacts> {
  return {
    path,
    sha256: await sha256File(model.path),
    version,
    metrics: finiteValues(metrics.values),
    confusionMatrix: metrics.confusionMatrix ?? null,
    classes: predictions.classes ?? null,
  }
}
