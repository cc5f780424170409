// Test helpers for the drift check: seeded samples, data files and prediction logs in the format
// src/serve/prediction-log.ts writes (format 1), built with apache-arrow directly.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Field, Float64, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Timestamp, TimeUnit, Utf8, vectorFromArray } from 'apache-arrow'

/** A seeded uniform stream (mulberry32). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** n normal draws with mean `shift`, std `scale`. */
export function normals(n: number, seed: number, shift = 0, scale = 1): Float64Array {
  const u = seeded(seed)
  return Float64Array.from({ length: n }, () => shift + scale * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()))
}

/** A CSV file from columns of equal length. */
export function writeCsv(path: string, columns: Record<string, ArrayLike<number | string | null>>): void {
  const names = Object.keys(columns)
  const n = columns[names[0]!]!.length
  const lines = [names.join(',')]
  for (let i = 0; i < n; i++) lines.push(names.map((c) => String(columns[c]![i] ?? '')).join(','))
  writeFileSync(path, `${lines.join('\n')}\n`)
}

/** One prediction-log file: rows with a timestamp each, features and outputs as columns. */
export function writePredictionLog(
  dir: string,
  model: string,
  version: string,
  name: string,
  rows: { timestamps: number[]; requestIds?: Array<string | null>; columns: Record<string, Array<number | string | null>> },
  metadata: Record<string, string> = { 'modelship.prediction-log': '1' },
): string {
  const n = rows.timestamps.length
  const fields = [
    new Field('request_id', new Utf8(), true),
    new Field('timestamp', new Timestamp(TimeUnit.MILLISECOND, 'UTC'), false),
    new Field('model', new Utf8(), false),
    new Field('version', new Utf8(), false),
    ...Object.entries(rows.columns).map(([c, values]) => new Field(c, typeof values.find((v) => v !== null) === 'string' ? new Utf8() : new Float64(), true)),
  ]
  const children = [
    vectorFromArray(rows.requestIds ?? Array.from({ length: n }, (_, i) => `r${i}`), new Utf8()).data[0]!,
    vectorFromArray(rows.timestamps, fields[1]!.type).data[0]!,
    vectorFromArray(Array.from({ length: n }, () => model), new Utf8()).data[0]!,
    vectorFromArray(Array.from({ length: n }, () => version), new Utf8()).data[0]!,
    ...Object.entries(rows.columns).map(([, values], i) =>
      fields[4 + i]!.type instanceof Utf8
        ? vectorFromArray(values as Array<string | null>, new Utf8()).data[0]!
        : vectorFromArray(values.map((v) => (v === null ? null : Number(v))), new Float64()).data[0]!,
    ),
  ]
  const schema = new Schema(fields, new Map(Object.entries(metadata)))
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children }))
  const folder = join(dir, model, version)
  mkdirSync(folder, { recursive: true })
  const path = join(folder, name)
  writeFileSync(path, tableToIPC(new Table(schema, [batch]), 'file'))
  return path
}
