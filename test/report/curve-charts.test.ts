/**
 * The report's pictures: ROC and PR line charts (champion beside candidate, colours named, a table
 * beside each), a regressor's residuals (quantiles, mean, a histogram chart and table), what shows
 * when a curve is undefined or a champion is missing, and the schema's bounds on a fork's arrays.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EvaluationResultSchema, type EvaluationResult } from '../../src/evaluate/index.js'
import { COMMENT_LIMIT, renderReport } from '../../src/report/index.js'
import { sampleEvaluation } from './sample-evaluation.js'

const grid = (f: (x: number) => number) => Array.from({ length: 21 }, (_, i) => Number(f(i / 20).toFixed(4)))

function withCurves(patch: Partial<EvaluationResult> = {}): EvaluationResult {
  return sampleEvaluation({
    curves: {
      points: 21,
      candidate: { roc: grid((x) => Math.sqrt(x)), pr: grid((x) => 1 - 0.5 * x) },
      champion: { roc: grid((x) => x ** 0.6), pr: grid((x) => 1 - 0.6 * x) },
    },
    ...patch,
  })
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`${heading}\n`)
  assert.ok(start >= 0, `no section ${heading}`)
  const next = markdown.indexOf('\n### ', start + heading.length)
  return markdown.slice(start, next < 0 ? undefined : next)
}

test('ROC and PR curves: two coloured xychart-beta lines, candidate first, with a table of both at fixed points', () => {
  const markdown = renderReport(withCurves())
  const curves = section(markdown, '### ROC and precision-recall curves')
  assert.ok(curves.startsWith('### ROC and precision-recall curves\n\nBlue: candidate; grey: champion churn@v1.2.0.'), curves.slice(0, 200))
  assert.ok(
    curves.includes(
      [
        '```mermaid',
        '---',
        'config:',
        '  themeVariables:',
        '    xyChart:',
        '      plotColorPalette: "#0969da, #8c959f"',
        '---',
        'xychart-beta',
        '    title "ROC curve"',
        '    x-axis "false positive rate" 0 --> 1',
        '    y-axis "true positive rate" 0 --> 1',
        `    line [${grid((x) => Math.sqrt(x)).join(', ')}]`,
        `    line [${grid((x) => x ** 0.6).join(', ')}]`,
        '```',
      ].join('\n'),
    ),
    curves,
  )
  assert.ok(curves.includes('| true positive rate at false positive rate 0.1 | 0.2512 | 0.3162 |'), curves)
  assert.ok(curves.includes('    title "Precision-recall curve"'))
  assert.ok(curves.includes('| precision at recall 0.9 | 0.46 | 0.55 |'), curves)
  // Placed after the confusion matrix, before the gates.
  assert.ok(markdown.indexOf('### Confusion matrix') < markdown.indexOf('### ROC') && markdown.indexOf('### ROC') < markdown.indexOf('### Gates'))
})

test('curves without a champion, with an undefined curve, and from older evaluations', () => {
  const alone = renderReport(withCurves({ champion: null }))
  const curves = section(alone, '### ROC and precision-recall curves')
  assert.ok(curves.includes('Candidate only: no champion to compare with.'))
  assert.ok(curves.includes('plotColorPalette: "#0969da"'))
  assert.equal(curves.match(/^ {4}line \[/gm)?.length, 2, 'one line per chart')
  assert.ok(curves.includes('| | candidate |') || curves.includes('|  | candidate |'), curves)

  const oneClass = withCurves()
  oneClass.curves!.candidate!.roc = null
  oneClass.curves!.champion!.roc = null
  const text = renderReport(oneClass)
  assert.ok(text.includes('ROC curve: not defined on this test data (it holds only one class).'))
  assert.ok(text.includes('    title "Precision-recall curve"'))

  const unusable = withCurves()
  unusable.curves!.champion = null
  assert.ok(renderReport(unusable).includes("The champion's curves could not be drawn (its probabilities are not usable as scores)."))

  // An evaluation.json written before the curves has none: no section, no error.
  assert.ok(!renderReport(sampleEvaluation()).includes('### ROC'))
})

function regression(patch: Partial<EvaluationResult> = {}): EvaluationResult {
  return sampleEvaluation({
    task: 'regression',
    positiveClass: null,
    fairness: null,
    explanations: null,
    candidate: { ...sampleEvaluation().candidate, confusionMatrix: null, classes: null, metrics: { rmse: 46710.96 } },
    champion: { ...sampleEvaluation().champion!, confusionMatrix: null, classes: null, metrics: { rmse: 48000 } },
    metrics: [{ name: 'rmse', greaterIsBetter: false, candidate: 46710.96, champion: 48000, delta: -1289.04 }],
    gates: [],
    summary: { checks: 0, passed: 0, failed: 0, skipped: 0 },
    passed: true,
    verdict: 'passed',
    residuals: {
      edges: [-90000, -60000, -30000, 0, 30000, 60000],
      candidate: { mean: 1234.5, quantiles: [-150000, -80000, -20000, 1000, 25000, 70000, 200000], counts: [10, 40, 150, 160, 30] },
      champion: { mean: -2000, quantiles: [-160000, -90000, -25000, -500, 22000, 75000, 210000], counts: [15, 45, 140, 150, 40] },
    },
    ...patch,
  })
}

test('residuals: mean and quantiles of both models, candidate bars with the champion line, bins in a table', () => {
  const markdown = renderReport(regression())
  const residuals = section(markdown, '### Residuals')
  assert.ok(residuals.includes('True minus predicted value on each test row: above 0 the model predicted too low.'))
  assert.ok(residuals.includes('| mean | -2,000 | 1,235 |'), residuals)
  assert.ok(residuals.includes('| median | -500 | 1,000 |'))
  assert.ok(residuals.includes('| max | 210,000 | 200,000 |'))
  assert.ok(
    residuals.includes(
      [
        'xychart-beta',
        '    title "Residuals (rows per bin)"',
        '    x-axis ["under -60000", "-60000 to -30000", "-30000 to 0", "0 to 30000", "30000 and up"]',
        '    y-axis "rows" 0 --> 176',
        '    bar [10, 40, 150, 160, 30]',
        '    line [15, 45, 140, 150, 40]',
        '```',
      ].join('\n'),
    ),
    residuals,
  )
  assert.ok(residuals.includes('Bars: candidate; line: champion.'))
  assert.ok(residuals.includes('<details><summary>Rows per bin</summary>\n\n| bin | champion rows | candidate rows |'))
  assert.ok(residuals.includes('| under -60000 | 15 | 10 |'))
  assert.ok(!markdown.includes('### ROC'))

  const weighted = renderReport(regression({ data: { ...regression().data, sampleWeight: 'w' } }))
  assert.ok(weighted.includes('Rows are counted unweighted here, unlike the metrics.'))
  const alone = section(renderReport(regression({ champion: null })), '### Residuals')
  assert.ok(alone.includes('| mean | 1,235 |') && !alone.includes('    line ['), alone)
  assert.ok(renderReport(regression({ residuals: null })).includes('### Residuals\n\nNot summarised: a residual was not finite'))
  assert.ok(!renderReport(regression({ residuals: undefined })).includes('### Residuals'))
})

test("the schema bounds a fork's pictures, so they cannot blow up the comment; a full report stays far under the limit", () => {
  const evaluation = withCurves()
  assert.ok(EvaluationResultSchema.safeParse(evaluation).success)
  const long = withCurves()
  long.curves!.candidate!.roc = Array.from({ length: 5000 }, () => 0.5)
  const refused = EvaluationResultSchema.safeParse(long)
  assert.equal(refused.success, false)
  const bins = regression()
  bins.residuals!.candidate.counts = Array.from({ length: 500 }, () => 1)
  assert.equal(EvaluationResultSchema.safeParse(bins).success, false)
  // The largest pictures the schema allows still leave the comment well inside GitHub's limit.
  const widest = withCurves()
  const full = (f: number) => Array.from({ length: 101 }, (_, i) => Number((i / 100 - f * 0.00001).toFixed(4)) + 0.00001)
  widest.curves = { points: 101, candidate: { roc: full(1), pr: full(2) }, champion: { roc: full(3), pr: full(4) } }
  assert.ok(EvaluationResultSchema.safeParse(widest).success)
  assert.ok(renderReport(widest).length < COMMENT_LIMIT / 4)
})
