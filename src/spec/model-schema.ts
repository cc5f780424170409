/**
 * The model spec, `models/<name>/model.yaml`: the single source of truth for its shape, its
 * defaults and its JSON Schema. Keys are kebab-case here; parsed values are camelCase (keys.ts).
 * Rules that tie sections together or look at files live in model-checks.ts and file-checks.ts.
 */
import * as z from 'zod'
import { FAIRNESS_METRICS, TASKS, metricNames, type Task } from '../metrics/catalog.js'
import {
  apiVersionSchema,
  columnSchema,
  cronSchema,
  durationSchema,
  environmentNameSchema,
  kindSchema,
  modelNameSchema,
  relativePathSchema,
  runtimeVersionSchema,
  stageNameSchema,
} from './fields.js'
import { specObject } from './keys.js'

const describe = <T extends z.ZodType>(schema: T, description: string, examples?: unknown[]): T =>
  schema.meta(examples ? { description, examples } : { description })

function enumOf<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z.enum(values).meta({ description })
}

/** `data`: where the training and test data are and which columns play which role. */
export const DataSpecSchema = specObject({
  train: relativePathSchema(
    'training data file (CSV, Parquet or Arrow IPC), relative to the repository root',
    'data/train.parquet',
  ),
  test: relativePathSchema('held-out test data file, relative to the repository root', 'data/test.parquet'),
  target: describe(columnSchema, 'the column the model predicts', ['churned']),
  features: describe(z.array(columnSchema).min(1), 'model input columns, in the order the model takes them', [['tenure', 'monthly_charges']]),
  'sensitive-features': describe(
    z.array(columnSchema).default([]),
    'columns used for fairness only, kept out of the model inputs; default none',
    [['gender']],
  ),
})

const ARGUMENT_EXAMPLE = '[python, train.py, --out, "${outputs}/model.onnx"]'

/** An argv list; a shell string is refused because a pull request could make it run anything. */
const commandSchema = z
  .array(z.string().min(1), {
    error: (issue) => {
      if (issue.code !== 'invalid_type' || typeof issue.input !== 'string') return undefined
      const words = issue.input.trim().split(/\s+/)
      const example = /["'`$|&;<>(){}\\]/.test(issue.input) || words.length < 2 ? ARGUMENT_EXAMPLE : `[${words.join(', ')}]`
      return `expected a list of arguments, found a shell string; write it as a list, e.g. ${example} (a spec never runs shell strings)`
    },
  })
  .min(1)
  .meta({
    description:
      'the training command as a list of arguments, run without a shell in working-directory',
    examples: [['python', 'train.py', '--out', '${outputs}/model.onnx']],
  })

/** `train.environment`: the runtime the training command needs. */
export const TrainEnvironmentSpecSchema = specObject(
  {
    python: runtimeVersionSchema('python', '3.11').optional(),
    requirements: relativePathSchema(
      'pip requirements file, relative to the working directory',
      'requirements.txt',
    ).optional(),
    node: runtimeVersionSchema('node', '20').optional(),
  },
  (value, ctx) => {
    if (value.python !== undefined && value.node !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['node'], message: 'set either python or node, not both; a training command runs in one runtime' })
    } else if (value.python === undefined && value.node === undefined) {
      ctx.addIssue({ code: 'custom', message: 'names no runtime; add python: "3.11" (with requirements) or node: "20"' })
    }
    if (value.requirements !== undefined && value.python === undefined) {
      ctx.addIssue({ code: 'custom', path: ['requirements'], message: 'requirements is a pip file and needs python; add python: "3.11" or remove requirements' })
    }
  },
).meta({ description: 'runtime for the training command: python (with a pip requirements file) or node' })

const runnerLabel = z.string().min(1)

/** `train.compute`: where and how long training runs. */
export const ComputeSpecSchema = specObject(
  {
    'runs-on': z
      .union([runnerLabel, z.array(runnerLabel).min(1)], {
        error: (issue) =>
          issue.code === 'invalid_union' ? 'expected a runner label or a list of labels, e.g. [self-hosted, linux, gpu]' : undefined,
      })
      .transform((labels) => (typeof labels === 'string' ? [labels] : labels))
      .default(['ubuntu-latest'])
      .meta({ description: "runner label or labels the training job runs on; default 'ubuntu-latest'", examples: [['self-hosted', 'linux', 'gpu']] }),
    accelerator: enumOf(['none', 'nvidia-gpu'], "accelerator the training needs; default 'none'").default('none'),
    gpus: describe(z.number().int().min(0).max(16).optional(), 'GPUs the training needs; default 1 with accelerator nvidia-gpu, else 0'),
    'timeout-minutes': describe(
      z.number().int().min(1).max(7200).default(60),
      'minutes each training attempt may run before it is stopped (and retried while retries are left); default 60. The job gets every attempt plus 30 minutes (GitHub-hosted runners stop jobs at 360)',
    ),
    retries: describe(z.number().int().min(0).max(10).default(0), 'times a failed training is retried; default 0'),
  },
  (value, ctx) => {
    if (value.accelerator === 'none' && value.gpus !== undefined && value.gpus > 0) {
      ctx.addIssue({ code: 'custom', path: ['gpus'], message: `${value.gpus} GPUs need accelerator: nvidia-gpu; set the accelerator or remove gpus` })
    }
    if (value.accelerator === 'nvidia-gpu' && value.gpus === 0) {
      ctx.addIssue({ code: 'custom', path: ['gpus'], message: 'accelerator nvidia-gpu needs at least 1 GPU; set gpus: 1 or accelerator: none' })
    }
  },
).transform(({ gpus, ...rest }) => ({ ...rest, gpus: gpus ?? (rest.accelerator === 'nvidia-gpu' ? 1 : 0) }))

const paramValue = z.union([z.string(), z.number(), z.boolean()], {
  error: (issue) => (issue.code === 'invalid_union' ? 'expected a string, a number or true/false; a param is one value' : undefined),
})

/** `train`: how the model is trained. */
export const TrainSpecSchema = specObject({
  command: commandSchema,
  'working-directory': relativePathSchema(
    "folder the command runs in, relative to the repository root; default the spec's folder",
    'models/churn',
  ).optional(),
  environment: TrainEnvironmentSpecSchema.optional(),
  compute: ComputeSpecSchema.prefault({}).meta({ description: 'runner, accelerator, time limit and retries' }),
  params: describe(
    z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, {
          error: (issue) =>
            issue.code === 'invalid_format'
              ? `'${String(issue.input)}' is not a valid param name; start with a letter or '_' and use letters, digits, '_', '.' and '-'`
              : undefined,
        }),
        paramValue,
      )
      .default({}),
    'hyperparameters passed to the command and recorded with the run',
    [{ C: 1.0 }],
  ),
  cache: describe(z.boolean().default(true), 'reuse a run for the same commit, spec and data instead of training again; default true'),
})

/** A relative change written as a percentage (5 for 5%) is the usual slip. */
function asFraction(issue: { input?: unknown }): string | undefined {
  const value = issue.input
  return typeof value === 'number' ? `expected a fraction between -1 and 1, found the number ${value}; write ${value}% as ${value / 100}` : undefined
}

/** One gate, as MLflow's MetricThreshold: every condition set must hold. */
export const GateSpecSchema = specObject(
  {
    metric: describe(z.string().min(1), 'metric the gate checks; must be listed in evaluate.metrics', ['roc_auc']),
    threshold: describe(z.number().optional(), 'the metric must be at least this (at most, when smaller is better)', [0.8]),
    'min-absolute-change': describe(
      z.number().optional(),
      'least improvement over the champion on the same data; negative allows that much regression',
      [-0.005],
    ),
    'min-relative-change': describe(
      z.number().min(-1, { error: asFraction }).max(1, { error: asFraction }).optional(),
      'least improvement over the champion as a fraction of its value (-1 to 1)',
      [0.01],
    ),
    'greater-is-better': describe(z.boolean().optional(), "override the metric's direction from the catalogue"),
  },
  (value, ctx) => {
    if (value.threshold === undefined && value['min-absolute-change'] === undefined && value['min-relative-change'] === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `the gate on '${value.metric}' sets no condition; add threshold, min-absolute-change or min-relative-change`,
      })
    }
  },
)

const FAIRNESS_NAMES = Object.keys(FAIRNESS_METRICS) as [string, ...string[]]

/** `evaluate.fairness`: Fairlearn group metrics with a bound for differences and one for ratios. */
export const FairnessSpecSchema = specObject({
  metrics: describe(
    z.array(z.enum(FAIRNESS_NAMES)).min(1).default(['demographic_parity_difference', 'equalized_odds_difference']),
    'fairness metrics; default demographic_parity_difference and equalized_odds_difference',
  ),
  max: describe(z.number().min(0).max(1).default(0.1), 'largest allowed *_difference; default 0.1'),
  min: describe(z.number().min(0).max(1).default(0.8), 'smallest allowed *_ratio; default 0.8 (the four-fifths rule)'),
  'sensitive-features': describe(
    z.array(columnSchema).min(1).optional(),
    'columns to group by; default data.sensitive-features',
  ),
})

/** `evaluate.explain`: feature attributions in the report. */
export const ExplainSpecSchema = specObject({
  method: enumOf(['auto', 'exact', 'kernel', 'permutation'], "'auto': exact Shapley values up to 10 features, KernelSHAP above").default('auto'),
  'background-rows': describe(z.number().int().min(1).max(10000).default(100), 'rows sampled as the background distribution; default 100'),
  'explain-rows': describe(z.number().int().min(1).max(1000).default(5), 'test rows explained one by one in the report; default 5'),
})

/** `evaluate`: how a candidate is judged against the champion. */
export const EvaluateSpecSchema = specObject({
  metrics: describe(
    z.array(z.string().min(1)).min(1).optional(),
    "metrics to compute, from the task's catalogue; default all of the task's metrics",
    [['roc_auc', 'accuracy', 'f1', 'log_loss']],
  ),
  gates: describe(z.array(GateSpecSchema).default([]), 'conditions a candidate must meet to pass; default none'),
  fairness: FairnessSpecSchema.optional().meta({ description: 'fairness metrics and bounds (classification only)' }),
  explain: ExplainSpecSchema.prefault({}).meta({ description: 'explanations in the report' }),
})

const ROLES = ['read', 'triage', 'write', 'maintain', 'admin'] as const

/** `register`: how a merged candidate becomes a version. */
export const RegisterSpecSchema = specObject({
  bump: enumOf(['patch', 'minor', 'major'], "part of the version raised for each registration; default 'patch'").default('patch'),
  'protected-stages': describe(
    z.array(stageNameSchema).default(['production']),
    "stages only promote-roles may move; default ['production']",
  ),
  'promote-roles': describe(
    z.array(z.enum(ROLES)).min(1).default(['maintain', 'admin']),
    "repository roles allowed to promote to a protected stage; default ['maintain', 'admin']",
  ),
})

/** `deploy[].canary`: a share of traffic to the new version, watched before promotion. */
export const CanarySpecSchema = specObject({
  traffic: describe(z.number().gt(0).lt(100).default(10), 'percent of requests sent to the new version; default 10'),
  'max-error-rate': describe(z.number().min(0).max(1).default(0.01), 'largest share of failed requests; default 0.01'),
  'max-p99-ms': describe(z.number().gt(0).max(600000).default(500), 'largest 99th-percentile latency in milliseconds; default 500'),
  duration: durationSchema('how long the canary is watched; default 10m', '10m').default('10m'),
})

/** `deploy[].health-check`: readiness probe after loading a version. */
export const HealthCheckSpecSchema = specObject({
  path: describe(z.string().regex(/^\//).default('/v2/health/ready'), "HTTP path probed; default '/v2/health/ready'"),
  'timeout-seconds': describe(z.number().gt(0).max(300).default(5), 'seconds one probe may take; default 5'),
  retries: describe(z.number().int().min(0).max(20).default(3), 'failed probes tolerated before the deploy fails; default 3'),
})

/** One entry of `deploy`: an environment the model goes to, in order. */
export const DeployTargetSpecSchema = specObject({
  environment: environmentNameSchema,
  provider: enumOf(['builtin', 'kubernetes'], "'builtin' (modelship serve) or 'kubernetes' (KServe manifests); default 'builtin'").default('builtin'),
  canary: CanarySpecSchema.optional().meta({ description: 'roll out gradually; without it the new version takes all traffic at once' }),
  requires: environmentNameSchema.optional().meta({ description: 'an earlier environment the version must be live in first' }),
  'health-check': HealthCheckSpecSchema.prefault({}).meta({ description: 'readiness probe' }),
})

const DRIFT_METHODS = ['auto', 'ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'] as const

/** Per-feature drift override. */
export const FeatureDriftSpecSchema = specObject({
  method: enumOf(DRIFT_METHODS, 'drift method for this feature').optional(),
  threshold: describe(z.number().gt(0).optional(), "threshold for this feature; default the method's"),
})

/** `monitor.drift`: how drift is measured. */
export const DriftSpecSchema = specObject({
  method: enumOf(DRIFT_METHODS, "'auto' picks per column by size and type, as Evidently does; default 'auto'").default('auto'),
  threshold: describe(z.number().gt(0).optional(), "drift threshold for every feature; default the method's own (p 0.05, distance 0.1, PSI 0.1)"),
  'drift-share': describe(z.number().gt(0).max(1).default(0.5), 'share of drifted features that makes the dataset drift; default 0.5'),
  features: describe(
    z.record(columnSchema, FeatureDriftSpecSchema).default({}),
    'per-feature method and threshold overrides, by feature name',
  ),
})

const endpointLogsSchema = specObject({
  source: z.literal('endpoint-logs'),
  environment: environmentNameSchema.optional().meta({ description: 'environment whose prediction logs are read; default the last in deploy' }),
  window: durationSchema('how far back the logs are read; default 7d', '7d').default('7d'),
})

const datasetSchema = specObject({
  source: z.literal('dataset'),
  path: relativePathSchema('current data file, relative to the repository root', 'data/current.parquet'),
})

/** `monitor.current`: the data compared with the training data. */
export const CurrentDataSpecSchema = z
  .discriminatedUnion('source', [endpointLogsSchema, datasetSchema], {
    error: (issue) =>
      issue.code === 'invalid_union' && !('options' in issue)
        ? 'expected source: endpoint-logs (with environment, window) or source: dataset (with path)'
        : undefined,
  })
  .meta({ description: "current data: prediction logs of an environment, or a dataset file" })

/** `monitor`: the scheduled drift check. */
export const MonitorSpecSchema = specObject({
  schedule: cronSchema.default('0 6 * * *'),
  current: CurrentDataSpecSchema.prefault({ source: 'endpoint-logs' }),
  drift: DriftSpecSchema.prefault({}).meta({ description: 'drift methods and thresholds' }),
  'on-drift': describe(
    z.array(z.enum(['open-issue', 'retrain'])).default(['open-issue']),
    "what happens when drift is found; default ['open-issue']",
  ),
  privacy: specObject({
    epsilon: describe(z.number().gt(0).max(100), 'privacy budget per published report; smaller is more private', [1.0]),
  })
    .optional()
    .meta({ description: 'differential-privacy noise for published histograms' }),
})

/** The whole model spec. Defaults that depend on other sections are filled in here. */
export const ModelSpecSchema = specObject({
  apiVersion: apiVersionSchema,
  kind: kindSchema('Model'),
  name: modelNameSchema,
  description: describe(z.string().max(500).optional(), 'one line about what the model predicts'),
  task: enumOf(TASKS as [Task, ...Task[]], 'what kind of prediction the model makes'),
  data: DataSpecSchema.meta({ description: 'training and test data and the roles of their columns' }),
  train: TrainSpecSchema.meta({ description: 'how the model is trained' }),
  evaluate: EvaluateSpecSchema.prefault({}).meta({ description: 'metrics, gates, fairness and explanations' }),
  register: RegisterSpecSchema.prefault({}).meta({ description: 'versioning and who may promote' }),
  deploy: describe(z.array(DeployTargetSpecSchema).default([]), 'environments the model is deployed to, in order; default none'),
  monitor: MonitorSpecSchema.optional().meta({ description: 'scheduled drift checks; default none' }),
})
  .transform(({ evaluate, monitor, ...spec }) => {
    const fairness = evaluate.fairness && {
      ...evaluate.fairness,
      sensitiveFeatures: evaluate.fairness.sensitiveFeatures ?? spec.data.sensitiveFeatures,
    }
    const lastEnvironment = spec.deploy.at(-1)?.environment
    const current =
      monitor?.current.source === 'endpoint-logs'
        ? { ...monitor.current, environment: monitor.current.environment ?? lastEnvironment ?? '' }
        : monitor?.current
    return {
      ...spec,
      evaluate: { ...evaluate, metrics: evaluate.metrics ?? metricNames(spec.task), ...(fairness ? { fairness } : {}) },
      ...(monitor && current ? { monitor: { ...monitor, current } } : {}),
    }
  })
  .meta({ title: 'Modelship model spec', description: 'models/<name>/model.yaml: how a model is trained, judged, deployed and watched' })

type ParsedModelSpec = z.output<typeof ModelSpecSchema>

/**
 * A valid model spec, camelCase. `train.workingDirectory` defaults to the spec's folder and
 * `monitor.current.environment` to the last deploy environment; evaluate.metrics to all of the task's.
 */
export type ModelSpec = Omit<ParsedModelSpec, 'train'> & {
  train: Omit<ParsedModelSpec['train'], 'workingDirectory'> & { workingDirectory: string }
}
/** `data` of a model spec. */
export type DataSpec = ModelSpec['data']
/** `train` of a model spec. */
export type TrainSpec = ModelSpec['train']
/** `train.compute` of a model spec. */
export type ComputeSpec = TrainSpec['compute']
/** `evaluate` of a model spec. */
export type EvaluateSpec = ModelSpec['evaluate']
/** One of `evaluate.gates`. */
export type GateSpec = EvaluateSpec['gates'][number]
/** `evaluate.fairness` with sensitive features filled in. */
export type FairnessSpec = NonNullable<EvaluateSpec['fairness']>
/** `evaluate.explain`. */
export type ExplainSpec = EvaluateSpec['explain']
/** `register`. */
export type RegisterSpec = ModelSpec['register']
/** One of `deploy`. */
export type DeployTargetSpec = ModelSpec['deploy'][number]
/** `monitor`. */
export type MonitorSpec = NonNullable<ModelSpec['monitor']>
/** `monitor.drift`. */
export type DriftSpec = MonitorSpec['drift']
