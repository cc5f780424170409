/**
 * The model spec, `models/<name>/model.yaml`: the single source of truth for its shape, its
 * defaults and its JSON Schema. Keys are kebab-case here; parsed values are camelCase (keys.ts).
 * Rules that tie sections together or look at files live in model-checks.ts and file-checks.ts.
 */
import * as z from 'zod/mini'
import { described } from '../described.js'
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

function enumOf<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return described(z.enum(values), description)
}

/** `data`: where the training and test data are and which columns play which role. */
export const DataSpecSchema = specObject({
  train: relativePathSchema(
    'training data file (CSV, Parquet or Arrow IPC), relative to the repository root',
    'data/train.parquet',
  ),
  test: relativePathSchema('held-out test data file, relative to the repository root', 'data/test.parquet'),
  target: described(columnSchema, 'the column the model predicts', ['churned']),
  features: described(z.array(columnSchema).check(z.minLength(1)), 'model input columns, in the order the model takes them', [['tenure', 'monthly_charges']]),
  'sensitive-features': described(
    z._default(z.array(columnSchema), []),
    'columns used for fairness only, kept out of the model inputs; default none',
    [['gender']],
  ),
  'sample-weight': described(
    z.optional(columnSchema),
    "column of per-row weights for the metrics and fairness (scikit-learn's and Fairlearn's sample_weight); default none (every row 1)",
    ['weight'],
  ),
})

const ARGUMENT_EXAMPLE = '[python, train.py, --out, "${outputs}/model.onnx"]'

/** An argv list; a shell string is refused because a pull request could make it run anything. */
const commandSchema = described(
  z
    .array(z.string().check(z.minLength(1)), {
      error: (issue) => {
        if (issue.code !== 'invalid_type' || typeof issue.input !== 'string') return undefined
        const words = issue.input.trim().split(/\s+/)
        const example = /["'`$|&;<>(){}\\]/.test(issue.input) || words.length < 2 ? ARGUMENT_EXAMPLE : `[${words.join(', ')}]`
        return `expected a list of arguments, found a shell string; write it as a list, e.g. ${example} (a spec never runs shell strings)`
      },
    })
    .check(z.minLength(1)),
  'the training command as a list of arguments, run without a shell in working-directory',
  [['python', 'train.py', '--out', '${outputs}/model.onnx']],
)

/** `train.environment`: the runtime the training command needs. */
export const TrainEnvironmentSpecSchema = described(
  specObject(
  {
    python: z.optional(runtimeVersionSchema('python', '3.11')),
    requirements: z.optional(relativePathSchema('pip requirements file, relative to the working directory', 'requirements.txt')),
    node: z.optional(runtimeVersionSchema('node', '20')),
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
  ),
  'runtime for the training command: python (with a pip requirements file) or node',
)

const runnerLabel = z.string().check(z.minLength(1))

/** `train.compute`: where and how long training runs. */
export const ComputeSpecSchema = z.pipe(
  specObject(
  {
    'runs-on': described(
      z._default(
        z.pipe(
          z.union([runnerLabel, z.array(runnerLabel).check(z.minLength(1))], {
            error: (issue) =>
              issue.code === 'invalid_union' ? 'expected a runner label or a list of labels, e.g. [self-hosted, linux, gpu]' : undefined,
          }),
          z.transform((labels: string | string[]) => (typeof labels === 'string' ? [labels] : labels)),
        ),
        ['ubuntu-latest'],
      ),
      "runner label or labels the training job runs on; default 'ubuntu-latest'",
      [['self-hosted', 'linux', 'gpu']],
    ),
    accelerator: z._default(enumOf(['none', 'nvidia-gpu'], "accelerator the training needs; default 'none'"), 'none'),
    gpus: described(z.optional(z.number().check(z.int(), z.gte(0), z.lte(16))), 'GPUs the training needs; default 1 with accelerator nvidia-gpu, else 0'),
    'timeout-minutes': described(
      z._default(z.number().check(z.int(), z.gte(1), z.lte(7200)), 60),
      'minutes each training attempt may run before it is stopped (and retried while retries are left); default 60. The job gets every attempt plus 30 minutes (GitHub-hosted runners stop jobs at 360)',
    ),
    retries: described(z._default(z.number().check(z.int(), z.gte(0), z.lte(10)), 0), 'times a failed training is retried; default 0'),
  },
  (value, ctx) => {
    if (value.accelerator === 'none' && value.gpus !== undefined && value.gpus > 0) {
      ctx.addIssue({ code: 'custom', path: ['gpus'], message: `${value.gpus} GPUs need accelerator: nvidia-gpu; set the accelerator or remove gpus` })
    }
    if (value.accelerator === 'nvidia-gpu' && value.gpus === 0) {
      ctx.addIssue({ code: 'custom', path: ['gpus'], message: 'accelerator nvidia-gpu needs at least 1 GPU; set gpus: 1 or accelerator: none' })
    }
  },
  ),
  z.transform(({ gpus, ...rest }) => ({ ...rest, gpus: gpus ?? (rest.accelerator === 'nvidia-gpu' ? 1 : 0) })),
)

const paramValue = z.union([z.string(), z.number(), z.boolean()], {
  error: (issue) => (issue.code === 'invalid_union' ? 'expected a string, a number or true/false; a param is one value' : undefined),
})

const sweepParamName = z.string().check(
  z.regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, {
    error: (issue) =>
      issue.code === 'invalid_format'
        ? `'${String(issue.input)}' is not a valid param name; start with a letter or '_' and use letters, digits, '_', '.' and '-'`
        : undefined,
  }),
)

/** A range a random search samples from; `log-uniform` for scales such as learning rates. Its bounds are checked in model-checks.ts (a union would hide why). */
export const SweepRangeSpecSchema = specObject(
  {
    min: described(z.number(), 'smallest value sampled', [0.001]),
    max: described(z.number(), 'largest value sampled', [1]),
    distribution: z._default(
      enumOf(['uniform', 'log-uniform', 'int-uniform'], "'uniform' (default), 'log-uniform' (min > 0) or 'int-uniform' (whole numbers, both ends included)"),
      'uniform',
    ),
  },
)

/** One searched param: a list of values (grid or random) or a range (random only). */
const sweepParamSchema = z.union([z.array(paramValue).check(z.minLength(1)), SweepRangeSpecSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' ? 'expected a list of values, e.g. [0.1, 1, 10], or a range {min, max, distribution}' : undefined,
})

/** `train.sweep.candidates[]`: a whole alternative training command (another algorithm). */
export const SweepCandidateSpecSchema = specObject({
  name: described(
    z.string().check(z.regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'expected a lower-case name of letters, digits and -, e.g. gradient-boosting' })),
    'candidate name shown in the leaderboard',
    ['gradient-boosting'],
  ),
  command: commandSchema,
  params: described(z._default(z.record(sweepParamName, paramValue), {}), "params of this candidate, over train.params; default train.params as they are"),
  mitigation: described(
    z._default(z.boolean(), true),
    'false trains this candidate without train.mitigation, so the report sets fairness with and without mitigation side by side; default true',
  ),
})

/** `train.sweep`: trials a sweep trains and evaluates, and how the best is picked. */
export const SweepSpecSchema = specObject({
  strategy: z._default(enumOf(['grid', 'random'], "'grid' (default): every combination of the values; 'random': budget samples, seeded"), 'grid'),
  params: described(
    z._default(z.record(sweepParamName, sweepParamSchema), {}),
    'searched params: each a list of values or (random only) a range; each must be in train.params',
    [{ C: [0.1, 1, 10] }],
  ),
  candidates: described(
    z._default(z.array(SweepCandidateSpecSchema), []),
    'alternative commands tried beside train.command, each with its own params; the searched params apply to each',
  ),
  budget: described(z._default(z.number().check(z.int(), z.gte(1), z.lte(1000)), 20), 'most trials; a larger grid runs its first trials in order; default 20'),
  parallelism: described(z._default(z.number().check(z.int(), z.gte(1), z.lte(64)), 1), 'trials trained at once (locally; on GitHub the matrix limit); default 1'),
  seed: described(z._default(z.number().check(z.int(), z.gte(0)), 0), 'seed of the random search; default 0'),
  metric: described(z.string().check(z.minLength(1)), 'the metric the best trial is picked by; must be in evaluate.metrics', ['roc_auc']),
})

/** `train`: how the model is trained. */
export const TrainSpecSchema = specObject({
  command: commandSchema,
  'working-directory': z.optional(
    relativePathSchema("folder the command runs in, relative to the repository root; default the spec's folder", 'models/churn'),
  ),
  environment: z.optional(TrainEnvironmentSpecSchema),
  compute: described(z.prefault(ComputeSpecSchema, {}), 'runner, accelerator, time limit and retries'),
  params: described(
    z._default(
      z.record(
        z.string().check(
          z.regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, {
            error: (issue) =>
              issue.code === 'invalid_format'
                ? `'${String(issue.input)}' is not a valid param name; start with a letter or '_' and use letters, digits, '_', '.' and '-'`
                : undefined,
          }),
        ),
        paramValue,
      ),
      {},
    ),
    'hyperparameters passed to the command and recorded with the run',
    [{ C: 1.0 }],
  ),
  cache: described(z._default(z.boolean(), true), 'reuse a run for the same commit, spec and data instead of training again; default true'),
  mitigation: described(
    z.optional(
      specObject({
        method: enumOf(['reweighing'], "'reweighing': Kamiran & Calders weights P(A)·P(Y)/P(A,Y) per row, in the file MODELSHIP_SAMPLE_WEIGHTS names"),
        'sensitive-features': described(
          z.array(columnSchema).check(z.minLength(1)),
          'groups the weights balance; each must be in data.sensitive-features',
          [['gender']],
        ),
      }),
    ),
    'bias mitigation before training: sample weights that make the label independent of the groups',
  ),  sweep: described(z.optional(SweepSpecSchema), 'a search over params and alternative commands; modelship sweep runs it and picks the best passing trial'),
})

/** A relative change written as a percentage (5 for 5%) is the usual slip. */
function asFraction(issue: { input?: unknown }): string | undefined {
  const value = issue.input
  return typeof value === 'number' ? `expected a fraction between -1 and 1, found the number ${value}; write ${value}% as ${value / 100}` : undefined
}

/** One gate, as MLflow's MetricThreshold: every condition set must hold. */
export const GateSpecSchema = specObject(
  {
    metric: described(z.string().check(z.minLength(1)), 'metric the gate checks; must be listed in evaluate.metrics', ['roc_auc']),
    threshold: described(z.optional(z.number()), 'the metric must be at least this (at most, when smaller is better)', [0.8]),
    'min-absolute-change': described(
      z.optional(z.number()),
      'least improvement over the champion on the same data; negative allows that much regression',
      [-0.005],
    ),
    'min-relative-change': described(
      z.optional(z.number().check(z.gte(-1, { error: asFraction }), z.lte(1, { error: asFraction }))),
      'least improvement over the champion as a fraction of its value (-1 to 1)',
      [0.01],
    ),
    'greater-is-better': described(z.optional(z.boolean()), "override the metric's direction from the catalogue"),
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
  metrics: described(
    z._default(z.array(z.enum(FAIRNESS_NAMES)).check(z.minLength(1)), ['demographic_parity_difference', 'equalized_odds_difference']),
    'fairness metrics; default demographic_parity_difference and equalized_odds_difference',
  ),
  max: described(z._default(z.number().check(z.gte(0), z.lte(1)), 0.1), 'largest allowed *_difference; default 0.1'),
  min: described(z._default(z.number().check(z.gte(0), z.lte(1)), 0.8), 'smallest allowed *_ratio; default 0.8 (the four-fifths rule)'),
  'sensitive-features': described(
    z.optional(z.array(columnSchema).check(z.minLength(1))),
    'columns to group by; default data.sensitive-features',
  ),
})

/** `evaluate.explain`: feature attributions in the report. */
export const ExplainSpecSchema = specObject({
  method: z._default(
    enumOf(['auto', 'exact', 'kernel', 'tree', 'permutation'], "'auto': exact TreeSHAP for tree ensembles, else exact Shapley values up to 10 features, KernelSHAP above"),
    'auto',
  ),
  'background-rows': described(z._default(z.number().check(z.int(), z.gte(1), z.lte(10000)), 100), 'rows sampled as the background distribution; default 100'),
  'explain-rows': described(z._default(z.number().check(z.int(), z.gte(1), z.lte(1000)), 5), 'test rows explained one by one in the report; default 5'),
})

/** `evaluate`: how a candidate is judged against the champion. */
export const EvaluateSpecSchema = specObject({
  metrics: described(
    z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
    "metrics to compute, from the task's catalogue; default all of the task's metrics",
    [['roc_auc', 'accuracy', 'f1', 'log_loss']],
  ),
  gates: described(z._default(z.array(GateSpecSchema), []), 'conditions a candidate must meet to pass; default none'),
  fairness: described(z.optional(FairnessSpecSchema), 'fairness metrics and bounds (classification only)'),
  explain: described(z.prefault(ExplainSpecSchema, {}), 'explanations in the report'),
  'pos-label': described(
    z.optional(z.union([z.string().check(z.minLength(1)), z.number()])),
    "binary classification: the positive class for metrics, fairness and explanations; default the second of the model's sorted classes",
    ['churned'],
  ),
  'on-fail': z._default(
    enumOf(['fail', 'sweep'], "'fail' (default): a failed gate fails the step; 'sweep': it also says a sweep is due (train.sweep), once per commit"),
    'fail',
  ),
})

const ROLES = ['read', 'triage', 'write', 'maintain', 'admin'] as const

/** `register`: how a merged candidate becomes a version. */
export const RegisterSpecSchema = specObject({
  bump: z._default(enumOf(['patch', 'minor', 'major'], "part of the version raised for each registration; default 'patch'"), 'patch'),
  'protected-stages': described(
    z._default(z.array(stageNameSchema), ['production']),
    "stages only promote-roles may move; default ['production']",
  ),
  'promote-roles': described(
    z._default(z.array(z.enum(ROLES)).check(z.minLength(1)), ['maintain', 'admin']),
    "repository roles allowed to promote to a protected stage; default ['maintain', 'admin']",
  ),
})

/** `deploy[].canary`: a share of traffic to the new version, watched before promotion. */
export const CanarySpecSchema = specObject({
  traffic: described(z._default(z.number().check(z.gt(0), z.lt(100)), 10), 'percent of requests sent to the new version; default 10'),
  'max-error-rate': described(z._default(z.number().check(z.gte(0), z.lte(1)), 0.01), 'largest share of failed requests; default 0.01'),
  'max-p99-ms': described(z._default(z.number().check(z.gt(0), z.lte(600000)), 500), 'largest 99th-percentile latency in milliseconds; default 500'),
  duration: z._default(durationSchema('how long the canary is watched; default 10m', '10m'), '10m'),
})

/** `deploy[].health-check`: readiness probe after loading a version. */
export const HealthCheckSpecSchema = specObject({
  path: described(z._default(z.string().check(z.regex(/^\//)), '/v2/health/ready'), "HTTP path probed; default '/v2/health/ready'"),
  'timeout-seconds': described(z._default(z.number().check(z.gt(0), z.lte(300)), 5), 'seconds one probe may take; default 5'),
  retries: described(z._default(z.number().check(z.int(), z.gte(0), z.lte(20)), 3), 'failed probes tolerated before the deploy fails; default 3'),
  'period-seconds': described(z._default(z.number().check(z.gt(0), z.lte(3600)), 10), 'seconds between probes of a canary during its window (a failed one reverts it); default 10'),
})

/** A pattern's message that names the bad value (cut to 60 characters). */
function mismatch(expected: string) {
  return (issue: { code?: string; input?: unknown }) =>
    issue.code === 'invalid_format' && typeof issue.input === 'string'
      ? `'${issue.input.length > 60 ? `${issue.input.slice(0, 57)}...` : issue.input}' is not ${expected}`
      : undefined
}

// Kubernetes quantities, as the KServe CRD's resources pattern accepts them, but only the forms a
// person writes (no exponents, no signs): CPU cores ('2', '0.5', '500m') and bytes ('2Gi', '512M').
const cpuQuantitySchema = described(
  z.string().check(z.regex(/^(\d+(\.\d+)?|\d+m)$/, { error: mismatch("a CPU quantity; expected cores as Kubernetes writes them, e.g. '1', '0.5' or '500m'") })),
  "CPU cores each replica requests and is limited to, e.g. '1' or '500m'; default KServe's",
)
const memoryQuantitySchema = described(
  z.string().check(z.regex(/^\d+(\.\d+)?([KMGTPE]i?)?$/, { error: mismatch("a memory quantity; expected bytes as Kubernetes writes them, e.g. '2Gi' or '512Mi'") })),
  "memory each replica requests and is limited to, e.g. '2Gi'; default KServe's",
)

/** `deploy[].kubernetes`: how the kubernetes provider sizes the KServe InferenceService it renders. */
export const KubernetesSpecSchema = specObject(
  {
    namespace: described(
      z.optional(z.string().check(z.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: mismatch('a Kubernetes namespace; expected lowercase letters, digits and -, e.g. models') }), z.maxLength(63))),
      "namespace of the InferenceService; default none (the one Argo CD or Flux applies it to)",
    ),
    'min-replicas': described(z._default(z.number().check(z.int(), z.gte(0), z.lte(1000)), 1), 'fewest replicas the autoscaler keeps (0 scales to zero); default 1'),
    'max-replicas': described(z.optional(z.number().check(z.int(), z.gte(1), z.lte(1000))), 'most replicas the autoscaler starts; default min-replicas (at least 1)'),
    cpu: z.optional(cpuQuantitySchema),
    memory: z.optional(memoryQuantitySchema),
    gpus: described(z._default(z.number().check(z.int(), z.gte(0), z.lte(16)), 0), 'NVIDIA GPUs each replica is limited to (nvidia.com/gpu); default 0'),
  },
  (value, ctx) => {
    if (value['max-replicas'] !== undefined && value['max-replicas'] < value['min-replicas']) {
      ctx.addIssue({ code: 'custom', path: ['max-replicas'], message: `max-replicas ${value['max-replicas']} is below min-replicas ${value['min-replicas']}; raise max-replicas or lower min-replicas` })
    }
  },
)

/** One entry of `deploy`: an environment the model goes to, in order. */
export const DeployTargetSpecSchema = specObject({
  environment: environmentNameSchema,
  provider: z._default(
    enumOf(['builtin', 'kubernetes'], "'builtin' (modelship serve) or 'kubernetes' (KServe manifests); default 'builtin'"),
    'builtin',
  ),
  canary: described(z.optional(CanarySpecSchema), 'roll out gradually; without it the new version takes all traffic at once'),
  requires: described(z.optional(environmentNameSchema), 'an earlier environment the version must be live in first'),
  'health-check': described(z.prefault(HealthCheckSpecSchema, {}), 'readiness probe'),
  kubernetes: described(z.optional(KubernetesSpecSchema), 'replicas and resources of the KServe InferenceService (provider: kubernetes); default 1 replica, no GPU'),
})

const DRIFT_METHODS = ['auto', 'ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'] as const

/** Per-feature drift override. */
export const FeatureDriftSpecSchema = specObject({
  method: z.optional(enumOf(DRIFT_METHODS, 'drift method for this feature')),
  threshold: described(z.optional(z.number().check(z.gt(0))), "threshold for this feature; default the method's"),
})

/** `monitor.drift`: how drift is measured. */
export const DriftSpecSchema = specObject({
  method: z._default(enumOf(DRIFT_METHODS, "'auto' picks per column by size and type, as Evidently does; default 'auto'"), 'auto'),
  threshold: described(z.optional(z.number().check(z.gt(0))), "drift threshold for every feature; default the method's own (p 0.05, distance 0.1, PSI 0.1)"),
  'drift-share': described(z._default(z.number().check(z.gt(0), z.lte(1)), 0.5), 'share of drifted features that makes the dataset drift; default 0.5'),
  features: described(
    z._default(z.record(columnSchema, FeatureDriftSpecSchema), {}),
    'per-feature method and threshold overrides, by feature name',
  ),
})

const endpointLogsSchema = specObject({
  source: z.literal('endpoint-logs'),
  environment: described(z.optional(environmentNameSchema), 'environment whose prediction logs are read; default the last in deploy'),
  window: z._default(durationSchema('how far back the logs are read; default 7d', '7d'), '7d'),
})

const datasetSchema = specObject({
  source: z.literal('dataset'),
  path: relativePathSchema('current data file, relative to the repository root', 'data/current.parquet'),
})

/** `monitor.current`: the data compared with the training data. */
export const CurrentDataSpecSchema = described(
  z.discriminatedUnion('source', [endpointLogsSchema, datasetSchema], {
    error: (issue) =>
      issue.code === 'invalid_union' && !('options' in issue)
        ? 'expected source: endpoint-logs (with environment, window) or source: dataset (with path)'
        : undefined,
  }),
  'current data: prediction logs of an environment, or a dataset file',
)

/** `monitor`: the scheduled drift check. */
export const MonitorSpecSchema = specObject({
  schedule: z._default(cronSchema, '0 6 * * *'),
  current: z.prefault(CurrentDataSpecSchema, { source: 'endpoint-logs' }),
  drift: described(z.prefault(DriftSpecSchema, {}), 'drift methods and thresholds'),
  'on-drift': described(
    z._default(z.array(z.enum(['open-issue', 'retrain'])), ['open-issue']),
    "what happens when drift is found; default ['open-issue']",
  ),
  'retrain-cooldown': z._default(durationSchema('least time between two retraining dispatches of this model; default 7d', '7d'), '7d'),
  'retrain-workflow': described(
    z._default(z.string().check(z.regex(/^[A-Za-z0-9._-]+\.ya?ml$/, { error: 'expected a workflow file name in .github/workflows, e.g. modelship-dispatch.yml' })), 'modelship-dispatch.yml'),
    "workflow file (in .github/workflows) that on-drift: retrain dispatches with inputs operation 'retrain', model and reason; default modelship-dispatch.yml (train, evaluate, register; never deploys)",
  ),
  privacy: described(
    z.optional(
      specObject({
        epsilon: described(z.number().check(z.gt(0), z.lte(100)), 'privacy budget per published report; smaller is more private', [1.0]),
        budget: described(
          z._default(z.number().check(z.gt(0), z.lte(10000)), 10),
          'total epsilon the published reports of this model may spend across all checks; publishing stops (the check fails closed) past it; default 10',
          [30],
        ),
      }),
    ),
    'differential-privacy noise for published histograms',
  ),
})

/** The whole model spec. Defaults that depend on other sections are filled in here. */
export const ModelSpecSchema = described(
  z.pipe(
  specObject({
  apiVersion: apiVersionSchema,
  kind: kindSchema('Model'),
  name: modelNameSchema,
  description: described(z.optional(z.string().check(z.maxLength(500))), 'one line about what the model predicts'),
  task: enumOf(TASKS as [Task, ...Task[]], 'what kind of prediction the model makes'),
  data: described(DataSpecSchema, 'training and test data and the roles of their columns'),
  train: described(TrainSpecSchema, 'how the model is trained'),
  evaluate: described(z.prefault(EvaluateSpecSchema, {}), 'metrics, gates, fairness and explanations'),
  register: described(z.prefault(RegisterSpecSchema, {}), 'versioning and who may promote'),
  deploy: described(z._default(z.array(DeployTargetSpecSchema), []), 'environments the model is deployed to, in order; default none'),
  monitor: described(z.optional(MonitorSpecSchema), 'scheduled drift checks; default none'),
}),
  z.transform(({ evaluate, monitor, ...spec }) => {
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
  }),
  ),
  'models/<name>/model.yaml: how a model is trained, judged, deployed and watched',
)

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
/** `train.sweep`, parsed. */
export type SweepSpec = NonNullable<TrainSpec['sweep']>
