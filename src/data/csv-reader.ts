/**
 * CSV files: header row, RFC 4180 quoting, UTF-8 (a BOM is dropped). A column without a declared
 * kind is numeric when every non-empty cell parses as a number (see parse-number.ts), else text;
 * deciding that needs the whole column, so such columns cost one extra streaming pass over the
 * file, which holds no rows in memory.
 */
import { createReadStream } from 'node:fs'
import { DataError } from '../errors.js'
import { CsvParser } from './csv-parser.js'
import { notNumericError, rowLabel } from './data-errors.js'
import { skipRows, type ColumnRequest, type FormatReader } from './format-reader.js'
import { NOT_A_NUMBER, parseNumber } from './parse-number.js'
import type { Column, DataTable } from './table.js'
import { NULL_CODE } from './table.js'

/** Rows per chunk the CSV reader hands on. */
const CHUNK_ROWS = 65_536

/** Thrown inside a row handler to stop reading early. */
class StopReading extends Error {}

/** Hands every row to `onRow` until the file ends or `onRow` throws StopReading. */
async function streamRows(path: string, file: string, onRow: (fields: string[], count: number, line: number) => void): Promise<void> {
  try {
    // Nothing is ever queued, so the generator yields nothing: it only drives the parser.
    for await (const table of streamRowsInto(path, file, onRow, [])) void table
  } catch (error) {
    if (!(error instanceof StopReading)) throw error
  }
}

function decodeText(decoder: InstanceType<typeof TextDecoder>, file: string, bytes: Buffer | undefined, more: boolean): string {
  try {
    return decoder.decode(bytes, { stream: more })
  } catch (cause) {
    throw new DataError(
      `${file}: not UTF-8 text, so not a CSV file Modelship can read. Fix: save it as UTF-8 CSV, or use ` +
        `the .parquet or .arrow extension if it is one of those formats.`,
      { cause },
    )
  }
}

/** Opens a CSV file and reads its header row. */
export async function openCsv(path: string, file: string): Promise<FormatReader> {
  let header: string[] | undefined
  await streamRows(path, file, (fields, count) => {
    header = fields.slice(0, count)
    throw new StopReading()
  })
  if (!header) throw new DataError(`${file}: the file has no header row. Fix: write the column names on the first line.`)
  const seen = new Set<string>()
  for (const [i, name] of header.entries()) {
    if (name.trim() === '') throw new DataError(`${file}: column ${i + 1} of the header has no name. Fix: name every column in the first line.`)
    if (seen.has(name)) throw new DataError(`${file}: the header names column '${name}' twice. Fix: give each column a unique name.`)
    seen.add(name)
  }
  const columnNames: readonly string[] = header
  return {
    columnNames,
    chunks: (requests, _maxRows, startRow = 0) => (startRow > 0 ? skipRows(readCsvChunks(path, file, columnNames, requests), startRow) : readCsvChunks(path, file, columnNames, requests)),
    close: async () => {},
  }
}

async function* readCsvChunks(path: string, file: string, header: readonly string[], requests: readonly ColumnRequest[]): AsyncGenerator<DataTable> {
  const kinds = await resolveKinds(path, file, header, requests)
  const width = header.length
  const indexes = requests.map((r) => header.indexOf(r.name))
  const numeric = requests.map((_, k) => kinds[k] === 'numeric')

  let numbers = requests.map(() => new Float64Array(CHUNK_ROWS))
  let codes = requests.map(() => new Int32Array(CHUNK_ROWS))
  let filled = 0
  let dataRow = -1
  const ready: DataTable[] = []

  const flush = (): void => {
    const columns = new Map<string, Column>()
    requests.forEach((request, k) => {
      columns.set(
        request.name,
        numeric[k]
          ? { kind: 'numeric', values: numbers[k]!.subarray(0, filled) }
          : { kind: 'categorical', codes: codes[k]!.subarray(0, filled), categories: request.dictionary.categories },
      )
    })
    ready.push({ rowCount: filled, columns })
    numbers = requests.map((_, k) => (numeric[k] ? new Float64Array(CHUNK_ROWS) : numbers[k]!))
    codes = requests.map((_, k) => (numeric[k] ? codes[k]! : new Int32Array(CHUNK_ROWS)))
    filled = 0
  }

  const onRow = (fields: string[], count: number, line: number): void => {
    if (dataRow === -1) {
      dataRow = 0 // the header
      return
    }
    if (count !== width) {
      throw new DataError(
        `${file}: ${rowLabel(dataRow, line)} has ${count} ${count === 1 ? 'field' : 'fields'}, but the header has ${width}. ` +
          `Fix: quote fields that contain commas, and give every row one value per column.`,
      )
    }
    for (let k = 0; k < indexes.length; k++) {
      const text = fields[indexes[k]!]!
      if (numeric[k]) {
        const value = parseNumber(text)
        if (value === NOT_A_NUMBER) {
          // Only a declared column can get here: inferred ones were all numbers in the first pass.
          throw notNumericError(file, requests[k]!.name, dataRow, text, line)
        }
        numbers[k]![filled] = value
      } else {
        codes[k]![filled] = text === '' ? NULL_CODE : requests[k]!.dictionary.code(text)
      }
    }
    filled++
    dataRow++
    if (filled === CHUNK_ROWS) flush()
  }
  // The parser calls back synchronously; chunks are handed on after each piece of text.
  const pending = streamRowsInto(path, file, onRow, ready)
  for await (const table of pending) yield table
  if (filled > 0) {
    flush()
    yield ready.shift()!
  }
}

async function* streamRowsInto(path: string, file: string, onRow: (fields: string[], count: number, line: number) => void, ready: DataTable[]): AsyncGenerator<DataTable> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const parser = new CsvParser(file, onRow)
  const stream = createReadStream(path, { highWaterMark: 1 << 20 })
  try {
    for await (const bytes of stream as AsyncIterable<Buffer>) {
      parser.push(decodeText(decoder, file, bytes, true))
      while (ready.length > 0) yield ready.shift()!
    }
    parser.push(decodeText(decoder, file, undefined, false))
    parser.finish()
    while (ready.length > 0) yield ready.shift()!
  } finally {
    stream.destroy()
  }
}

/** Decides `auto` columns: numeric when every non-empty cell is a number. */
async function resolveKinds(path: string, file: string, header: readonly string[], requests: readonly ColumnRequest[]): Promise<Array<'numeric' | 'categorical'>> {
  const kinds = requests.map((r) => (r.kind === 'auto' ? 'numeric' : r.kind))
  const open = requests.flatMap((r, k) => (r.kind === 'auto' ? [k] : []))
  if (open.length === 0) return kinds
  let undecided = open.map((k) => ({ k, index: header.indexOf(requests[k]!.name) }))
  let isHeader = true
  await streamRows(path, file, (fields, count) => {
    if (isHeader) {
      isHeader = false
      return
    }
    let changed = false
    for (const column of undecided) {
      if (column.index >= count) continue // a ragged row: reported by the main pass
      if (parseNumber(fields[column.index]!) === NOT_A_NUMBER) {
        kinds[column.k] = 'categorical'
        changed = true
      }
    }
    if (changed) {
      undecided = undecided.filter((column) => kinds[column.k] === 'numeric')
      if (undecided.length === 0) throw new StopReading()
    }
  })
  return kinds
}
