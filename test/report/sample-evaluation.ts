/** A fixed evaluation (numbers from the churn fixtures) so report tests can assert exact text. */
import type { EvaluationResult } from '../../src/evaluate/index.js'

/** The churn candidate against its champion; `patch` overrides top-level fields. */
export function sampleEvaluation(patch: Partial<EvaluationResult> = {}): EvaluationResult {
  return {
    schemaVersion: 1,
    model: 'churn',
    task: 'binary-classification',
    createdAt: '2026-01-26T18:15:12.345Z',
    passed: false,
    verdict: 'failed',
    summary: { checks: 4, passed: 3, failed: 1, skipped: 0 },
    data: { test: { path: 'data/churn/test.csv', sha256: 'a'.repeat(64), rows: 1400 } },
    candidate: {
      path: 'runs/churn/model.onnx',
      sha256: 'b'.repeat(64),
      version: null,
      metrics: { roc_auc: 0.8267437145174372, accuracy: 0.765, log_loss: 0.4745636051158678 },
      confusionMatrix: { classes: ['0', '1'], counts: [[250, 24], [70, 56]] },
      classes: ['0', '1'],
    },
    champion: {
      path: 'champion/model.onnx',
      sha256: 'c'.repeat(64),
      version: 'churn@v1.2.0',
      metrics: { roc_auc: 0.835129185494149, accuracy: 0.7775, log_loss: 0.45356139531982637 },
      confusionMatrix: { classes: ['0', '1'], counts: [[242, 32], [57, 69]] },
      classes: ['0', '1'],
    },
    metrics: [
      { name: 'roc_auc', greaterIsBetter: true, candidate: 0.8267437145174372, champion: 0.835129185494149, delta: -0.008385471 },
      { name: 'accuracy', greaterIsBetter: true, candidate: 0.765, champion: 0.7775, delta: -0.0125 },
      { name: 'log_loss', greaterIsBetter: false, candidate: 0.4745636051158678, champion: 0.45356139531982637, delta: 0.0210022 },
    ],
    gates: [
      {
        metric: 'roc_auc',
        check: 'threshold',
        required: 0.8,
        greaterIsBetter: true,
        candidate: 0.8267437145174372,
        champion: 0.835129185494149,
        delta: -0.008385471,
        status: 'passed',
        passed: true,
        reason: 'roc_auc 0.8267 ≥ threshold 0.8 (greater is better)',
      },
      {
        metric: 'roc_auc',
        check: 'min-absolute-change',
        required: -0.005,
        greaterIsBetter: true,
        candidate: 0.8267437145174372,
        champion: 0.835129185494149,
        delta: -0.008385471,
        status: 'failed',
        passed: false,
        reason: 'roc_auc 0.8267 vs champion 0.8351: improvement -0.0084 < required -0.005 (greater is better)',
      },
    ],
    fairness: {
      features: [
        {
          feature: 'gender',
          groups: [
            { group: 'female', count: 700, selectionRate: 0.175, truePositiveRate: 0.3333333, falsePositiveRate: 0.0970149, accuracy: 0.715 },
            { group: 'male | other\nline', count: 700, selectionRate: 0.225, truePositiveRate: 0.5666667, falsePositiveRate: 0.0785714, accuracy: 0.815 },
          ],
          overall: { count: 1400, selectionRate: 0.2, truePositiveRate: 0.4444444, falsePositiveRate: 0.0875912, accuracy: 0.765 },
          metrics: { demographic_parity_difference: 0.05, demographic_parity_ratio: 0.7777778, equalized_odds_difference: 0.2333333, equalized_odds_ratio: 0.5882353 },
          champion: { demographic_parity_difference: 0.065, demographic_parity_ratio: 0.7719298, equalized_odds_difference: 0.2272727, equalized_odds_ratio: 0.6590909 },
        },
      ],
      gates: [
        { feature: 'gender', metric: 'demographic_parity_difference', value: 0.05, bound: 'max', limit: 0.25, status: 'passed', passed: true, reason: "demographic_parity_difference for 'gender' = 0.05 ≤ max 0.25" },
        { feature: 'gender', metric: 'equalized_odds_difference', value: 0.2333333, bound: 'max', limit: 0.25, status: 'passed', passed: true, reason: "equalized_odds_difference for 'gender' = 0.2333 ≤ max 0.25" },
      ],
    },
    explanations: {
      method: 'exact',
      features: ['tenure', 'monthly_charges', 'contract', 'support_calls'],
      outputs: ['P(1)'],
      baseValue: [0.3026],
      global: [
        { feature: 'contract', importance: [0.1104] },
        { feature: 'tenure', importance: [0.0845] },
        { feature: 'support_calls', importance: [0.0542] },
        { feature: 'monthly_charges', importance: [0.0436] },
      ],
      local: [{ row: 0, prediction: [0.6346], attributions: [[0.0756], [-0.0576], [0.091], [0.2229]] }],
      backgroundRows: 100,
      explainedRows: 50,
    },
    training: {
      runId: '20260126T181012Z-3fa9c1',
      durationMs: 123_400,
      cacheHit: false,
      attempts: 2,
      gpus: [{ name: 'NVIDIA H100 80GB HBM3', utilizationMeanPercent: 71.6, utilizationPeakPercent: 98, memoryPeakMiB: 20480 }],
      commit: '0123456789abcdef0123456789abcdef01234567',
      workflowRunUrl: 'https://github.com/acme/models/actions/runs/7',
    },
    workflowRunUrl: 'https://github.com/acme/models/actions/runs/8',
    timing: { totalMs: 1234, predictMs: 400, metricsMs: 10, fairnessMs: 5, explainMs: 800 },
    ...patch,
  }
}
