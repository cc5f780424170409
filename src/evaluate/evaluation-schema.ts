/**
 * `evaluation.json`: what one evaluation of a candidate (and its champion, on the same data) found:
 * metrics, gate checks, fairness, explanations, training facts and timing. The zod schema below is
 * the one definition; `schemas/evaluation.schema.json` is generated from it. Undefined numbers
 * (NaN, e.g. roc_auc on one-class data) are written as null, since JSON has no NaN.
 */
import { readFile } from 'node:fs/promises'
import * as z from 'zod/mini'
import { described } from '../described.js'
import '../zod-english.js'
import { DataError } from '../errors.js'
import { TASKS, type Task } from '../metrics/catalog.js'

/** The version of the evaluation.json format this release writes and reads. */
export const EVALUATION_SCHEMA_VERSION = 1

/** Default file name of an evaluation. */
export const EVALUATION_FILE = 'evaluation.json'

const value = described(z.nullable(z.number()), 'a number, or null when undefined (NaN) or not computed')

const ConfusionMatrixSchema = described(
  z.object({
    classes: described(z.array(z.string()), 'class labels, in the order of rows and columns'),
    counts: described(z.array(z.array(z.number())), 'rows are true classes, columns predicted classes (weighted counts)'),
  }),
  'confusion matrix of a classifier',
)

const ModelFactsSchema = described(
  z.object({
    path: described(z.string(), 'the ONNX file evaluated, as given'),
    sha256: described(z.string().check(z.regex(/^[0-9a-f]{64}$/)), 'sha256 of the ONNX file'),
    version: described(z.nullable(z.string()), "registered version (e.g. 'churn@v1.2.0') when known, else null"),
    metrics: described(z.record(z.string(), value), 'metric values by name'),
    confusionMatrix: z.nullable(ConfusionMatrixSchema),
    classes: described(z.nullable(z.array(z.string())), 'class labels in probability-column order; null for regression'),
  }),
  'one model as evaluated',
)

const MetricRowSchema = z.object({
  name: z.string(),
  greaterIsBetter: z.boolean(),
  candidate: value,
  champion: value,
  delta: described(value, 'candidate − champion; null without a champion'),
  interval: described(
    z.optional(
      z.nullable(
        z.object({
          low: z.number(),
          high: z.number(),
          replicates: described(z.int(), 'Poisson bootstrap replicates, fewer for more rows'),
          withinNoise: described(z.boolean(), 'the interval spans zero: the delta is within the noise of the test set'),
        }),
      ),
    ),
    '95% paired bootstrap interval on the delta (same rows for both models, seeded); null where a replicate\'s metric is undefined, absent without a champion',
  ),
})

const GateResultSchema = described(
  z.object({
    metric: z.string(),
    check: z.enum(['threshold', 'min-absolute-change', 'min-relative-change']),
    required: described(z.number(), 'the threshold, or the required change'),
    greaterIsBetter: z.boolean(),
    candidate: value,
    champion: value,
    delta: value,
    status: z.enum(['passed', 'failed', 'skipped']),
    passed: described(z.boolean(), 'true unless failed (a skipped check does not block)'),
    reason: z.string(),
  }),
  'one check of one gate (MLflow MetricThreshold semantics)',
)

const GroupRatesSchema = z.object({
  count: described(z.number(), 'rows in the group (unweighted)'),
  weight: described(z.optional(z.number()), 'sum of the rows\' weights (data.sample-weight), = count when unweighted; 0: the group is empty and has no rates'),
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
  feature: described(z.string(), 'the sensitive feature'),
  groups: described(z.array(z.extend(GroupRatesSchema, { group: z.string() })), "the candidate's rates per group"),
  overall: described(GroupRatesSchema, "the candidate's rates over all rows"),
  metrics: described(FairnessMetricsSchema, "the candidate's disparity metrics"),
  champion: described(z.nullable(FairnessMetricsSchema), "the champion's disparity metrics on the same rows; null without a champion"),
})

const FairnessGateSchema = z.object({
  feature: z.string(),
  metric: z.string(),
  value,
  bound: z.nullable(z.enum(['max', 'min'])),
  limit: z.nullable(z.number()),
  status: z.enum(['passed', 'failed', 'skipped']),
  passed: z.boolean(),
  reason: z.string(),
})

const ExplanationsSchema = described(
  z.object({
    method: described(z.enum(['exact', 'kernel', 'tree', 'permutation']), 'exact Shapley values, KernelSHAP, exact interventional TreeSHAP (tree ensembles), or permutation importance'),
    note: described(z.optional(z.string()), "why 'auto' did not use TreeSHAP on a tree-ensemble model, when it did not"),
    features: z.array(z.string()),
    outputs: described(z.array(z.string()), "explained outputs, e.g. ['P(1)'] or ['value']; for permutation the metric"),
    baseValue: described(z.nullable(z.array(value)), 'E[f] over the background per output; null for permutation'),
    global: described(
      z.array(z.object({ feature: z.string(), importance: z.array(value) })),
      'per feature, largest first: mean |SHAP value| per output, or the mean drop of the metric (permutation)',
    ),
    local: described(
      z.array(
        z.object({
          row: described(z.int(), '0-based row of the test data'),
          prediction: z.array(value),
          attributions: described(z.array(z.array(value)), 'φ per feature (in `features` order), per output'),
        }),
      ),
      'attributions of single test rows (Shapley methods only)',
    ),
    backgroundRows: z.int(),
    backgroundIncompleteRows: described(
      z.optional(z.int()),
      'training rows left out of the background because a feature was null or NaN; absent for permutation',
    ),
    explainedRows: described(z.int(), 'rows averaged for the global importance'),
    dependence: described(
      z.optional(
        z
          .array(
            z.object({
              feature: z.string(),
              bins: z
                .array(
                  z.object({
                    low: described(z.nullable(z.number()), "numeric bins: smallest value in the bin; null for categories and the missing-value bin"),
                    high: z.nullable(z.number()),
                    category: z.optional(z.string()),
                    otherCategories: described(z.optional(z.int()), 'the bin of the rarer categories: how many it gathers'),
                    rows: z.int(),
                    meanAttribution: described(z.array(value), 'mean φ of the feature over the bin, per output'),
                  }),
                )
                .check(z.maxLength(12)),
            }),
          )
          .check(z.maxLength(5)),
      ),
      "binned φ against the feature's value for the top features (Shapley methods only)",
    ),
  }),
  'feature attributions of the candidate (evaluate.explain)',
)

const TrainingFactsSchema = described(
  z.object({
    runId: z.string(),
    durationMs: z.number(),
    cacheHit: z.boolean(),
    attempts: z.int(),
    gpus: z.array(
      z.object({
        name: z.string(),
        utilizationMeanPercent: z.nullable(z.number()),
        utilizationPeakPercent: z.nullable(z.number()),
        memoryPeakMiB: z.nullable(z.number()),
      }),
    ),
    commit: z.nullable(z.string()),
    workflowRunUrl: z.nullable(z.string()),
    params: described(z.optional(z.record(z.string(), z.unknown())), 'the params the training command got'),
    data: described(z.optional(z.object({ train: z.string(), test: z.string() })), 'sha256 of the training and test data it was trained with'),
    setupMs: described(z.optional(z.number()), 'building or reusing the environment; absent on a cache hit'),
    trainingMs: described(z.optional(z.number()), 'the training command, retries included'),
    restoredFrom: described(
      z.optional(z.object({ id: z.string(), commit: z.nullable(z.string()), startedAt: z.string() })),
      'on a cache hit: the run that originally trained the model',
    ),
  }),
  'facts of the training run, from its run.json',
)

// Pictures are bounded in the schema too, so a fork's artifact cannot make the comment huge with them.
const gridValues = z.array(z.number()).check(z.maxLength(101))

const ModelCurvesSchema = z.object({
  roc: described(z.nullable(gridValues), 'true positive rate at false positive rates 0 to 1 in equal steps; null with one class in the data'),
  pr: described(z.nullable(gridValues), 'interpolated precision (best at recall ≥ r) at recalls 0 to 1 in equal steps; null without positives'),
})

const CurvesSchema = described(
  z.object({
    points: described(z.int().check(z.minimum(2), z.maximum(101)), 'grid points per curve'),
    candidate: z.nullable(ModelCurvesSchema),
    champion: described(z.nullable(ModelCurvesSchema), 'null without a champion, or where its probabilities are not usable'),
  }),
  'binary classification: ROC and PR curves resampled on a fixed grid, for the report\'s charts',
)

const ResidualSummarySchema = z.object({
  mean: z.number(),
  quantiles: described(z.array(z.number()).check(z.length(7)), 'min, 5%, 25%, median, 75%, 95%, max'),
  counts: described(z.array(z.number()).check(z.maxLength(50)), 'rows per bin; the first and last bins hold the 1% tails too'),
})

const ResidualsSchema = described(
  z.object({
    edges: described(z.array(z.number()).check(z.minLength(2), z.maxLength(51)), "bin edges shared by both models' histograms"),
    candidate: ResidualSummarySchema,
    champion: z.nullable(ResidualSummarySchema),
  }),
  'regression: residuals (true − predicted, unweighted) of both models on the same rows',
)

const EvaluationResultShape = z.object({
  schemaVersion: described(z.literal(EVALUATION_SCHEMA_VERSION), 'format version of this file'),
  model: described(z.string(), 'model name from the spec'),
  task: z.enum(TASKS as [Task, ...Task[]]),
  createdAt: described(z.iso.datetime(), 'when the evaluation finished (UTC)'),
  passed: described(z.boolean(), 'true when no gate check and no fairness check failed'),
  verdict: z.enum(['passed', 'failed']),
  summary: described(
    z.object({
      checks: z.int(),
      passed: z.int(),
      failed: z.int(),
      skipped: z.int(),
    }),
    'counts over gate checks and fairness checks together',
  ),
  data: z.object({
    test: z.object({
      path: described(z.string(), 'repository-relative test data file'),
      sha256: z.string(),
      rows: z.int(),
    }),
    sampleWeight: described(
      z.optional(z.nullable(z.string())),
      'the weight column of the metrics and fairness (data.sample-weight); null or absent when rows are unweighted',
    ),
  }),
  positiveClass: described(
    z.optional(
      z.nullable(
        z.object({
          label: described(z.string(), "the candidate's positive class, as its label reads"),
          rule: described(z.enum(['pos-label', 'second-class']), "'pos-label' when evaluate.pos-label names it, else the second of the model's classes"),
        }),
      ),
    ),
    'binary classification: the class precision, recall, probabilities, fairness and explanations are about; null otherwise',
  ),
  candidate: ModelFactsSchema,
  champion: described(z.nullable(ModelFactsSchema), 'null when the model has no champion (absolute thresholds only)'),
  metrics: described(z.array(MetricRowSchema), 'one row per metric of evaluate.metrics, in spec order'),
  gates: z.array(GateResultSchema),
  fairness: described(
    z.nullable(z.object({ features: z.array(FeatureFairnessSchema), gates: z.array(FairnessGateSchema) })),
    'null when the spec has no evaluate.fairness',
  ),
  explanations: described(z.nullable(ExplanationsSchema), 'null when explanations were turned off'),
  curves: described(z.optional(z.nullable(CurvesSchema)), 'binary classification only; absent in older evaluations'),
  residuals: described(z.optional(z.nullable(ResidualsSchema)), 'regression only; null where a residual is not finite; absent in older evaluations'),
  training: described(z.nullable(TrainingFactsSchema), 'null when no run.json was given'),
  championTraining: described(z.optional(z.nullable(TrainingFactsSchema)), "the champion's training run, when its run.json was given: what changed is read against it"),
  workflowRunUrl: described(z.nullable(z.string()), 'link to the workflow run that evaluated; null outside GitHub Actions'),
  timing: described(
    z.object({
      totalMs: z.number(),
      predictMs: described(z.number(), 'reading the test data and running both models'),
      metricsMs: z.number(),
      fairnessMs: z.number(),
      explainMs: z.number(),
    }),
    'wall-clock milliseconds per phase',
  ),
})

/** The shape of evaluation.json (version 1); its JSON Schema's title is set where it is rendered (json-schema.ts). */
export const EvaluationResultSchema = described(
  EvaluationResultShape,
  'evaluation.json: a candidate model judged against its champion on held-out data',
)

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
