/**
 * Bias mitigation before training (`train.mitigation` in the spec): Kamiran & Calders' reweighing
 * ("Data preprocessing techniques for classification without discrimination", Knowledge and
 * Information Systems 33, 2012). Each training row gets the weight
 *
 *   w(a, y) = P(A = a) · P(Y = y) / P(A = a, Y = y)
 *
 * where A is the row's group (the joint value of the sensitive features) and Y its label, so that in
 * the weighted data the label is independent of the group. With a sample-weight column the
 * probabilities are weight shares and the new weight multiplies the old one. This is AIF360's
 * `Reweighing` (aif360/algorithms/preprocessing/reweighing.py), generalised from its two groups and
 * two labels to any number of each; on two of each the weights are equal to AIF360's (checked to 1e-12,
 * test/fixtures/mitigation). A missing sensitive value is a group of its own; a missing label is an
 * error (the training data must say what every row is).
 *
 * The training command reads the weights from the CSV file named by MODELSHIP_SAMPLE_WEIGHTS: a
 * header `row,weight`, then one line per training row in file order.
 */
import { writeFileAtomic } from '../fs/atomic-file.js'
import { DataError } from '../errors.js'
import { readTable } from '../data/read-table.js'
import { valueAt, type Column, type DataTable } from '../data/table.js'

/** Environment variable naming the weights file the training command reads. */
export const SAMPLE_WEIGHTS_ENV = 'MODELSHIP_SAMPLE_WEIGHTS'

/** The spec's `train.mitigation`, camelCased. */
export interface MitigationOptions {
  method: 'reweighing'
  sensitiveFeatures: readonly string[]
}

/** One (group, label) cell of the reweighing. */
export interface ReweighingCell {
  /** Sensitive feature → value (null for missing). */
  group: Record<string, string | number | null>
  label: string | number
  rows: number
  /** The factor every row of the cell is multiplied by. */
  weight: number
}

/** Weights per row, and the cells they came from (for the run record and the report). */
export interface ReweighingResult {
  weights: Float64Array
  cells: ReweighingCell[]
}

function key(values: ReadonlyArray<string | number | null>): string {
  return JSON.stringify(values)
}

/**
 * Reweighing weights for `table`'s rows: `target` is the label column, `sensitive` the group columns,
 * `sampleWeight` an optional column of existing weights (non-negative numbers).
 */
export function reweighing(table: DataTable, target: string, sensitive: readonly string[], sampleWeight?: string, file = 'the training data'): ReweighingResult {
  const column = (name: string): Column => {
    const found = table.columns.get(name)
    if (!found) throw new DataError(`${file} has no column '${name}' (named by train.mitigation); add it, or fix the name in the spec`)
    return found
  }
  if (sensitive.length === 0) throw new DataError('train.mitigation lists no sensitive features; name at least one, e.g. sensitive-features: [gender]')
  const labels = column(target)
  const groups = sensitive.map(column)
  const base = sampleWeight === undefined ? undefined : column(sampleWeight)
  if (base && base.kind !== 'numeric') throw new DataError(`sample-weight column '${sampleWeight}' in ${file} holds text; it must hold non-negative numbers`)
  const n = table.rowCount

  const cellOf = new Int32Array(n)
  const cellIndex = new Map<string, number>()
  const cellGroup: number[] = []
  const cellLabel: number[] = []
  const groupIndex = new Map<string, number>()
  const labelIndex = new Map<string, number>()
  const groupValues: Array<ReadonlyArray<string | number | null>> = []
  const labelValues: Array<string | number> = []
  const rowWeight = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const label = valueAt(labels, i)
    if (label === null || (typeof label === 'number' && Number.isNaN(label))) {
      throw new DataError(`${file} row ${i + 1} has no ${target}; reweighing needs every row's label (fill or drop such rows)`)
    }
    const w = base ? (base as { values: Float64Array }).values[i]! : 1
    if (!(w >= 0) || !Number.isFinite(w)) throw new DataError(`${file} row ${i + 1}: sample weight ${w} in '${sampleWeight}' is not a non-negative number`)
    rowWeight[i] = w
    const group = groups.map((g) => {
      const value = valueAt(g, i)
      return typeof value === 'number' && Number.isNaN(value) ? null : value
    })
    const groupKey = key(group)
    let g = groupIndex.get(groupKey)
    if (g === undefined) {
      g = groupValues.length
      groupIndex.set(groupKey, g)
      groupValues.push(group)
    }
    const labelKey = key([label])
    let y = labelIndex.get(labelKey)
    if (y === undefined) {
      y = labelValues.length
      labelIndex.set(labelKey, y)
      labelValues.push(label)
    }
    const cellKey = `${g}:${y}`
    let c = cellIndex.get(cellKey)
    if (c === undefined) {
      c = cellGroup.length
      cellIndex.set(cellKey, c)
      cellGroup.push(g)
      cellLabel.push(y)
    }
    cellOf[i] = c
  }

  const total = rowWeight.reduce((sum, w) => sum + w, 0)
  if (!(total > 0)) throw new DataError(`${file}: the sample weights add up to 0; reweighing needs some weight`)
  const groupTotal = new Float64Array(groupValues.length)
  const labelTotal = new Float64Array(labelValues.length)
  const cellTotal = new Float64Array(cellGroup.length)
  const cellRows = new Int32Array(cellGroup.length)
  for (let i = 0; i < n; i++) {
    const c = cellOf[i]!
    groupTotal[cellGroup[c]!]! += rowWeight[i]!
    labelTotal[cellLabel[c]!]! += rowWeight[i]!
    cellTotal[c]! += rowWeight[i]!
    cellRows[c]!++
  }
  // A cell whose weights add up to 0 has no weight to rescale; its rows keep weight 0.
  const factor = Array.from(cellTotal, (cell, c) => (cell > 0 ? (labelTotal[cellLabel[c]!]! * groupTotal[cellGroup[c]!]!) / (total * cell) : 0))
  const weights = new Float64Array(n)
  for (let i = 0; i < n; i++) weights[i] = rowWeight[i]! * factor[cellOf[i]!]!
  const cells = cellGroup.map((g, c) => ({
    group: Object.fromEntries(sensitive.map((name, j) => [name, groupValues[g]![j]!])),
    label: labelValues[cellLabel[c]!]!,
    rows: cellRows[c]!,
    weight: factor[c]!,
  }))
  return { weights, cells }
}

/** Reads what reweighing needs from the training data file and computes the weights. */
export async function reweighingFromFile(path: string, displayName: string, target: string, sensitive: readonly string[], sampleWeight?: string): Promise<ReweighingResult> {
  const columns = [target, ...sensitive, ...(sampleWeight === undefined ? [] : [sampleWeight])]
  const table = await readTable(path, { displayName, columns: [...new Set(columns)], categorical: sensitive })
  return reweighing(table, target, sensitive, sampleWeight, displayName)
}

/** Writes the weights file the training command reads (`row,weight`, one line per row), atomically. */
export async function writeSampleWeights(path: string, weights: Float64Array): Promise<void> {
  const lines = ['row,weight']
  // Shortest round-trip decimal of each double: what the command reads back is the same number.
  for (let i = 0; i < weights.length; i++) lines.push(`${i},${weights[i]}`)
  await writeFileAtomic(path, `${lines.join('\n')}\n`)
}
