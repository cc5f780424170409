/**
 * Dataset drift: the share of drifted columns, and drift when it reaches `drift-share`
 * (Evidently's DatasetDriftMetric: drift_share default 0.5, drifted when share ≥ drift_share).
 */
import { DataError } from '../errors.js'

/** Share of columns the preset calls drifted, as in DESIGN.md §9. */
export const DEFAULT_DRIFT_SHARE = 0.5

/** How many columns drifted, their share, and the dataset verdict. */
export interface DatasetDriftResult {
  columns: number
  driftedColumns: number
  share: number
  drifted: boolean
}

/** Dataset verdict from per-column verdicts; `driftShare` in (0, 1], default 0.5. */
export function datasetDrift(columns: ReadonlyArray<{ drifted: boolean }>, driftShare = DEFAULT_DRIFT_SHARE): DatasetDriftResult {
  if (!(driftShare > 0 && driftShare <= 1)) throw new DataError(`drift-share is ${driftShare}; expected a share above 0 and at most 1 (default 0.5)`)
  if (columns.length === 0) throw new DataError('drift: no columns were compared; a dataset verdict needs at least one column')
  const driftedColumns = columns.filter((c) => c.drifted).length
  const share = driftedColumns / columns.length
  return { columns: columns.length, driftedColumns, share, drifted: share >= driftShare }
}
