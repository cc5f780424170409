/**
 * The run's state on disk, which is what makes a killed run resumable: `<output>/.batch-state/`
 * holds `plan.json` (inputs with their sha256 and row counts, the shard's ranges, the model's sha256,
 * the mini-batch size) and, per finished mini-batch, its results `<file>-<start>.arrow` and then its
 * done marker `<file>-<start>.json` (rows scored, failed rows with reasons). Both are written
 * atomically, the marker last, so a batch is done exactly when its marker exists: a rerun scores
 * only the batches without one, and the final output is assembled from the parts in plan order, so
 * every row appears once.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../fs/atomic-file.js'
import type { BatchOutcome } from './segment.js'
import type { MiniBatch } from './shard.js'

/** The folder of a run's state inside its output folder. */
export const STATE_DIR = '.batch-state'

/** Where a mini-batch's results go. */
export function partPath(stateDir: string, batch: MiniBatch): string {
  return join(stateDir, `${batch.file}-${batch.start}.arrow`)
}

function markerPath(stateDir: string, batch: MiniBatch): string {
  return join(stateDir, `${batch.file}-${batch.start}.json`)
}

/** Writes a batch's done marker (after its part). */
export async function writeMarker(stateDir: string, outcome: BatchOutcome): Promise<void> {
  await writeFileAtomic(markerPath(stateDir, outcome.batch), JSON.stringify(outcome))
}

/** The outcomes of the batches already done, by `<file>-<start>`; markers that do not match their batch are ignored. */
export async function readMarkers(stateDir: string, batches: readonly MiniBatch[]): Promise<Map<string, BatchOutcome>> {
  const names = new Set(await readdir(stateDir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error))))
  const done = new Map<string, BatchOutcome>()
  for (const batch of batches) {
    const key = batchKey(batch)
    if (!names.has(`${key}.json`)) continue
    let outcome: BatchOutcome
    try {
      outcome = JSON.parse(await readFile(markerPath(stateDir, batch), 'utf8')) as BatchOutcome
    } catch {
      continue // a marker is renamed into place whole, so an unreadable one was not written by this run: score again
    }
    if (outcome.batch?.file !== batch.file || outcome.batch.start !== batch.start || outcome.batch.end !== batch.end) continue
    if (outcome.scored > 0 && !names.has(`${key}.arrow`)) continue
    done.set(key, outcome)
  }
  return done
}

/** `<file>-<start>`, a batch's name in the state folder. */
export function batchKey(batch: MiniBatch): string {
  return `${batch.file}-${batch.start}`
}

/** Creates the state folder. */
export async function ensureStateDir(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true })
}
