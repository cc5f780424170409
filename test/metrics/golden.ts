// Loads test/fixtures/golden/metrics.json (made by make_golden.py with scikit-learn and Fairlearn).
import { readFileSync } from 'node:fs'
import assert from 'node:assert/strict'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

function revive(_key: string, value: Json): Json | number {
  if (value === 'NaN') return Number.NaN
  if (value === 'Infinity') return Number.POSITIVE_INFINITY
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY
  return value
}

export interface MetricCase {
  name: string
  task: 'binary-classification' | 'multiclass-classification' | 'regression'
  dtype?: 'float32' | 'float64'
  classes?: Array<string | number>
  y_true: Array<string | number>
  y_pred: Array<string | number>
  proba?: number[]
  sample_weight: number[] | null
  expected: Record<string, number>
  confusion_matrix?: number[][]
}

export interface FairnessCase {
  name: string
  y_true: number[]
  y_pred: number[]
  sensitive: Array<string | number>
  sample_weight: number[] | null
  groups: Array<{ group: string; count: number; selection_rate: number; true_positive_rate: number; false_positive_rate: number; accuracy: number }>
  overall: { count: number; selection_rate: number; true_positive_rate: number; false_positive_rate: number; accuracy: number }
  metrics: Record<string, number>
}

export const golden = JSON.parse(readFileSync(new URL('../fixtures/golden/metrics.json', import.meta.url), 'utf8'), revive) as {
  versions: Record<string, string>
  metrics: MetricCase[]
  fairness: FairnessCase[]
}

/** Equal within `tolerance`, relative to the expected value's magnitude when it exceeds 1; NaN equals NaN. */
export function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`)
    return
  }
  const scale = Math.max(1, Math.abs(expected))
  assert.ok(Math.abs(actual - expected) <= tolerance * scale, `${what}: expected ${expected}, got ${actual} (tolerance ${tolerance})`)
}
