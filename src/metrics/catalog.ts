/**
 * The metrics Modelship knows, by task, and which direction is better. The spec schema, the
 * evaluator and the gates all read this one table, so a metric name means the same thing everywhere.
 */
export type Task = 'binary-classification' | 'multiclass-classification' | 'regression'

/** All tasks, in the order they are documented. */
export const TASKS: readonly Task[] = ['binary-classification', 'multiclass-classification', 'regression']

interface MetricInfo {
  /** True when a larger value is better (MLflow MetricThreshold `greater_is_better`). */
  greaterIsBetter: boolean
  description: string
}

/** Metrics computed for each task; names match scikit-learn's where one exists. */
export const METRICS_BY_TASK: Readonly<Record<Task, Readonly<Record<string, MetricInfo>>>> = {
  'binary-classification': {
    accuracy: { greaterIsBetter: true, description: 'share of correct predictions' },
    precision: { greaterIsBetter: true, description: 'TP / (TP + FP) for the positive class' },
    recall: { greaterIsBetter: true, description: 'TP / (TP + FN) for the positive class' },
    f1: { greaterIsBetter: true, description: 'harmonic mean of precision and recall' },
    roc_auc: { greaterIsBetter: true, description: 'area under the ROC curve (ties counted half)' },
    pr_auc: { greaterIsBetter: true, description: 'average precision (step-wise area under the PR curve)' },
    log_loss: { greaterIsBetter: false, description: 'cross-entropy, probabilities clipped to [eps, 1-eps]' },
    brier: { greaterIsBetter: false, description: 'mean squared error of the positive-class probability' },
  },
  'multiclass-classification': {
    accuracy: { greaterIsBetter: true, description: 'share of correct predictions' },
    f1_macro: { greaterIsBetter: true, description: 'unweighted mean of per-class F1' },
    f1_micro: { greaterIsBetter: true, description: 'F1 over all classes pooled (equals accuracy)' },
    precision_macro: { greaterIsBetter: true, description: 'unweighted mean of per-class precision' },
    recall_macro: { greaterIsBetter: true, description: 'unweighted mean of per-class recall' },
    log_loss: { greaterIsBetter: false, description: 'cross-entropy, probabilities clipped to [eps, 1-eps]' },
  },
  regression: {
    rmse: { greaterIsBetter: false, description: 'root mean squared error' },
    mae: { greaterIsBetter: false, description: 'mean absolute error' },
    r2: { greaterIsBetter: true, description: 'coefficient of determination' },
    mape: { greaterIsBetter: false, description: 'mean absolute percentage error (as a fraction, like scikit-learn)' },
  },
}

/** Fairness metrics (Fairlearn definitions), valid for classification tasks only. */
export const FAIRNESS_METRICS: Readonly<Record<string, MetricInfo>> = {
  demographic_parity_difference: { greaterIsBetter: false, description: 'max - min selection rate over groups' },
  demographic_parity_ratio: { greaterIsBetter: true, description: 'min / max selection rate over groups' },
  equalized_odds_difference: { greaterIsBetter: false, description: 'max of TPR and FPR differences over groups' },
  equalized_odds_ratio: { greaterIsBetter: true, description: 'min of TPR and FPR ratios over groups' },
}

/** Metric names valid for a task. */
export function metricNames(task: Task): string[] {
  return Object.keys(METRICS_BY_TASK[task])
}

/** Whether larger is better for a metric of a task; undefined when the metric is unknown. */
export function greaterIsBetter(task: Task, metric: string): boolean | undefined {
  return METRICS_BY_TASK[task][metric]?.greaterIsBetter ?? FAIRNESS_METRICS[metric]?.greaterIsBetter
}
