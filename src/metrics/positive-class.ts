/**
 * The positive class of a binary classifier: by default the second of the model's classes (the
 * larger one in scikit-learn's sorted order, e.g. 1 of {0, 1}, 'stayed' of {'churned', 'stayed'}),
 * as scikit-learn's `pos_label=1` default reads for 0/1 labels; `evaluate.pos-label` names another.
 * Metrics, fairness and explanations all read it from here, so they always agree.
 */
import { UsageError } from '../errors.js'
import type { Label } from './encode-labels.js'

/** Index into `classes` of the positive class: `posLabel`'s, or 1 when unset. UsageError when it is not a class. */
export function positiveClassIndex(classes: readonly Label[], posLabel?: Label): number {
  if (posLabel === undefined) return 1
  const wanted = String(posLabel)
  const index = classes.findIndex((label) => String(label) === wanted)
  if (index < 0) {
    throw new UsageError(
      `evaluate.pos-label '${wanted}' is not a class of the model; its classes are ${classes.map((label) => `'${String(label)}'`).join(', ')}. ` +
        'Fix: set evaluate.pos-label to one of them (the text of the label, as in the target column).',
    )
  }
  return index
}

/** 0/1 per row (1 = the positive class) from class indices of a binary model, in place. */
export function toPositiveIndicator(encoded: Int32Array, positive: number): Int32Array {
  if (positive === 1) return encoded
  for (let i = 0; i < encoded.length; i++) encoded[i] = encoded[i] === positive ? 1 : 0
  return encoded
}
