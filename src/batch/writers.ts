/**
 * Result files: Arrow IPC (apache-arrow), Parquet (hyparquet-writer) and CSV, each written batch by
 * batch into a temporary sibling and renamed into place on `close`, so a reader, or a rerun after a
 * kill, sees the whole file or none. Memory holds one batch, not the file.
 */
import { once } from 'node:events'
import { createWriteStream, type WriteStream } from 'node:fs'
import { readFile, rename, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { RecordBatchFileWriter, Table, tableFromIPC, tableToIPC, type Schema } from 'apache-arrow'
import { fileWriter, ParquetWriter } from 'hyparquet-writer'
import { writeFileAtomic } from '../fs/atomic-file.js'
import type { ResultColumn, ResultColumns, ResultSchema, ResultType } from './results.js'
import { arrowSchema, filesDictionary, fromRecordBatch, toRecordBatch, withFiles } from './results.js'

/** Output formats batch scoring writes. */
export type OutputFormat = 'arrow' | 'parquet' | 'csv'

/** The file extension of a format. */
export const OUTPUT_EXTENSIONS: Readonly<Record<OutputFormat, string>> = { arrow: '.arrow', parquet: '.parquet', csv: '.csv' }

/** Writes result batches to one file; nothing appears at `path` before `close` resolves. */
export interface ResultWriter {
  /** Writes a batch; its file codes are re-pointed into the writer's `files` when its list differs. */
  write(batch: ResultColumns): Promise<void>
  /** Finishes the file and renames it into place. */
  close(): Promise<void>
  /** Removes the unfinished file. */
  abort(): Promise<void>
}

function tempSibling(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
}

/** Opens a writer of `format` for `path`; `files` are the run's inputs, which `file` columns name. */
export function openResultWriter(path: string, format: OutputFormat, schema: ResultSchema, files: readonly string[]): ResultWriter {
  const writer = format === 'arrow' ? arrowWriter(path, arrowSchema(schema), files) : format === 'parquet' ? parquetWriter(path, schema, files) : csvWriter(path, schema, files)
  return { ...writer, write: (batch) => writer.write(withFiles(batch, files)) }
}

async function finishStream(stream: WriteStream): Promise<void> {
  if (!stream.writableFinished) {
    stream.end()
    await once(stream, 'finish')
  }
}

async function write(stream: WriteStream, chunk: Uint8Array | string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain')
}

function arrowWriter(path: string, schema: Schema, files: readonly string[]): ResultWriter {
  const temp = tempSibling(path)
  // One dictionary object for every batch: the IPC file format allows no replaced dictionary.
  const dictionary = filesDictionary(files)
  const stream = createWriteStream(temp)
  const writer = new RecordBatchFileWriter()
  // The writer yields its encoded messages as they are made; each goes to the file at once.
  const messages = (async () => {
    for await (const chunk of writer) await write(stream, chunk)
    await finishStream(stream)
  })()
  let wrote = false
  return {
    async write(batch) {
      writer.write(toRecordBatch(schema, batch, dictionary))
      wrote = true
    },
    async close() {
      if (!wrote) writer.reset(undefined, schema)
      writer.finish()
      await messages
      await rename(temp, path)
    },
    async abort() {
      // finish, not abort: apache-arrow's abort leaves its message iterator pending, and the loop above with it.
      writer.finish()
      await messages.catch(() => {})
      stream.destroy()
      await rm(temp, { force: true })
    },
  }
}

const PARQUET_TYPES: Readonly<Record<ResultType, object>> = {
  file: { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  utf8: { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  int64: { type: 'INT64', repetition_type: 'REQUIRED' },
  float32: { type: 'FLOAT', repetition_type: 'REQUIRED' },
  float64: { type: 'DOUBLE', repetition_type: 'REQUIRED' },
}

function parquetWriter(path: string, schema: ResultSchema, files: readonly string[]): ResultWriter {
  const temp = tempSibling(path)
  // hyparquet-writer's file writer flushes each megabyte it encodes; one row group per batch.
  const writer = new ParquetWriter({
    writer: fileWriter(temp),
    schema: [{ name: 'root', num_children: schema.columns.length }, ...schema.columns.map((c) => ({ name: c.name, ...PARQUET_TYPES[c.type] }))] as never,
    createdBy: 'modelship batch-score (hyparquet-writer)',
  })
  return {
    async write(batch) {
      if (batch.rowCount === 0) return
      // hyparquet-writer dictionary-encodes the repeated file names itself.
      const data = (c: ResultColumn) => (c.type === 'file' ? Array.from(c.values as Int32Array, (code) => files[code]!) : c.values)
      await writer.write({ columnData: batch.columns.map((c) => ({ name: c.name, data: data(c) as never, nullable: false })), rowGroupSize: batch.rowCount })
    },
    async close() {
      await writer.finish()
      await rename(temp, path)
    },
    async abort() {
      await rm(temp, { force: true })
    },
  }
}

/** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function csvWriter(path: string, schema: ResultSchema, files: readonly string[]): ResultWriter {
  const temp = tempSibling(path)
  const fileFields = files.map(csvField)
  const stream = createWriteStream(temp)
  let header: Promise<void> | undefined = write(stream, schema.columns.map((c) => csvField(c.name)).join(',') + '\n')
  return {
    async write(batch) {
      await header
      header = undefined
      const texts = batch.columns.map((c) =>
        c.type === 'utf8' ? (c.values as string[]).map(csvField) : c.type === 'file' ? Array.from(c.values as Int32Array, (code) => fileFields[code]!) : undefined,
      )
      const lines: string[] = new Array(batch.rowCount)
      for (let i = 0; i < batch.rowCount; i++) {
        let line = ''
        for (let j = 0; j < batch.columns.length; j++) {
          if (j > 0) line += ','
          line += texts[j] ? texts[j]![i] : String(batch.columns[j]!.values[i])
        }
        lines[i] = line
      }
      await write(stream, lines.join('\n') + '\n')
    },
    async close() {
      await header
      await finishStream(stream)
      await rename(temp, path)
    },
    async abort() {
      stream.destroy()
      await rm(temp, { force: true })
    },
  }
}

/** Writes one mini-batch's results as an Arrow IPC part file, atomically. */
export async function writePart(path: string, schema: ResultSchema, batch: ResultColumns): Promise<void> {
  await writeFileAtomic(path, tableToIPC(new Table([toRecordBatch(arrowSchema(schema), batch)]), 'file'))
}

/** Reads a part file back. */
export async function readPart(path: string): Promise<ResultColumns[]> {
  return tableFromIPC(await readFile(path)).batches.map(fromRecordBatch)
}
