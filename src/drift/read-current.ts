/**
 * The current side of a drift check: a dataset (one file, several, or a glob; Arrow IPC, Parquet
 * or CSV) read through src/data in record batches, or the inference server's prediction logs
 * (src/serve/prediction-log.ts, format 1) over a time window.
 *
 * Memory: batches are folded into what the statistics need and dropped — a numeric column keeps its
 * finite values as float64 (8 bytes a row: exact statistics need every value), a categorical one
 * only its category counts — so a 100-column file costs only the checked columns.
 */
import { open, readdir } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { DataType, RecordBatchReader, type Vector } from 'apache-arrow'
import { glob, isDynamicPattern } from 'tinyglobby'
import { readBatches, readColumnNames } from '../data/read-table.js'
import { NOT_A_NUMBER, parseNumber } from '../data/parse-number.js'
import { type Column, NULL_CODE, type DataTable } from '../data/table.js'
import { DataError } from '../errors.js'
import type { CurrentColumn, DriftCurrent } from './check-drift.js'

/** What the check wants of each current column: the reference's kind. */
export type WantedColumns = ReadonlyMap<string, 'numeric' | 'categorical'>

/** Marker and format version of a prediction log file (src/serve/prediction-log.ts). */
export const PREDICTION_LOG_METADATA_KEY = 'modelship.prediction-log'
export const PREDICTION_LOG_FORMAT = '1'

/** Folds batches of rows into current columns. */
export class CurrentAccumulator {
  private readonly numeric = new Map<string, { values: Float64Array; length: number; rows: number; nullCount: number; nonFinite: number; typeErrors: number; text: Map<string, number> }>()
  private readonly categorical = new Map<string, { rows: number; nullCount: number; counts: Map<string, number> }>()
  rows = 0

  constructor(private readonly wanted: WantedColumns) {
    for (const [name, kind] of wanted) {
      if (kind === 'numeric') this.numeric.set(name, { values: new Float64Array(1024), length: 0, rows: 0, nullCount: 0, nonFinite: 0, typeErrors: 0, text: new Map() })
      else this.categorical.set(name, { rows: 0, nullCount: 0, counts: new Map() })
    }
  }

  /** Whether `name` is a column the check wants. */
  wants(name: string): boolean {
    return this.wanted.has(name)
  }

  /** Names of the wanted columns seen in at least one batch. */
  readonly seen = new Set<string>()

  /** Adds one batch; `rows` selects rows (the window), default all. */
  add(table: DataTable, rows?: Uint32Array): void {
    const count = rows ? rows.length : table.rowCount
    this.rows += count
    for (const [name, column] of table.columns) {
      const kind = this.wanted.get(name)
      if (!kind) continue
      this.seen.add(name)
      if (kind === 'numeric') {
        const acc = this.numeric.get(name)!
        acc.rows += count
        if (acc.values.length < acc.length + count) {
          const grown = new Float64Array(Math.max(acc.values.length * 2, acc.length + count))
          grown.set(acc.values.subarray(0, acc.length))
          acc.values = grown
        }
        if (column.kind === 'numeric') {
          const v = column.values
          for (let k = 0; k < count; k++) {
            const x = v[rows ? rows[k]! : k]!
            if (x !== x) acc.nullCount++
            else if (x === Infinity || x === -Infinity) acc.nonFinite++
            else acc.values[acc.length++] = x === 0 ? 0 : x
          }
        } else {
          // Text where numbers are expected: numbers written as text still count; the rest are type errors.
          const parsed = column.categories.map((c) => parseNumber(c))
          for (let k = 0; k < count; k++) {
            const code = column.codes[rows ? rows[k]! : k]!
            if (code === NULL_CODE) {
              acc.nullCount++
              continue
            }
            const x = parsed[code]!
            if (x === NOT_A_NUMBER) {
              acc.typeErrors++
              const text = column.categories[code]!
              acc.text.set(text, (acc.text.get(text) ?? 0) + 1)
            } else if (x !== x) acc.nullCount++
            else if (!Number.isFinite(x)) acc.nonFinite++
            else acc.values[acc.length++] = x === 0 ? 0 : x
          }
        }
      } else {
        const acc = this.categorical.get(name)!
        acc.rows += count
        if (column.kind === 'categorical') {
          const perCode = new Float64Array(column.categories.length)
          for (let k = 0; k < count; k++) {
            const code = column.codes[rows ? rows[k]! : k]!
            if (code === NULL_CODE) acc.nullCount++
            else perCode[code]!++
          }
          perCode.forEach((c, code) => {
            if (c > 0) acc.counts.set(column.categories[code]!, (acc.counts.get(column.categories[code]!) ?? 0) + c)
          })
        } else {
          for (let k = 0; k < count; k++) {
            const x = column.values[rows ? rows[k]! : k]!
            if (x !== x) acc.nullCount++
            else acc.counts.set(String(x), (acc.counts.get(String(x)) ?? 0) + 1)
          }
        }
      }
    }
  }

  /** The columns seen, as the check takes them. */
  columns(): Map<string, CurrentColumn> {
    const out = new Map<string, CurrentColumn>()
    for (const [name, acc] of this.numeric) {
      if (!this.seen.has(name)) continue
      // Only text and nulls: a column of the wrong type, reported as such by the check.
      if (acc.length === 0 && acc.typeErrors > 0) out.set(name, { kind: 'categorical', rows: acc.rows, nullCount: acc.nullCount, counts: acc.text })
      else out.set(name, { kind: 'numeric', rows: acc.rows, nullCount: acc.nullCount, nonFinite: acc.nonFinite, typeErrors: acc.typeErrors, values: acc.values.subarray(0, acc.length) })
    }
    for (const [name, acc] of this.categorical) if (this.seen.has(name)) out.set(name, { kind: 'categorical', ...acc })
    return out
  }
}

/** The files a `--current` dataset names: a file, or a glob (relative to `cwd`). */
export async function expandDataset(location: string, cwd: string): Promise<string[]> {
  if (!isDynamicPattern(location)) return [resolve(cwd, location)]
  const files = (await glob(location, { cwd, absolute: true, onlyFiles: true })).sort()
  if (files.length === 0) throw new DataError(`--current ${location}: the pattern matches no file (relative to ${cwd}). Fix: check the pattern, or quote it so the shell does not expand it.`)
  return files
}

/** Reads a dataset's wanted columns; a wanted column absent from every file is left out (a missing column). */
export async function readCurrentDataset(location: string, wanted: WantedColumns, options: { cwd: string; batchRows?: number }): Promise<DriftCurrent> {
  const files = await expandDataset(location, options.cwd)
  const acc = new CurrentAccumulator(wanted)
  for (const file of files) {
    const shown = relative(options.cwd, file) || file
    const present = new Set(await readColumnNames(file, { displayName: shown }))
    const columns = [...wanted.keys()].filter((name) => present.has(name))
    if (columns.length === 0) {
      throw new DataError(`${shown}: none of the checked features (${[...wanted.keys()].join(', ')}) is a column of this file (columns: ${[...present].slice(0, 20).join(', ')}). Fix: point --current at data with the model's features.`)
    }
    const categorical = columns.filter((name) => wanted.get(name) === 'categorical')
    for await (const batch of readBatches(file, { columns, categorical, displayName: shown, ...(options.batchRows ? { batchRows: options.batchRows } : {}) })) acc.add(batch)
  }
  return { source: 'dataset', location, files: files.map((f) => relative(options.cwd, f) || f), rows: acc.rows, window: null, columns: acc.columns() }
}

/** A prediction-log window: rows with start ≤ timestamp < end. */
export interface LogWindow {
  start: number
  end: number
  /** As written, e.g. '7d'. */
  duration: string
}

/** Prediction-log rows besides the features: what labels join on. */
export interface LoggedPredictions {
  requestIds: Array<string | null>
  outputs: Map<string, Array<number | string | null>>
}

const LOG_FILE = /^predictions-(\d{8}T\d{6}Z)-(\d+)\.arrow$/

/**
 * Reads `<dir>/<model>/<version>/predictions-*.arrow` over `window` (all versions unless
 * `version` is given). `keepPredictions` also returns request ids and outputs (for labels).
 */
export async function readPredictionLogs(
  dir: string,
  model: string,
  wanted: WantedColumns,
  options: { window: LogWindow; version?: string; cwd: string; keepPredictions?: boolean },
): Promise<{ current: DriftCurrent; predictions: LoggedPredictions | null }> {
  const modelDir = join(dir, model.replace(/:/g, '='))
  const shownDir = relative(options.cwd, modelDir) || modelDir
  let versions: string[]
  try {
    versions = (await readdir(modelDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new DataError(`${shownDir}: no prediction logs for ${model} yet (the folder does not exist). Fix: run the server with prediction logging on, or check --current.`)
    throw new DataError(`${shownDir}: could not read the prediction-log folder (${code ?? (error as Error).message})`)
  }
  if (options.version !== undefined) versions = versions.filter((v) => v === options.version)
  const files: string[] = []
  for (const version of versions.sort()) {
    const names = (await readdir(join(modelDir, version))).filter((n) => LOG_FILE.test(n)).sort(byStartThenSeq)
    // A file holds rows from its start until the next file starts, so one can be skipped only when
    // its successor started before the window did, or when it started after the window ended.
    for (let i = 0; i < names.length; i++) {
      const startsAt = fileTime(names[i]!)
      const next = names[i + 1]
      if (startsAt >= options.window.end) continue
      if (next !== undefined && fileTime(next) <= options.window.start) continue
      files.push(join(modelDir, version, names[i]!))
    }
  }
  const window = { start: new Date(options.window.start).toISOString(), end: new Date(options.window.end).toISOString(), duration: options.window.duration }
  if (files.length === 0) {
    const where = options.version !== undefined ? `${shownDir}/${options.version}` : shownDir
    throw new DataError(`${where}: no prediction log covers the window ${window.start} to ${window.end} (${options.window.duration}); a drift verdict needs data. Fix: widen --window, or check that the server is logging predictions.`)
  }
  const acc = new CurrentAccumulator(wanted)
  const predictions: LoggedPredictions | null = options.keepPredictions ? { requestIds: [], outputs: new Map() } : null
  for (const file of files) await readLogFile(file, relative(options.cwd, file) || file, acc, options.window, predictions)
  return {
    current: { source: 'prediction-logs', location: relative(options.cwd, dir) || dir, files: files.map((f) => relative(options.cwd, f) || f), rows: acc.rows, window, columns: acc.columns() },
    predictions,
  }
}

function byStartThenSeq(a: string, b: string): number {
  const [, ta, sa] = LOG_FILE.exec(a)!
  const [, tb, sb] = LOG_FILE.exec(b)!
  return ta! < tb! ? -1 : ta! > tb! ? 1 : Number(sa) - Number(sb)
}

function fileTime(name: string): number {
  const t = LOG_FILE.exec(name)![1]!
  return Date.UTC(Number(t.slice(0, 4)), Number(t.slice(4, 6)) - 1, Number(t.slice(6, 8)), Number(t.slice(9, 11)), Number(t.slice(11, 13)), Number(t.slice(13, 15)))
}

async function readLogFile(path: string, shown: string, acc: CurrentAccumulator, window: LogWindow, predictions: LoggedPredictions | null): Promise<void> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new DataError(`${shown}: could not open the prediction log (${error.code ?? error.message})`)
  })
  try {
    let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>
    try {
      reader = await RecordBatchReader.from(handle)
      await reader.open()
    } catch (error) {
      throw new DataError(`${shown}: not a readable Arrow IPC file (${(error as Error).message}); a prediction log may be damaged. Fix: move it aside; the check reads the rest.`)
    }
    const marker = reader.schema.metadata.get(PREDICTION_LOG_METADATA_KEY)
    if (marker === undefined) throw new DataError(`${shown}: not a prediction log (its schema has no '${PREDICTION_LOG_METADATA_KEY}' metadata). Fix: keep only the server's logs under the log folder.`)
    if (marker !== PREDICTION_LOG_FORMAT) {
      throw new DataError(`${shown}: prediction log format '${marker}'; this modelship reads format ${PREDICTION_LOG_FORMAT}. Fix: ${Number(marker) > Number(PREDICTION_LOG_FORMAT) ? 'upgrade modelship' : 'the log was written by an older server; check it with that release'}.`)
    }
    if (!reader.schema.fields.some((f) => f.name === 'timestamp')) throw new DataError(`${shown}: the prediction log has no 'timestamp' column; it cannot be windowed. The file is damaged or not the server's.`)
    for await (const batch of reader) {
      const stamps = batch.getChild('timestamp')!
      const rows: number[] = []
      for (let i = 0; i < batch.numRows; i++) {
        const t = Number(stamps.get(i))
        if (t >= window.start && t < window.end) rows.push(i)
      }
      if (rows.length === 0) continue
      const selected = Uint32Array.from(rows)
      const columns = new Map<string, Column>()
      for (const field of batch.schema.fields) {
        if (acc.wants(field.name)) columns.set(field.name, toColumn(batch.getChild(field.name)!, shown, field.name))
      }
      acc.add({ rowCount: batch.numRows, columns }, selected)
      if (predictions) {
        const ids = batch.getChild('request_id')
        for (const i of selected) predictions.requestIds.push(ids ? ((ids.get(i) as string | null) ?? null) : null)
        for (const field of batch.schema.fields) {
          if (!field.name.startsWith('output.')) continue
          const vector = batch.getChild(field.name)!
          let list = predictions.outputs.get(field.name)
          if (!list) predictions.outputs.set(field.name, (list = []))
          for (const i of selected) list.push((vector.get(i) as number | string | null) ?? null)
        }
      }
    }
  } finally {
    await handle.close()
  }
}

/** A log column as a DataTable column: Float64 numbers, Utf8 text (dictionary-encoded per batch). */
function toColumn(vector: Vector, file: string, name: string): Column {
  const n = vector.length
  if (DataType.isFloat(vector.type) || DataType.isInt(vector.type) || DataType.isTimestamp(vector.type) || DataType.isBool(vector.type)) {
    const values = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const v = vector.get(i) as number | bigint | boolean | null
      values[i] = v === null ? Number.NaN : Number(v)
    }
    return { kind: 'numeric', values }
  }
  if (DataType.isUtf8(vector.type) || DataType.isLargeUtf8(vector.type)) {
    const categories: string[] = []
    const index = new Map<string, number>()
    const codes = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const v = vector.get(i) as string | null
      if (v === null) codes[i] = NULL_CODE
      else {
        let code = index.get(v)
        if (code === undefined) index.set(v, (code = categories.push(v) - 1))
        codes[i] = code
      }
    }
    return { kind: 'categorical', codes, categories }
  }
  throw new DataError(`${file}: column '${name}' has Arrow type ${String(vector.type)}; prediction logs hold Float64 and Utf8 columns. The file is not the server's, or is damaged.`)
}

/** Parses a window like '7d' into [now − 7d, now). */
export function logWindow(duration: string, now: number, parse: (text: string) => number | undefined): LogWindow {
  const ms = parse(duration)
  if (ms === undefined) throw new DataError(`--window ${duration}: not a duration; expected a whole number and a unit (s, m, h, d or w), e.g. 7d`)
  return { start: now - ms, end: now, duration }
}
