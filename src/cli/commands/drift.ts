/**
 * `modelship drift <model> --reference <data|profile|registry-ref> --current <data|log dir>`: the
 * drift check of src/drift — per-feature and prediction drift, data quality, and realised
 * performance with --labels — written as drift.json (--out) and Markdown (--report). Exit 0 when
 * the dataset did not drift, 1 when it did, 2 on a usage error.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { DataError, UsageError } from '../../errors.js'
import { defineCommand } from '../command.js'
import { findRepositoryRoot } from '../validation-targets.js'

const METHODS = ['auto', 'ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'] as const

/** The drift command. */
export const driftCommand = defineCommand({
  name: 'drift',
  summary: "check a model's current data against its reference: feature and prediction drift, data quality",
  usage: '<model> --reference <data|profile|registry-ref> --current <data|log dir> [options]',
  description: [
    "Compares each feature of the current data with the reference (Evidently's data-drift preset: KS or",
    'chi-square/Z for small references, normalised Wasserstein or Jensen-Shannon above 1000 rows;',
    "the spec's monitor.drift sets methods and thresholds), reports model-output drift when the",
    'reference knows the outputs, data-quality findings (nulls, infinities, text in numeric columns,',
    'values outside the reference range, unseen categories), and with --labels the realised metrics',
    'and fairness. The reference is a data file, a reference-profile.json, or a registry reference',
    "(churn#production, churn@v1.2.0) whose profile is downloaded and verified. The current data is a",
    'data file or glob (Arrow IPC, Parquet, CSV), or the folder of the server\'s prediction logs read',
    'over --window. Exits 0 without dataset drift, 1 with it, 2 on a usage error.',
  ].join('\n'),
  arguments: [{ name: 'model', description: 'the model name, as in models/<name>/model.yaml' }],
  options: {
    reference: { type: 'string', valueName: '<data|profile|ref>', description: 'training data file, reference-profile.json, or a registry reference (churn#production)' },
    current: { type: 'string', valueName: '<data|dir>', description: "data file or glob, or the prediction-log folder (its <model>/<version>/ files); default the spec's monitor.current dataset" },
    window: { type: 'string', valueName: '<duration>', description: "prediction logs only: how far back to read, e.g. 7d, 12h; default the spec's, else 7d" },
    labels: { type: 'string', valueName: '<file>', description: 'labels with request_id and the target column, joined to the logs: realised metrics and fairness' },
    out: { type: 'string', valueName: '<file>', description: 'write drift.json here' },
    report: { type: 'string', valueName: '<file>', description: 'write the Markdown report here' },
    history: { type: 'string', valueName: '<file>', description: 'JSON array of earlier checks ({checkedAt, scores}) for the trend charts' },
    method: { type: 'string', valueName: '<method>', choices: METHODS, description: "one method for every feature, overriding the spec's" },
    threshold: { type: 'string', valueName: '<number>', description: 'drift threshold for every feature' },
    'drift-share': { type: 'string', valueName: '<share>', description: 'share of drifted features that makes the dataset drift (default the spec\'s, else 0.5)' },
    format: { type: 'string', valueName: '<text|json|markdown>', choices: ['text', 'json', 'markdown'], default: 'text', description: 'what is printed' },
    publish: {
      type: 'boolean',
      description:
        "publish as the scheduled check does, with the local backend: the drift state, the issue and any retraining dispatch go to .modelship/drift/<model>/ (privacy noise and budget from the spec's monitor)",
    },
    path: { type: 'string', valueName: '<dir>', description: 'repository root holding models/ (default: the nearest one at or above the current folder; without one the reference columns are checked)' },
  },
  maxPositionals: 1,
  examples: [
    'modelship drift churn --reference data/churn/train.parquet --current data/churn/current.parquet',
    'modelship drift churn --reference churn#production --current /var/log/modelship --window 7d --out drift.json --report drift.md',
    "modelship drift churn --reference reference-profile.json --current 'exports/2026-12-*.csv' --format json",
  ],
  async run({ values, positionals }, io) {
    const model = positionals[0]
    if (model === undefined) throw new UsageError('missing the model name, e.g. modelship drift churn --reference data/train.csv --current data/current.csv')
    if (values.reference === undefined) throw new UsageError(`missing --reference: the training data, a reference-profile.json, or a registry reference such as ${model}#production`)
    const threshold = positiveNumber(values.threshold, '--threshold')
    const driftShare = positiveNumber(values['drift-share'], '--drift-share')
    if (driftShare !== undefined && driftShare > 1) throw new UsageError(`--drift-share ${values['drift-share']}: expected a share above 0 and at most 1`)
    // Loaded here, not at start-up: the other commands need none of it.
    const [{ runDriftCheck, renderDriftJson, renderDriftReport, driftIntensity }, { findModelSpec }, { openRegistry }] = await Promise.all([
      import('../../drift/index.js'),
      import('../../evaluate/find-spec.js'),
      import('../../registry/index.js'),
    ])
    const start = resolve(io.cwd, values.path ?? '.')
    const root = values.path === undefined ? await findRepositoryRoot(start) : start
    const spec = root === undefined ? undefined : (await findModelSpec(root, model)).spec
    const history = values.history === undefined ? undefined : await readHistory(resolve(io.cwd, values.history), values.history)
    const report = await runDriftCheck({
      model,
      reference: values.reference,
      ...(values.current !== undefined ? { current: values.current } : {}),
      ...(values.window !== undefined ? { window: values.window } : {}),
      ...(values.labels !== undefined ? { labels: values.labels } : {}),
      ...(spec ? { spec } : {}),
      cwd: io.cwd,
      registry: () => openRegistry({ repoDir: root ?? io.cwd }),
      ...(values.method !== undefined ? { method: values.method as (typeof METHODS)[number] } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
      ...(driftShare !== undefined ? { driftShare } : {}),
    })
    let markdown = renderDriftReport(report, history ? { history } : {})
    let published = report
    let publishedLines: string[] = []
    if (values.publish) {
      // The same publication as actions/drift, written as files; --history is then the stored one.
      if (root === undefined) throw new UsageError('--publish keeps the drift state in the repository: run it inside one, or pass --path')
      if (history) throw new UsageError('--publish keeps its own history in .modelship/drift/<model>/state.json; leave out --history')
      const { publishDriftLocally, publishPolicy } = await import('../../drift/index.js')
      const policy = publishPolicy(spec?.monitor)
      const result = await publishDriftLocally({ root, report, policy, retrainWorkflow: policy.retrainWorkflow })
      markdown = result.plan.markdown
      published = result.plan.published
      publishedLines = [
        `published to ${result.dir} (issue ${result.plan.open ? 'open' : 'closed'})`,
        ...result.plan.warnings.map((w) => `warning: ${w}`),
        ...(result.dispatch ? [`would dispatch ${result.dispatch.workflow} with operation=retrain model=${result.dispatch.inputs.model} reason=${result.dispatch.inputs.reason}`] : []),
        ...(result.plan.retrainSkipped ? [`retraining not dispatched: ${result.plan.retrainSkipped}`] : []),
      ]
    }
    if (values.out !== undefined) await writeFile(resolve(io.cwd, values.out), renderDriftJson(published))
    if (values.report !== undefined) await writeFile(resolve(io.cwd, values.report), markdown)
    if (values.format === 'json') io.out(renderDriftJson(published))
    else if (values.format === 'markdown') io.out(markdown)
    else {
      const lines = [
        `${report.model}: ${report.dataset.drifted ? 'DRIFT' : 'no drift'} — ${report.dataset.driftedColumns} of ${report.dataset.columns} features drifted (dataset drifts at ${report.dataset.driftShare * 100}%)`,
        ...report.features.map((f) =>
          f.status === 'skipped'
            ? `  ${f.name}: skipped (${f.reason})`
            : `  ${f.name}: ${f.drifted ? 'drift' : 'ok'}  ${f.method} ${formatScore(f.score)} (drift ${f.scoreKind === 'p-value' ? 'below' : 'from'} ${f.threshold}; ${(driftIntensity(f) ?? 0).toFixed(2)}× threshold)${f.exact ? '' : ' approx.'}`,
        ),
        ...(report.predictions ?? []).map((f) => `  ${f.name} (prediction): ${f.status === 'skipped' ? `skipped (${f.reason})` : `${f.drifted ? 'drift' : 'ok'}  ${f.method} ${formatScore(f.score)}`}`),
        ...report.quality.map((q) => `  ${q.severity}: ${q.message}`),
        ...(values.out !== undefined ? [`wrote ${values.out}`] : []),
        ...(values.report !== undefined ? [`wrote ${values.report}`] : []),
        ...publishedLines,
      ]
      io.out(`${lines.join('\n')}\n`)
    }
    return report.dataset.drifted ? 1 : 0
  },
})

function formatScore(score: number | null): string {
  return score === null ? '—' : Math.abs(score) < 1e-4 && score !== 0 ? score.toExponential(2) : score.toFixed(4)
}

function positiveNumber(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UsageError(`${option} ${text}: expected a number above 0`)
  return value
}

async function readHistory(path: string, shown: string): Promise<Array<{ checkedAt: string; scores: Record<string, number | null> }>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DataError(code === 'ENOENT' ? `--history ${shown}: no such file` : `--history ${shown}: could not read it (${code ?? (error as Error).message})`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new DataError(`--history ${shown}: not JSON (${(error as Error).message})`)
  }
  const ok = Array.isArray(json) && json.every((e) => typeof e?.checkedAt === 'string' && typeof e?.scores === 'object' && e.scores !== null)
  if (!ok) throw new DataError(`--history ${shown}: expected a JSON array of {"checkedAt": "<ISO time>", "scores": {"<feature>": <score or null>}}, oldest first`)
  return json as Array<{ checkedAt: string; scores: Record<string, number | null> }>
}
