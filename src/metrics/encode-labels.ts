/**
 * Maps labels (a target column, or a model's label output) to class indices in the model's
 * declared class order, once, so every metric works on small integers. Labels match classes by
 * their text: 1, 1n, 1.0 and '1' are the same class, so a numeric target column matches string
 * classes from model metadata and vice versa.
 */
import type { Column } from '../data/table.js'
import { DataError, ModelError } from '../errors.js'

/** A class label as models and data files spell them. */
export type Label = string | number | bigint | boolean

/** Labels per row: a plain or typed array, or a column read by `src/data`. */
export type LabelSource = ArrayLike<Label> | Column

/** Where labels came from: decides the error class and wording for an unknown label. */
export type LabelRole = 'target' | 'prediction'

function labelKey(label: Label): string {
  return typeof label === 'string' ? label : String(label)
}

/** Class index (0..classes.length-1) per row; an unknown or null label is a DataError (target) or ModelError (prediction). */
export function encodeLabels(labels: LabelSource, classes: readonly Label[], role: LabelRole, name = role === 'target' ? 'the target' : 'the model output'): Int32Array {
  const index = new Map<string, number>()
  classes.forEach((label, i) => index.set(labelKey(label), i))
  const unknown = (row: number, value: unknown): Error => {
    const shown = value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value)) ? 'null' : `'${String(value)}'`
    const listed = classes.map((c) => `'${labelKey(c)}'`).join(', ')
    return role === 'target'
      ? new DataError(
          `${name} holds ${shown} at row ${row + 1}, which is not one of the model's classes [${listed}]. ` +
            `Fix: drop or relabel those rows, or retrain the model on data that has that class.`,
        )
      : new ModelError(
          `${name} predicted ${shown} at row ${row + 1}, which is not one of its declared classes [${listed}]. ` +
            `Fix: export the model so its label output and class list agree.`,
        )
  }
  if (isColumn(labels)) {
    if (labels.kind === 'numeric') return encodeArray(labels.values, index, unknown)
    const byCode = labels.categories.map((category) => index.get(category) ?? -1)
    const out = new Int32Array(labels.codes.length)
    for (let i = 0; i < out.length; i++) {
      const code = labels.codes[i]!
      const k = code < 0 ? -1 : byCode[code]!
      if (k < 0) throw unknown(i, code < 0 ? null : labels.categories[code])
      out[i] = k
    }
    return out
  }
  return encodeArray(labels, index, unknown)
}

function encodeArray(labels: ArrayLike<Label>, index: ReadonlyMap<string, number>, unknown: (row: number, value: unknown) => Error): Int32Array {
  const out = new Int32Array(labels.length)
  // Numbers repeat a handful of values: cache number → index so String() runs once per value.
  const byNumber = new Map<number, number>()
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!
    let k: number | undefined
    if (typeof label === 'number') {
      k = byNumber.get(label)
      if (k === undefined) {
        k = Number.isNaN(label) ? undefined : index.get(String(label))
        if (k !== undefined) byNumber.set(label, k)
      }
    } else if (label !== null && label !== undefined) {
      k = index.get(labelKey(label))
    }
    if (k === undefined) throw unknown(i, label)
    out[i] = k
  }
  return out
}

function isColumn(value: LabelSource): value is Column {
  return typeof (value as Column).kind === 'string' && ('values' in value || 'codes' in value)
}
