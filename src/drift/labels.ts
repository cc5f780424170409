/**
 * Realised performance once labels arrive: a labels file (`request_id` and the spec's target, and
 * the sensitive features when the logs do not carry them — they are kept out of the model's inputs)
 * joined to the prediction logs by request id, then the evaluate step's own metrics (src/metrics)
 * and, for a binary classifier with fairness in its spec, its fairness metrics (src/fairness), so a
 * model that turns unfair in production is caught by the same numbers that gated it.
 *
 * The predicted label is the logs' one output column without an index (`output.label`), the
 * probabilities the indexed ones (`output.probabilities[j]`, class j of the sorted classes);
 * probability metrics are left out when the logs hold no probabilities.
 */
import { resolve } from 'node:path'
import { readTable } from '../data/read-table.js'
import { valueAt } from '../data/table.js'
import { DataError } from '../errors.js'
import { computeFairness } from '../fairness/compute-fairness.js'
import { computeMetrics } from '../metrics/compute-metrics.js'
import type { Label } from '../metrics/encode-labels.js'
import { positiveClassIndex } from '../metrics/positive-class.js'
import type { ModelSpec } from '../spec/model-schema.js'
import type { DriftPerformance } from './drift-report.js'
import type { LoggedPredictions } from './read-current.js'

const PROBABILITY_METRICS = new Set(['roc_auc', 'pr_auc', 'log_loss', 'brier'])
const INDEXED = /^(output\.[^[]+)\[(\d+)\]$/

/** What joinLabels needs. */
export interface JoinLabelsOptions {
  labelsFile: string
  cwd: string
  spec: ModelSpec
  predictions: LoggedPredictions
}

/** Metrics (and fairness) of the logged predictions whose request id has a label. */
export async function joinLabels(options: JoinLabelsOptions): Promise<DriftPerformance> {
  const { spec, predictions, labelsFile } = options
  const target = spec.data.target
  const sensitive = spec.task === 'binary-classification' ? (spec.evaluate.fairness?.sensitiveFeatures ?? []) : []
  const fromLabels = sensitive.filter((name) => !predictions.outputs.has(name))
  const table = await readTable(resolve(options.cwd, labelsFile), { columns: ['request_id', target, ...fromLabels.filter((f) => f !== target)], categorical: ['request_id', ...fromLabels], displayName: labelsFile })
  const ids = table.columns.get('request_id')!
  const labelColumn = table.columns.get(target)!
  const byId = new Map<string, number>()
  for (let i = 0; i < table.rowCount; i++) {
    const id = valueAt(ids, i)
    if (id !== null) byId.set(String(id), i)
  }
  const labelOutput = [...predictions.outputs.keys()].find((name) => !INDEXED.test(name))
  if (!labelOutput) throw new DataError(`${labelsFile}: the prediction logs hold no label output (output.<name>) to compare the labels with`)
  const probabilityColumns = [...predictions.outputs.keys()]
    .map((name) => INDEXED.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[2]) - Number(b[2]))
  const predicted = predictions.outputs.get(labelOutput)!
  const rows: number[] = []
  const labelRows: number[] = []
  const matched = new Set<number>()
  predictions.requestIds.forEach((id, row) => {
    if (id === null) return
    const at = byId.get(id)
    if (at === undefined || valueAt(labelColumn, at) === null || predicted[row] === null) return
    rows.push(row)
    labelRows.push(at)
    matched.add(at)
  })
  if (rows.length === 0) {
    throw new DataError(`${labelsFile}: none of its ${table.rowCount} request ids matches a logged prediction in the window; realised performance needs at least one. Fix: check that the server logs request ids and that the labels cover the window.`)
  }
  const yTrue = labelRows.map((at) => valueAt(labelColumn, at) as Label)
  const yPred = rows.map((row) => predicted[row] as Label)
  let metrics: Record<string, number | null>
  const fairness: DriftPerformance['fairness'] = []
  if (spec.task === 'regression') {
    const result = computeMetrics('regression', { yTrue: yTrue.map(Number), yPred: yPred.map(Number) }, spec.evaluate.metrics)
    metrics = finiteValues(result.values)
  } else {
    const classes = sortedClasses([...yTrue, ...yPred])
    const names = spec.evaluate.metrics.filter((m) => probabilityColumns.length > 0 || !PROBABILITY_METRICS.has(m))
    let proba: Float64Array | undefined
    if (probabilityColumns.length > 0) {
      if (probabilityColumns.length !== classes.length) {
        throw new DataError(`${labelsFile}: the logs hold ${probabilityColumns.length} probability columns but labels and predictions have ${classes.length} classes (${classes.join(', ')}); probability metrics need one column per class`)
      }
      proba = new Float64Array(rows.length * classes.length)
      probabilityColumns.forEach((m, c) => {
        const values = predictions.outputs.get(m[0])!
        rows.forEach((row, r) => (proba![r * classes.length + c] = Number(values[row] ?? Number.NaN)))
      })
    }
    const posLabel = spec.evaluate.posLabel
    const result = computeMetrics(spec.task, { yTrue, yPred, classes, ...(proba ? { proba } : {}), ...(posLabel !== undefined ? { posLabel } : {}) }, names)
    metrics = finiteValues(result.values)
    if (sensitive.length > 0) {
      const positive = classes[positiveClassIndex(classes, posLabel)]!
      const truth = yTrue.map((y) => (String(y) === String(positive) ? 1 : 0))
      const guess = yPred.map((y) => (String(y) === String(positive) ? 1 : 0))
      const features = new Map<string, Array<string | number>>()
      for (const name of sensitive) {
        const logged = predictions.outputs.get(name)
        const column = table.columns.get(name)
        features.set(name, logged ? rows.map((row) => logged[row] as string | number) : labelRows.map((at) => (column ? (valueAt(column, at) as string | number) : 'unknown')))
      }
      for (const f of computeFairness({ yTrue: truth, yPred: guess, sensitiveFeatures: features })) {
        fairness.push({
          feature: f.feature,
          groups: f.groups.map((g) => ({ group: g.group, count: g.count, selectionRate: finite(g.selectionRate), truePositiveRate: finite(g.truePositiveRate), falsePositiveRate: finite(g.falsePositiveRate) })),
          metrics: finiteValues(f.metrics as unknown as Record<string, number>),
        })
      }
    }
  }
  return { labelsFile, target, joinedRows: rows.length, unmatchedLabels: table.rowCount - matched.size, metrics, reference: null, fairness }
}

/** scikit-learn's class order: numbers numerically, text by code point. */
function sortedClasses(values: readonly Label[]): Label[] {
  const unique = [...new Set(values.map((v) => (typeof v === 'number' ? v : String(v))))]
  return unique.every((v) => typeof v === 'number') ? (unique as number[]).sort((a, b) => a - b) : unique.map(String).sort()
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null
}

function finiteValues(values: Record<string, number>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, finite(v)]))
}
