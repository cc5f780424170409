/**
 * `evaluation.json`: what one evaluation of a candidate (and its champion, on the same data) found:
 * metrics, gate checks, fairness, explanations, training facts and timing. The zod schema below is
 * the one definition; `schemas/evaluation.schema.json` is generated from it. Undefined numbers
 * (NaN, e.g. roc_auc on one-class data) are written as null, since JSON has no NaN.
 */
import { readFile } from 'node:fs/promises'
import * as z from 'zod'
import { DataError } from '../errors.js'
import { TASKS, type Task } from '../metrics/catalog.js'

/** The version of the evaluation.json format this release writes and reads. */
export const EVALUATION_SCHEMA_VERSION = 1

/** Default file name of an evaluation. */
export const EVALUATION_FILE = 'evaluation.json'

const value = z.number().nullable().meta({ description: 'a number, or null when undefined (NaN) or not computed' })

const ConfusionMatrixSchema = z
  .object({
    classes: z.array(z.string()).meta({ description: 'class labels, in the order of rows and columns' }),
    counts: z.array(z.array(z.number())).meta({ description: 'rows are true classes, columns predicted classes (weighted counts)' }),
  })
  .meta({ description: 'confusion matrix of a classifier' })

const ModelFactsSchema = z
  .object({
    path: z.string().meta({ description: 'the ONNX file evaluated, as given' }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).meta({ description: 'sha256 of the ONNX file' }),
    version: z.string().nullable().meta({ description: "registered version (e.g. 'churn@v1.2.0') when known, else null" }),
    metrics: z.record(z.string(), value).meta({ description: 'metric values by name' }),
    confusionMatrix: ConfusionMatrixSchema.nullable(),
    classes: z.array(z.string()).nullable().meta({ description: 'class labels in probability-column order; null for regression' }),
  })
  .meta({ description: 'one model as evaluated' })

const MetricRowSchema = z.object({
  name: z.string(),
  greaterIsBetter: z.boolean(),
  candidate: value,
  champion: value,
  delta: value.meta({ description: 'candidate − champion; null without a champion' }),
})

const GateResultSchema = z
  .object({
    metric: z.string(),
    check: z.enum(['threshold', 'min-absolute-change', 'min-relative-change']),
    required: z.number().meta({ description: 'the threshold, or the required change' }),
    greaterIsBetter: z.boolean(),
    candidate: value,
    champion: value,
    delta: value,
    status: z.enum(['passed', 'failed', 'skipped']),
    passed: z.boolean().meta({ description: 'true unless failed (a skipped check does not block)' }),
    reason: z.string(),
  })
  .meta({ description: 'one check of one gate (MLflow MetricThreshold semantics)' })

const GroupRatesSchema = z.object({
  count: z.number().meta({ description: 'rows in the group (unweighted)' }),
  selectionRate: value,
  truePositiveRate: value,
  falsePositiveRate: value,
  accuracy: value,
})

const FairnessMetricsSchema = z.object({
  demographic_parity_difference: value,
  demographic_parity_ratio: value,
  equalized_odds_difference: value,
  equalized_odds_ratio: value,
})

const FeatureFairnessSchema = z.object({
  feature: z.string().meta({ description: 'the sensitive feature' }),
  groups: z.array(GroupRatesSchema.extend({ group: z.string() })).meta({ description: "the candidate's rates per group" }),
  overall: GroupRatesSchema.meta({ description: "the candidate's rates over all rows" }),
  metrics: FairnessMetricsSchema.meta({ description: "the candidate's disparity metrics" }),
  champion: FairnessMetricsSchema.nullable().meta({ description: "the champion's disparity metrics on the same rows; null without a champion" }),
})

const FairnessGateSchema = z.object({
  feature: z.string(),
  metric: z.string(),
  value,
  bound: z.enum(['max', 'min']).nullable(),
  limit: z.number().nullable(),
  status: z.enum(['passed', 'failed', 'skipped']),
  passed: z.boolean(),
  reason: z.string(),
})

const ExplanationsSchema = z
  .object({
    method: z.enum(['exact', 'kernel', 'permutation']),
    features: z.array(z.string()),
    outputs: z.array(z.string()).meta({ description: "explained outputs, e.g. ['P(1)'] or ['value']; for permutation the metric" }),
    baseValue: z.array(z.number()).nullable().meta({ description: 'E[f] over the background per output; null for permutation' }),
    global: z
      .array(z.object({ feature: z.string(), importance: z.array(value) }))
      .meta({ description: 'per feature, largest first: mean |SHAP value| per output, or the mean drop of the metric (permutation)' }),
    local: z
      .array(
        z.object({
          row: z.number().int().meta({ description: '0-based row of the test data' }),
          prediction: z.array(z.number()),
          attributions: z.array(z.array(z.number())).meta({ description: 'φ per feature (in `features` order), per output' }),
        }),
      )
      .meta({ description: 'attributions of single test rows (Shapley methods only)' }),
    backgroundRows: z.number().int(),
    explainedRows: z.number().int().meta({ description: 'rows averaged for the global importance' }),
  })
  .meta({ description: "feature attributions of the candidate (evaluate.explain)" })

const TrainingFactsSchema = z
  .object({
    runId: z.string(),
    durationMs: z.number(),
    cacheHit: z.boolean(),
    attempts: z.number().int(),
    gpus: z.array(
      z.object({
        name: z.string(),
        utilizationMeanPercent: z.number().nullable(),
        utilizationPeakPercent: z.number().nullable(),
        memoryPeakMiB: z.number().nullable(),
      }),
    ),
    commit: z.string().nullable(),
    workflowRunUrl: z.string().nullable(),
  })
  .meta({ description: 'facts of the training run, from its run.json' })

/** The shape of evaluation.json (version 1). */
export const EvaluationResultSchema = z
  .object({
    schemaVersion: z.literal(EVALUATION_SCHEMA_VERSION).meta({ description: 'format version of this file' }),
    model: z.string().meta({ description: 'model name from the spec' }),
    task: z.enum(TASKS as [Task, ...Task[]]),
    createdAt: z.iso.datetime().meta({ description: 'when the evaluation finished (UTC)' }),
    passed: z.boolean().meta({ description: 'true when no gate check and no fairness check failed' }),
    verdict: z.enum(['passed', 'failed']),
    summary: z
      .object({
        checks: z.number().int(),
        passed: z.number().int(),
        failed: z.number().int(),
        skipped: z.number().int(),
      })
      .meta({ description: 'counts over gate checks and fairness checks together' }),
    data: z.object({
      test: z.object({
        path: z.string().meta({ description: 'repository-relative test data file' }),
        sha256: z.string(),
        rows: z.number().int(),
      }),
    }),
    candidate: ModelFactsSchema,
    champion: ModelFactsSchema.nullable().meta({ description: 'null when the model has no champion (absolute thresholds only)' }),
    metrics: z.array(MetricRowSchema).meta({ description: 'one row per metric of evaluate.metrics, in spec order' }),
    gates: z.array(GateResultSchema),
    fairness: z
      .object({ features: z.array(FeatureFairnessSchema), gates: z.array(FairnessGateSchema) })
      .nullable()
      .meta({ description: 'null when the spec has no evaluate.fairness' }),
    explanations: ExplanationsSchema.nullable().meta({ description: 'null when explanations were turned off' }),
    training: TrainingFactsSchema.nullable().meta({ description: 'null when no run.json was given' }),
    workflowRunUrl: z.string().nullable().meta({ description: 'link to the workflow run that evaluated; null outside GitHub Actions' }),
    timing: z
      .object({
        totalMs: z.number(),
        predictMs: z.number().meta({ description: 'reading the test data and running both models' }),
        metricsMs: z.number(),
        fairnessMs: z.number(),
        explainMs: z.number(),
      })
      .meta({ description: 'wall-clock milliseconds per phase' }),
  })
  .meta({ title: 'Modelship evaluation', description: 'evaluation.json: a candidate model judged against its champion on held-out data' })

/** A parsed evaluation.json. */
export type EvaluationResult = z.infer<typeof EvaluationResultSchema>
/** One metric row of an evaluation. */
export type MetricRow = EvaluationResult['metrics'][number]
/** Facts of one evaluated model. */
export type ModelFacts = EvaluationResult['candidate']
/** Explanations of an evaluation. */
export type Explanations = NonNullable<EvaluationResult['explanations']>
/** Training facts of an evaluation. */
export type TrainingFacts = NonNullable<EvaluationResult['training']>
/** Fairness of an evaluation. */
export type EvaluationFairness = NonNullable<EvaluationResult['fairness']>

/** Reads and checks an evaluation.json; a DataError names the file, what is wrong and the fix. */
export async function readEvaluation(path: string): Promise<EvaluationResult> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DataError(
      code === 'ENOENT'
        ? `${path}: file not found. Fix: pass the evaluation.json that modelship evaluate (or actions/evaluate) wrote.`
        : `${path}: cannot read the file (${code ?? String(error)}). Fix: check its permissions.`,
      { cause: error },
    )
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new DataError(`${path}: not valid JSON (${(error as Error).message}). Fix: re-run modelship evaluate to write it again.`, { cause: error })
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion
  if (version !== EVALUATION_SCHEMA_VERSION) {
    throw new DataError(
      `${path}: schemaVersion ${JSON.stringify(version)} is not an evaluation this release reads (expected ${EVALUATION_SCHEMA_VERSION}). ` +
        'Fix: evaluate again with this release of Modelship.',
    )
  }
  const parsed = EvaluationResultSchema.safeParse(data)
  if (!parsed.success) {
    const first = parsed.error.issues[0]!
    throw new DataError(
      `${path}: not a valid evaluation (${first.path.join('.') || 'top level'}: ${first.message}; ${parsed.error.issues.length} problem(s)). ` +
        'Fix: re-run modelship evaluate to write it again; do not edit the file by hand.',
    )
  }
  return parsed.data
}
