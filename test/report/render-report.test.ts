import assert from 'node:assert/strict'
import { test } from 'node:test'
import { COMMENT_LIMIT, deltaCell, fitComment, renderReport, reportMarker } from '../../src/report/index.js'
import { formatNumber, formatPlain, formatSigned } from '../../src/report/format.js'
import { sampleEvaluation } from './sample-evaluation.js'

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`${heading}\n`)
  assert.ok(start >= 0, `no section ${heading}`)
  const next = markdown.indexOf('\n### ', start + heading.length)
  return markdown.slice(start, next < 0 ? undefined : next)
}

test('the report starts with the hidden marker and the verdict with its check counts', () => {
  const markdown = renderReport(sampleEvaluation())
  const lines = markdown.split('\n')
  assert.equal(lines[0], '<!-- modelship:report model=churn -->')
  assert.equal(lines[2], '## ❌ Modelship: churn failed — 1 of 4 checks failed; worse than the champion: roc_auc, accuracy, log_loss (3 of 3 metrics)')
  assert.equal(lines[4], 'Candidate runs/churn/model.onnx against the champion churn@v1.2.0, on data/churn/test.csv (1,400 rows).')
  assert.equal(reportMarker('dir:churn'), '<!-- modelship:report model=dir:churn -->')

  const passed = renderReport(sampleEvaluation({ passed: true, verdict: 'passed', champion: null, summary: { checks: 4, passed: 3, failed: 0, skipped: 1 } }))
  assert.equal(passed.split('\n')[2], '## ✅ Modelship: churn passed — 3 of 4 checks passed (1 skipped: no champion)')
  assert.ok(passed.includes('with no champion to compare with (first version: absolute thresholds only)'))

  // A pass names the metrics that got worse, and only those (a delta that rounds to 0 is no change).
  const mixed = sampleEvaluation({ passed: true, verdict: 'passed', summary: { checks: 5, passed: 5, failed: 0, skipped: 0 } })
  mixed.metrics[1]!.delta = 0.01
  mixed.metrics[2]!.delta = 0.00001
  assert.equal(renderReport(mixed).split('\n')[2], '## ✅ Modelship: churn passed — 5 of 5 checks passed; worse than the champion: roc_auc (1 of 3 metrics)')
  mixed.metrics[0]!.delta = 0.02
  assert.equal(renderReport(mixed).split('\n')[2], '## ✅ Modelship: churn passed — 5 of 5 checks passed')
})

test('metrics table: champion, candidate and a delta judged by the metric direction', () => {
  assert.equal(
    section(renderReport(sampleEvaluation()), '### Metrics'),
    [
      '### Metrics',
      '',
      '| metric | champion | candidate | delta |',
      '| --- | ---: | ---: | --- |',
      '| roc_auc (higher is better) | 0.8351 | 0.8267 | ↓ -0.0084 worse |',
      '| accuracy (higher is better) | 0.7775 | 0.765 | ↓ -0.0125 worse |',
      '| log_loss (lower is better) | 0.4536 | 0.4746 | ↑ +0.021 worse |',
      '',
    ].join('\n'),
  )
  assert.equal(deltaCell(-0.02, false), '↓ -0.02 better')
  assert.equal(deltaCell(0.013, true), '↑ +0.013 better')
  assert.equal(deltaCell(0.00001, true), '= 0')
  assert.equal(deltaCell(null, true), '—')
})

test('gates, fairness by group (cells escaped), and training facts', () => {
  const markdown = renderReport(sampleEvaluation())
  assert.ok(
    markdown.includes(
      '| ❌ failed | roc_auc | min-absolute-change | -0.005 | roc_auc 0.8267 vs champion 0.8351: improvement -0.0084 &lt; required -0.005 (greater is better) |\n',
    ),
  )
  const fairness = section(markdown, '### Fairness')
  assert.ok(fairness.includes('| female | 700 | 17.5% | 33.3% | 9.7% | 71.5% |\n'))
  // A pipe and a line break in a group name stay inside their cell.
  assert.ok(fairness.includes('| male \\| other<br>line | 700 | 22.5% | 56.7% | 7.9% | 81.5% |\n'), fairness)
  assert.ok(fairness.includes('| overall | 1,400 | 20% | 44.4% | 8.8% | 76.5% |\n'))
  assert.ok(fairness.includes('| demographic_parity_difference | 0.065 | 0.05 | ≤ 0.25 | ✅ passed |\n'))
  assert.ok(fairness.includes('| demographic_parity_ratio | 0.7719 | 0.7778 | — | reported only |\n'))
  const training = section(markdown, '### Training')
  assert.ok(training.includes('| duration | 2m03s |\n'))
  assert.ok(training.includes('| GPU | NVIDIA H100 80GB HBM3 (72% mean, 98% peak utilization) |\n'))
  assert.ok(training.includes('| cache | miss: trained |\n'))
  assert.ok(training.includes('| attempts | 2 |\n'))
  assert.ok(markdown.endsWith('---\n[Workflow run](https://github.com/acme/models/actions/runs/8) · evaluated 2026-01-26 18:15:12 UTC by Modelship in 1.2s\n'))
})

test('feature attributions: a Mermaid xychart-beta bar chart with a table under it', () => {
  const attributions = section(renderReport(sampleEvaluation()), '### Feature attributions')
  assert.ok(
    attributions.includes(
      [
        '```mermaid',
        'xychart-beta',
        '    title "Top features by mean |SHAP value|"',
        '    x-axis ["contract", "tenure", "support_calls", "monthly_charges"]',
        '    y-axis "mean |SHAP value|" 0 --> 0.1214',
        '    bar [0.1104, 0.0845, 0.0542, 0.0436]',
        '```',
        '',
        '| feature | mean \\|SHAP value\\| (P(1)) |',
        '| --- | ---: |',
        '| contract | 0.1104 |',
      ].join('\n'),
    ),
    attributions,
  )
  assert.ok(attributions.includes('| 1 | P(1) = 0.6346 | 0.3026 | +0.0756 | -0.0576 | +0.091 | +0.2229 |'))
  // A quote or a fence in a feature name cannot break out of the chart.
  const odd = sampleEvaluation()
  odd.explanations!.global[0]!.feature = 'say "hi"```'
  assert.ok(renderReport(odd).includes('    x-axis ["say \'hi\'\'\'\'", "tenure"'))
})

test('a report that fits is posted as is; a longer one is cut at a line with a pointer to the job summary', () => {
  const small = renderReport(sampleEvaluation())
  assert.deepEqual(fitComment(small), { text: small, cut: false })

  const groups = Array.from({ length: 3000 }, (_, i) => ({ group: `zip-${String(i).padStart(5, '0')}`, count: 1, selectionRate: 0.5, truePositiveRate: 0.5, falsePositiveRate: 0.5, accuracy: 0.5 }))
  const big = sampleEvaluation()
  big.fairness!.features[0]!.groups = groups
  const markdown = renderReport(big)
  assert.ok(markdown.length > COMMENT_LIMIT, `the big report is ${markdown.length} characters`)
  const { text, cut } = fitComment(markdown, { summaryUrl: 'https://github.com/acme/models/actions/runs/8' })
  assert.equal(cut, true)
  assert.ok(text.length <= COMMENT_LIMIT)
  assert.ok(text.startsWith('<!-- modelship:report model=churn -->\n'))
  assert.ok(
    text.endsWith(
      "|\n\n> [!WARNING]\n> This report was cut at GitHub's limit of 65,536 characters for a comment. The full report is in the [job summary](https://github.com/acme/models/actions/runs/8).\n",
    ),
    text.slice(-300),
  )
  // Cut inside a code fence: the fence is closed so the note renders as Markdown.
  const fenced = `${reportMarker('churn')}\n\`\`\`mermaid\n${'bar [1]\n'.repeat(60)}`
  const inFence = fitComment(fenced, { limit: 250 })
  assert.ok(inFence.text.includes('bar [1]\n```\n\n> [!WARNING]'), inFence.text)
  assert.ok(inFence.text.length <= 250)
})

test('numbers by magnitude: 4 significant digits, at most 4 decimals, thousands separators; charts without separators', () => {
  assert.equal(formatNumber(45226.6712), '45,227')
  assert.equal(formatNumber(1234567.89), '1,234,568')
  assert.equal(formatNumber(-1234.5), '-1,235')
  assert.equal(formatNumber(123.456), '123.5')
  assert.equal(formatNumber(0.8267437), '0.8267')
  assert.equal(formatNumber(0.765), '0.765')
  assert.equal(formatNumber(-0.008385), '-0.0084')
  assert.equal(formatNumber(0.0000123456), '0.000012')
  assert.equal(formatNumber(1.23e-7), '0.00000012')
  assert.equal(formatNumber(0), '0')
  assert.equal(formatNumber(null), '—')
  assert.equal(formatNumber(Number.NaN), 'NaN')
  assert.equal(formatSigned(45226.6712), '+45,227')
  assert.equal(formatPlain(45226.6712), '45227')
  const big = sampleEvaluation()
  big.metrics = [{ name: 'mse', greaterIsBetter: false, candidate: 45226.6712, champion: 46710.9635, delta: -1484.2923 }]
  assert.ok(renderReport(big).includes('| mse (lower is better) | 46,711 | 45,227 | ↓ -1,484 better |\n'))
})

test('confusion matrix: true classes by predicted, champion beside candidate, the positive class named', () => {
  const withPositive = sampleEvaluation({ positiveClass: { label: '1', rule: 'second-class' } })
  assert.equal(
    section(renderReport(withPositive), '### Confusion matrix'),
    [
      '### Confusion matrix',
      '',
      "Candidate counts, the champion's in brackets.",
      '',
      '| true ↓ / predicted → | 0 | 1 (positive) |',
      '| --- | ---: | ---: |',
      '| 0 | 250 (champion 242) | 24 (champion 32) |',
      '| 1 (positive) | 70 (champion 57) | 56 (champion 69) |',
      '',
    ].join('\n'),
  )
  // A champion over other classes is left out rather than shown against the wrong cells.
  const other = sampleEvaluation({ data: { test: { path: 't.csv', sha256: 'a'.repeat(64), rows: 2 }, sampleWeight: 'w' } })
  other.champion!.confusionMatrix = { classes: ['no', 'yes'], counts: [[1, 0], [0, 1]] }
  other.candidate.confusionMatrix = { classes: ['0', '1'], counts: [[1234.5, 0.25], [0, 1]] }
  const text = section(renderReport(other), '### Confusion matrix')
  assert.ok(text.includes("Candidate counts; the champion's matrix is over other classes, so it is not shown beside it. Counts are sums of sample weights."), text)
  assert.ok(text.includes('| 0 | 1,235 | 0.25 |'), text)
  // No matrix (a regressor): no section.
  const regressor = sampleEvaluation()
  regressor.candidate.confusionMatrix = null
  assert.ok(!renderReport(regressor).includes('### Confusion matrix'))
})

test('bootstrap intervals: a column on the delta, "within noise" where it spans zero, and the headline says so', () => {
  const evaluation = sampleEvaluation()
  evaluation.metrics[0]!.interval = { low: -0.0213, high: 0.0045, replicates: 200, withinNoise: true }
  evaluation.metrics[1]!.interval = { low: -0.02, high: -0.005, replicates: 200, withinNoise: false }
  evaluation.metrics[2]!.interval = null
  const markdown = renderReport(evaluation)
  const metrics = section(markdown, '### Metrics')
  assert.ok(metrics.includes('Intervals: paired Poisson bootstrap over the same test rows for both models, 200 seeded replicates; "within noise" means the interval spans zero.'), metrics)
  assert.ok(metrics.includes('| metric | champion | candidate | delta | 95% interval of the delta |\n'), metrics)
  assert.ok(metrics.includes('| roc_auc (higher is better) | 0.8351 | 0.8267 | ↓ -0.0084 worse | -0.0213 to +0.0045, within noise |\n'), metrics)
  assert.ok(metrics.includes('| accuracy (higher is better) | 0.7775 | 0.765 | ↓ -0.0125 worse | -0.02 to -0.005 |\n'), metrics)
  assert.ok(metrics.includes('| log_loss (lower is better) | 0.4536 | 0.4746 | ↑ +0.021 worse | — |\n'), metrics)
  assert.equal(markdown.split('\n')[2], '## ❌ Modelship: churn failed — 1 of 4 checks failed; worse than the champion: roc_auc (within noise), accuracy, log_loss (3 of 3 metrics)')
})

test('what changed: params, data hashes and commit that differ from the champion run, or why it is not known', () => {
  const evaluation = sampleEvaluation()
  // A registry champion whose release has no run.json (registered before it was kept): every row says so, never "no changes".
  assert.equal(
    section(renderReport(evaluation), '### What changed'),
    [
      '### What changed',
      '',
      "The champion churn@v1.2.0 has no readable training record (run.json) in its release, so what changed cannot be told; the candidate's facts:",
      '',
      '|  | champion | candidate |',
      '| --- | --- | --- |',
      '| train data (sha256) | not recorded for churn@v1.2.0 | — |',
      '| test data (sha256) | not recorded for churn@v1.2.0 | — |',
      '| code (commit) | not recorded for churn@v1.2.0 | 0123456789ab |',
      '',
    ].join('\n'),
  )
  // A champion given as a file, without a run.json beside it.
  const byPath = sampleEvaluation()
  byPath.champion!.version = null
  assert.ok(renderReport(byPath).includes("### What changed\n\nNot known: no run.json of the champion's run was given, so params, data and code cannot be compared."))
  const candidate = { ...evaluation.training!, params: { C: 0.5, max_iter: 200, penalty: 'l2' }, data: { train: 'd'.repeat(64), test: 'a'.repeat(64) } }
  evaluation.training = candidate
  evaluation.championTraining = { ...candidate, runId: 'champion-run', params: { C: 1, max_iter: 200, solver: 'lbfgs' }, data: { train: 'e'.repeat(64), test: 'a'.repeat(64) }, commit: 'fedcba9876543210fedcba9876543210fedcba98' }
  assert.equal(
    section(renderReport(evaluation), '### What changed'),
    [
      '### What changed',
      '',
      "Against the champion's run champion-run:",
      '',
      '|  | champion | candidate |',
      '| --- | --- | --- |',
      '| param `C` | 1 | 0.5 |',
      '| param `penalty` | not set | l2 |',
      '| param `solver` | lbfgs | not set |',
      '| train data (sha256) | eeeeeeeeeeee | dddddddddddd |',
      '| code (commit) | fedcba987654 | 0123456789ab |',
      '',
    ].join('\n'),
  )
  evaluation.championTraining = { ...candidate, runId: 'same-run' }
  assert.ok(renderReport(evaluation).includes("### What changed\n\nParams, data and code are the same as in the champion's run same-run.\n"))
  assert.ok(!renderReport(sampleEvaluation({ champion: null })).includes('### What changed'))
  assert.ok(renderReport(sampleEvaluation({ training: null })).includes('Not known: no run.json of either run was given'))
})

test('training: duration split into environment set-up and training; a cache hit says when and where it was trained', () => {
  const evaluation = sampleEvaluation()
  evaluation.training = { ...evaluation.training!, setupMs: 20_000, trainingMs: 103_400 }
  assert.ok(section(renderReport(evaluation), '### Training').includes('| duration | 2m03s: 20.0s environment set-up, 1m43s training |\n'), section(renderReport(evaluation), '### Training'))
  evaluation.training = { ...evaluation.training, cacheHit: true, restoredFrom: { id: 'run-1', commit: 'abcdef0123456789', startedAt: '2026-01-20T09:00:00.000Z' } }
  assert.ok(renderReport(evaluation).includes('| cache | hit: outputs restored from run run-1, trained 2026-01-20 09:00:00 UTC at commit abcdef012345 |\n'))
  evaluation.training = { ...evaluation.training, restoredFrom: undefined }
  delete evaluation.training.restoredFrom
  assert.ok(renderReport(evaluation).includes('| cache | hit: outputs restored from an earlier run |\n'))
})
